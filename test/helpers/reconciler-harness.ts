/**
 * A Reconciler on a real EmbeddedStore with a real provider, and the reads the reconciler tests
 * assert on (ContainerRecords, router:<app>, events, what an address answers).
 */
import { expect, onTestFinished } from 'vitest';
import type { AppConfig } from '../../config/resolve.js';
import type { BackendProvider } from '../../plugins/provider.js';
import { Reconciler } from '../../scaler/reconciler.js';
import type { ReconcilerOptions } from '../../scaler/reconciler.js';
import type { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import { keys } from '../../store/keys.js';
import { ClientMetrics } from '../../store/records/client-metrics.js';
import { ContainerRecord } from '../../store/records/container-record.js';
import type { ContainerRecordValue } from '../../store/records/container-record.js';
import { Records } from '../../store/records/records.js';
import { ScaleEvent } from '../../store/records/scale-event.js';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import { ScaleJob } from '../../store/records/scale-job.js';
import { openTestStore } from './embedded-store.js';
import { eventually } from './eventually.js';

/** Generous bounds for waits that include process or container starts. */
export const WAIT = { timeoutMs: 20_000, intervalMs: 50 };

/** A running reconciler and what it works on. */
export interface ReconcilerHarness {
  store: EmbeddedStore;
  records: Records;
  provider: BackendProvider;
  reconciler: Reconciler;
  /** Closes the reconciler and its provider and opens new ones on the same store (and the same engine state). */
  restart(): Promise<void>;
}

/** Opens a store and a reconciler over `createProvider()`; everything is closed (and every instance stopped) when the test ends. */
export async function reconcilerHarness(apps: AppConfig[], createProvider: () => BackendProvider, options: Partial<ReconcilerOptions> = {}): Promise<ReconcilerHarness> {
  const { store } = await openTestStore();
  const records = new Records(store);
  const open = async () => {
    const provider = createProvider();
    const reconciler = new Reconciler({
      store,
      apps,
      providers: new Map(apps.map((app) => [app.name, provider])),
      backoff: { baseMs: 200, maxMs: 1_000 },
      readyTimeoutMs: 15_000,
      drainPollMs: 50,
      ...options,
    });
    await reconciler.start();
    return { provider, reconciler };
  };
  const h: ReconcilerHarness = {
    store,
    records,
    ...(await open()),
    restart: async () => {
      await h.reconciler.close();
      await h.provider.close();
      Object.assign(h, await open());
    },
  };
  onTestFinished(async () => {
    await h.reconciler.close();
    if (h.provider.scalable) for (const app of apps) for (const instance of await h.provider.list(app.name)) await h.provider.stop(instance, { graceMs: 0 });
    await h.provider.close();
  });
  return h;
}

/** Writes the app's ScaleJob, as the scaler would. */
export async function scaleTo(h: ReconcilerHarness, app: string, targetReplicas: number): Promise<void> {
  await h.records.put(ScaleJob, { app, targetReplicas, reason: 'test', issuedAt: Date.now() });
}

/** The app's ContainerRecords. */
export async function containers(h: ReconcilerHarness, app: string): Promise<ContainerRecordValue[]> {
  return (await h.records.query(ContainerRecord, { app })).map((entry) => entry.record);
}

/** `router:<app>` as stored ([] when unset). */
export async function router(h: ReconcilerHarness, app: string): Promise<string[]> {
  const kv = await h.store.get(keys.router(app));
  return kv === undefined ? [] : (JSON.parse(kv.value.toString('utf8')) as string[]);
}

/** The app's events, oldest first. */
export async function events(h: ReconcilerHarness, app: string): Promise<ScaleEventValue[]> {
  return (await h.records.list(ScaleEvent)).map((entry) => entry.record).filter((event) => event.app === app);
}

/** The echo id answering at `address`, or undefined when nothing answers. */
export async function echoId(address: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${address}/`, { signal: AbortSignal.timeout(1_000) });
    return ((await response.json()) as { id: string }).id;
  } catch {
    return undefined;
  }
}

/** Waits until the app has exactly `n` records, all Running, `router:<app>` lists exactly their addresses and the provider lists `n` instances. */
export async function settledAt(h: ReconcilerHarness, app: string, n: number): Promise<ContainerRecordValue[]> {
  return eventually(async () => {
    const records = await containers(h, app);
    expect(records.map((record) => record.status)).toEqual(Array<string>(n).fill('Running'));
    expect((await router(h, app)).sort()).toEqual(records.map((record) => record.address).sort());
    expect(await h.provider.list(app)).toHaveLength(n);
    return records;
  }, WAIT);
}

/** One fake proxy's metrics record for `app`, reporting in-flight requests per backend address. */
export async function reportInflight(h: ReconcilerHarness, app: string, backends: Record<string, number>): Promise<void> {
  await h.records.put(ClientMetrics, { id: `${app}:proxy-1`, app, proxyId: 'proxy-1', rps: 0, inflight: 0, p50Ms: 0, p99Ms: 0, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: Date.now(), backends });
}
