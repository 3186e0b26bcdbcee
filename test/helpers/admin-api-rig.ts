/**
 * A real admin server with the /api/v1 routes over a real EmbeddedStore, its config in a file (so
 * CLI processes can read admin.listen and admin.token), and `seed()`: the records the reconciler,
 * the proxies' telemetry and the event writers would have written for three apps.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { VortexConfig } from '../../config/resolve.js';
import { registerAppsApi } from '../../proxy/admin-api/apps-api.js';
import { startAdminServer } from '../../proxy/admin-server.js';
import { EventRecorder } from '../../scaler/event-recorder.js';
import { RouterWriter } from '../../scaler/router-writer.js';
import { ClientMetrics, clientMetricsId } from '../../store/records/client-metrics.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import { ContainerRecord } from '../../store/records/container-record.js';
import { Records } from '../../store/records/records.js';
import type { Store } from '../../store/store.js';
import { openTestStore } from './embedded-store.js';
import { tempDir } from './temp-dir.js';

/** The admin token of the rig's config. */
export const TOKEN = 'admin-api-test-token-0123456789';

/** A vortex.yaml with apps hello (process, 1-5), api (docker, missing image, 1-3) and web (static). */
export function configText(adminListen: string, token: string | undefined): string {
  return `admin:
  listen: "${adminListen}"
${token === undefined ? '' : `  token: ${token}\n`}apps:
  - name: hello
    min_replicas: 1
    max_replicas: 5
    backend: { plugin: process, command: [node, examples/hello/server.js] }
  - name: api
    match: { host: api.localhost }
    min_replicas: 1
    max_replicas: 3
    backend: { plugin: docker, image: "vortex-test/missing:latest" }
  - name: web
    match: { host: web.localhost }
    backend: { plugin: static, upstreams: ["127.0.0.1:9001"] }
`;
}

/** A running admin API and what a test needs around it. */
export interface Rig {
  store: Store;
  records: Records;
  url: (path: string) => string;
  base: string;
  /** The config file with the token, admin.listen on 0.0.0.0:<the admin port>. */
  configFile: string;
  /** A temp dir for more files, removed after the test. */
  dir: string;
  /** Swaps the config the API reads (a SIGHUP reload). */
  setConfig(config: VortexConfig): void;
  config: VortexConfig;
  /** Grants a 30 s lease, as a proxy's telemetry holds one. */
  lease(): Promise<string>;
}

/** Starts the rig; everything is closed when the test finishes. */
export async function rig(): Promise<Rig> {
  const { store } = await openTestStore();
  const records = new Records(store);
  const dir = await tempDir();
  const admin = await startAdminServer({ host: '127.0.0.1', port: 0, token: TOKEN });
  onTestFinished(() => admin.close());
  const configFile = join(dir, 'vortex.yaml');
  await writeFile(configFile, configText(`0.0.0.0:${admin.port}`, TOKEN));
  let config = await loadConfig(configFile);
  registerAppsApi(admin, { store, apps: () => config.apps });
  const base = `http://127.0.0.1:${admin.port}`;
  return {
    store,
    records,
    base,
    url: (path) => `${base}${path}`,
    configFile,
    dir,
    get config() {
      return config;
    },
    setConfig(next) {
      config = next;
    },
    lease: async () => (await store.grant(30)).id,
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** One request with the token (unless `token: false`); the status and the parsed JSON body. */
export async function call(url: string, init: { method?: string; body?: string; token?: boolean } = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.token === false ? {} : { ...auth, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: init.body }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

function metrics(app: string, proxyId: string, values: Partial<ClientMetricsValue>): ClientMetricsValue {
  return { id: clientMetricsId(app, proxyId), app, proxyId, rps: 0, inflight: 0, p50Ms: 0, p99Ms: 0, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: Date.now(), backends: {}, ...values };
}

/** What the reconciler and proxies would have written for the three apps. */
export async function seed(r: Rig): Promise<{ proxyB: string }> {
  const t0 = Date.now() - 60_000;
  const container = (id: string, status: 'Provisioning' | 'Running' | 'Draining' | 'Dead', port: number, offset: number) =>
    r.records.put(ContainerRecord, { id, app: 'hello', status, address: `127.0.0.1:${port}`, plugin: 'process', startedAt: t0 + offset });
  await container('hello-a', 'Running', 3001, 1);
  await container('hello-b', 'Running', 3002, 2);
  await container('hello-c', 'Provisioning', 3003, 3);
  await container('hello-d', 'Draining', 3000, 0);
  await container('hello-e', 'Dead', 2999, 4);
  const router = new RouterWriter(r.store);
  await router.sync('hello', () => Promise.resolve(['127.0.0.1:3001', '127.0.0.1:3002']));
  await router.sync('web', () => Promise.resolve(['127.0.0.1:9001']));
  const logger = { info: () => undefined, warn: () => undefined };
  const events = new EventRecorder(r.store, r.records, logger, Date.now);
  await events.emit('hello', 'start', 'started hello-a at 127.0.0.1:3001', { instanceId: 'hello-a' });
  await events.emit('hello', 'ready', 'hello-a at 127.0.0.1:3001 is ready and routed', { instanceId: 'hello-a' });
  await events.emit('api', 'error', 'start of api-x failed (VX_PROVIDER_IMAGE_MISSING): image vortex-test/missing:latest is not on the engine; retrying in 1000 ms', {
    instanceId: 'api-x',
    code: 'VX_PROVIDER_IMAGE_MISSING',
  });
  const proxyA = await r.lease();
  const proxyB = await r.lease();
  await r.records.put(ClientMetrics, metrics('hello', 'proxy-a', { rps: 120, inflight: 3, p99Ms: 12 }), { lease: proxyA });
  await r.records.put(ClientMetrics, metrics('hello', 'proxy-b', { rps: 80.5, inflight: 2, p99Ms: 40 }), { lease: proxyB });
  return { proxyB };
}

