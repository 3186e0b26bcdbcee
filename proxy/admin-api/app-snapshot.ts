/**
 * Reads what the store holds about a set of apps for the status API: ONE txn ranges over every
 * ScaleJob, ManualScale, ContainerRecord, router list and metrics record (a consistent snapshot at
 * one revision), then each app's newest events are read with a descending, limited range (events
 * are reports: reading them a few revisions later changes nothing). A record that does not validate
 * is left out (the scaler and reconciler warn about such records where they read them).
 *
 * Cost: the txn's size is the number of those records (a few hundred bytes each), the events at
 * most `eventsPerApp` per app; apps are read in batches of EVENT_BATCH range ops per txn.
 */
import { keys } from '../../store/keys.js';
import { ClientMetrics } from '../../store/records/client-metrics.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import { ContainerRecord } from '../../store/records/container-record.js';
import type { ContainerRecordValue } from '../../store/records/container-record.js';
import type { RecordType } from '../../store/records/record-type.js';
import { Records } from '../../store/records/records.js';
import { ScaleEvent } from '../../store/records/scale-event.js';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import { ManualScale, ScaleJob } from '../../store/records/scale-job.js';
import type { KeyValue, RangeResult, Store } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import type { AppSnapshot } from './app-status.js';

/** An AppSnapshot while it is filled in. */
type Building = AppSnapshot & { containers: ContainerRecordValue[]; metrics: ClientMetricsValue[] };

/** Range ops per txn when reading events (etcd allows 128 ops per txn). */
const EVENT_BATCH = 100;

/** Decodes records of one type, skipping those that do not validate. */
function decodeAll<T extends RecordType>(records: Records, type: T, kvs: readonly KeyValue[]) {
  return kvs.flatMap((kv) => {
    try {
      return [records.decode(type, kv).record];
    } catch {
      return [];
    }
  });
}

/** A `router:<app>` value: a JSON array of `host:port`; anything else counts as no backend. */
function routerAddresses(kv: KeyValue): string[] {
  try {
    const value: unknown = JSON.parse(kv.value.toString('utf8'));
    return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The newest `limit` events of each app, newest first. Keys sort by sequence within an app
 * (store/keys.ts), so a descending key range with a limit reads exactly those.
 */
export async function readRecentEvents(store: Store, apps: readonly string[], limit: number): Promise<Map<string, ScaleEventValue[]>> {
  const records = new Records(store);
  const result = new Map<string, ScaleEventValue[]>();
  for (let i = 0; i < apps.length; i += EVENT_BATCH) {
    const batch = apps.slice(i, i + EVENT_BATCH);
    const { responses } = await store.txn({
      success: batch.map((app) => ({ op: 'range' as const, ...prefixRange(keys.eventsOfApp(app)), sortOrder: 'descend' as const, sortTarget: 'key' as const, limit })),
    });
    batch.forEach((app, index) => result.set(app, decodeAll(records, ScaleEvent, (responses[index] as RangeResult).kvs)));
  }
  return result;
}

/** The snapshot of every app in `apps`, and the revision it was read at. */
export async function readAppSnapshots(store: Store, apps: readonly string[], eventsPerApp: number): Promise<{ revision: number; snapshots: Map<string, AppSnapshot> }> {
  const records = new Records(store);
  const { revision, responses } = await store.txn({
    success: [keys.scaleJobsAll, keys.manualScalesAll, keys.containersAll, keys.routersAll, keys.metricsAll].map((prefix) => ({ op: 'range' as const, ...prefixRange(prefix) })),
  });
  const [jobKvs, manualKvs, containerKvs, routerKvs, metricsKvs] = responses.map((response) => (response as RangeResult).kvs) as [KeyValue[], KeyValue[], KeyValue[], KeyValue[], KeyValue[]];
  const events = await readRecentEvents(store, apps, eventsPerApp);
  const snapshots = new Map<string, Building>(
    apps.map((app) => [app, { job: undefined, manual: undefined, containers: [], router: [], metrics: [], recentEvents: events.get(app) ?? [] }]),
  );
  const of = (app: string) => snapshots.get(app);
  for (const job of decodeAll(records, ScaleJob, jobKvs)) {
    const snapshot = of(job.app);
    if (snapshot) snapshot.job = job;
  }
  for (const manual of decodeAll(records, ManualScale, manualKvs)) {
    const snapshot = of(manual.app);
    if (snapshot) snapshot.manual = manual;
  }
  for (const container of decodeAll(records, ContainerRecord, containerKvs)) of(container.app)?.containers.push(container);
  for (const metrics of decodeAll(records, ClientMetrics, metricsKvs)) of(metrics.app)?.metrics.push(metrics);
  for (const kv of routerKvs) {
    const snapshot = of(kv.key.toString('utf8').slice(keys.routersAll.length));
    if (snapshot) snapshot.router = routerAddresses(kv);
  }
  return { revision, snapshots };
}
