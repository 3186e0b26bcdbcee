/**
 * Prometheus metrics of the control plane and the store (design.md §9), added to the admin server's
 * registry by the process that runs them (`vortex up`). Nothing here is on a request path: values are
 * read at scrape time, from this process (leadership, scale events it wrote) and from the store (the
 * desired replicas every scaler agreed on, whoever leads).
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { EmbeddedStoreStats } from '../store/embedded/embedded-store.js';
import { Records } from '../store/records/records.js';
import { ScaleJob } from '../store/records/scale-job.js';
import type { Store } from '../store/store.js';

/** What the control-plane metrics read. */
export interface ControlPlaneMetricsSource {
  store: Store;
  /** Whether this process's scaler leads right now. */
  isLeader(): boolean;
  /** The embedded store's figures when this process holds it; undefined for a remote store. */
  storeStats?: () => EmbeddedStoreStats;
}

/** Registers `vortex_scaler_leader`, `vortex_desired_replicas{app}` and, with an embedded store, `vortex_store_*`. */
export function registerControlPlaneMetrics(registry: Registry, source: ControlPlaneMetricsSource): void {
  const registers = [registry];
  const records = new Records(source.store);
  new Gauge({
    name: 'vortex_scaler_leader',
    help: '1 while the scaler in this process leads (its reconciler runs), else 0',
    registers,
    collect() {
      this.set(source.isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vortex_desired_replicas',
    help: 'Replicas the leading scaler wants per app (its ScaleJob target)',
    labelNames: ['app'],
    registers,
    async collect() {
      this.reset();
      for (const { record } of await records.list(ScaleJob)) this.set({ app: record.app }, record.targetReplicas);
    },
  });
  const stats = source.storeStats;
  if (stats === undefined) return;
  new Gauge({
    name: 'vortex_store_revision',
    help: 'The embedded store\'s current revision (every write txn adds one)',
    registers,
    collect() {
      this.set(stats().revision);
    },
  });
  new Gauge({
    name: 'vortex_store_keys',
    help: 'Live keys in the embedded store',
    registers,
    collect() {
      this.set(stats().keys);
    },
  });
  new Gauge({
    name: 'vortex_store_wal_bytes',
    help: 'Bytes in the embedded store\'s write-ahead log segments',
    registers,
    collect() {
      this.set(stats().wal.bytes);
    },
  });
}
