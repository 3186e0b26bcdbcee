/**
 * A whole Vortex deployment for end-to-end tests, as people run it on several machines: a Vortex
 * store served over gRPC (in this process, so the test reads the records directly), one
 * `vortex proxy` process and any number of `vortex scaler` processes, all pointed at the store with
 * `--store`, sharing one vortex.yaml written for the test. Only the scalers run backends (the leader's
 * reconciler does), so killing a scaler process is killing "the reconciler".
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { expect } from 'vitest';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import { serveStore } from '../../store/grpc/server.js';
import type { StoreServer } from '../../store/grpc/server.js';
import { keys } from '../../store/keys.js';
import { ContainerRecord } from '../../store/records/container-record.js';
import type { ContainerRecordValue } from '../../store/records/container-record.js';
import { Records } from '../../store/records/records.js';
import { ScaleEvent } from '../../store/records/scale-event.js';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import { ScaleJob } from '../../store/records/scale-job.js';
import { eventually } from './eventually.js';
import { freePorts } from './free-port.js';
import { startVortex } from './vortex-process.js';
import type { VortexProcess } from './vortex-process.js';

/** What the cluster is made from: vortex.yaml's `cluster` section and app blocks, as a user writes them. */
export interface E2eClusterOptions {
  cluster: Record<string, unknown>;
  apps: Array<Record<string, unknown>>;
  /** Extra environment of the scaler processes (e.g. DOCKER_HOST pointing at a relay). */
  scalerEnv?: Record<string, string>;
}

/** A running deployment; `close()` stops the processes and the store and removes its directory (backends are the caller's). */
export interface E2eCluster {
  store: EmbeddedStore;
  records: Records;
  /** The gRPC address the components use. */
  storeAddress: string;
  dir: string;
  configFile: string;
  proxy: VortexProcess;
  /** `http://127.0.0.1:<port>` of the proxy. */
  proxyUrl: string;
  adminUrl: string;
  /** The scaler processes started so far and still running, oldest first. */
  scalers: VortexProcess[];
  /** Starts one more `vortex scaler` (its id: {@link scalerIdOf}). */
  startScaler(): Promise<VortexProcess>;
  close(): Promise<void>;
}

/** Starts the store, writes vortex.yaml, starts the proxy and `scalers` scaler processes. */
export async function startCluster(options: E2eClusterOptions, scalers: number): Promise<E2eCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'vx-e2e-'));
  const store = await EmbeddedStore.open({ dataDir: join(dir, 'store') });
  const server: StoreServer = await serveStore(store);
  const [proxyPort, adminPort] = await freePorts(2);
  const config = {
    proxy: { listen: `127.0.0.1:${proxyPort}`, hold_timeout: '30s', shutdown_timeout: '5s' },
    admin: { listen: `127.0.0.1:${adminPort}` },
    store: { backend: 'etcd', endpoints: [server.address], data_dir: join(dir, 'data') },
    telemetry: { interval: '1s' },
    cluster: options.cluster,
    apps: options.apps,
  };
  const configFile = join(dir, 'vortex.yaml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const args = (command: string) => [command, '-c', configFile, '--store', server.address];
  const proxy = await startVortex(args('proxy'), /^vortex proxy: proxy on /);
  const cluster: E2eCluster = {
    store,
    records: new Records(store),
    storeAddress: server.address,
    dir,
    configFile,
    proxy,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    scalers: [],
    startScaler: async () => {
      const started = await startVortex(args('scaler'), /^vortex scaler: /, 30_000, options.scalerEnv ?? {});
      cluster.scalers.push(started);
      started.child.on('exit', () => (cluster.scalers = cluster.scalers.filter((s) => s !== started)));
      return started;
    },
    close: async () => {
      await Promise.all(cluster.scalers.map((s) => s.stop('SIGTERM', 15_000)));
      await proxy.stop('SIGTERM', 10_000);
      await server.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < scalers; i++) await cluster.startScaler();
  return cluster;
}

/** The scaler id a `vortex scaler` process printed in its ready line. */
export function scalerIdOf(scaler: VortexProcess): string {
  return /^vortex scaler: (\S+) on /.exec(scaler.ready)![1]!;
}

/** The scaler leader's id, or undefined while there is none. */
export async function leaderId(c: E2eCluster): Promise<string | undefined> {
  return (await c.store.get(keys.scalerLeader))?.value.toString('utf8');
}

/** The app's ContainerRecords. */
export async function containersOf(c: E2eCluster, app: string): Promise<ContainerRecordValue[]> {
  return (await c.records.query(ContainerRecord, { app })).map((entry) => entry.record);
}

/** `router:<app>` as stored ([] when unset). */
export async function routerOf(c: E2eCluster, app: string): Promise<string[]> {
  const kv = await c.store.get(keys.router(app));
  return kv === undefined ? [] : (JSON.parse(kv.value.toString('utf8')) as string[]);
}

/** The app's ScaleJob target, or undefined before the first decision. */
export async function targetOf(c: E2eCluster, app: string): Promise<number | undefined> {
  return (await c.records.get(ScaleJob, app))?.record.targetReplicas;
}

/** The app's events, oldest first. */
export async function eventsOf(c: E2eCluster, app: string): Promise<ScaleEventValue[]> {
  return (await c.records.list(ScaleEvent)).map((entry) => entry.record).filter((event) => event.app === app);
}

/**
 * Waits until the app has exactly `n` records, all Running, `router:<app>` lists exactly their
 * addresses, and `live()` (the engine's own list: containers by label, processes alive) says the same
 * ids: no duplicate, no orphan.
 */
export async function settled(c: E2eCluster, app: string, n: number, live: () => Promise<string[]>, timeoutMs = 60_000): Promise<ContainerRecordValue[]> {
  return eventually(
    async () => {
      const records = await containersOf(c, app);
      expect(records.map((record) => record.status)).toEqual(Array<string>(n).fill('Running'));
      expect((await routerOf(c, app)).sort()).toEqual(records.map((record) => record.address).sort());
      expect((await live()).sort()).toEqual(records.map((record) => record.id).sort());
      return records;
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** GET through the proxy: status and JSON body (undefined when not JSON); `host` sets the Host header. */
export async function viaProxy(c: E2eCluster, path = '/', host?: string, timeoutMs = 35_000): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const response = await request(`${c.proxyUrl}${path}`, { headers: host === undefined ? {} : { host }, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.body.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, body };
}
