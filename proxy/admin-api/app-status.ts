/**
 * One app's status from the records that describe it (pure: no store, no clock). The store reading
 * lives in app-snapshot.ts; this decides what the API shows.
 */
import type { AppConfig } from '../../config/resolve.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import type { ContainerRecordValue } from '../../store/records/container-record.js';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import type { ManualScaleValue, ScaleJobValue } from '../../store/records/scale-job.js';
import type { AppSummary } from './api-types.js';

/** Everything the store holds about one app, as read in one snapshot. */
export interface AppSnapshot {
  job: ScaleJobValue | undefined;
  manual: ManualScaleValue | undefined;
  containers: readonly ContainerRecordValue[];
  /** `router:<app>`'s addresses; empty when the key is missing. */
  router: readonly string[];
  /** The live proxies' ClientMetrics of the app (lease-bound: a dead proxy's record is gone). */
  metrics: readonly ClientMetricsValue[];
  /** The app's newest events, newest first (at least ERROR_SCAN of them when there are that many). */
  recentEvents: readonly ScaleEventValue[];
}

/** How many of the newest events are searched for an error that still stands. */
export const ERROR_SCAN = 20;

/**
 * Events that show the app's backends work again: an error older than one of them is over. Scale,
 * drain and stop events say nothing about whether starts succeed, so they do not clear an error.
 */
const RECOVERY_KINDS: ReadonlySet<ScaleEventValue['kind']> = new Set(['start', 'ready', 'adopt']);

/**
 * The error that still stands for an app: the newest `error` event among `newestFirst` with no
 * start, ready or adopt event after it; null when there is none. A failing start (a missing image)
 * is retried with back-off and reports an error each time, so it stays visible while it lasts.
 */
export function currentError(newestFirst: readonly ScaleEventValue[]): ScaleEventValue | null {
  for (const event of newestFirst.slice(0, ERROR_SCAN)) {
    if (event.kind === 'error') return event;
    if (RECOVERY_KINDS.has(event.kind)) return null;
  }
  return null;
}

/** The plugin an app runs on: a built-in's name, or a third-party plugin's module path. */
export function pluginName(app: AppConfig): string {
  return app.backend.plugin === 'module' ? app.backend.module : app.backend.plugin;
}

/** Rounds to 0.1 (rps) so the JSON carries no float noise from summing. */
function tenth(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The app's summary as `GET /api/v1/apps` shows it. */
export function summarizeApp(app: AppConfig, snapshot: AppSnapshot): AppSummary {
  const byStatus = { Provisioning: 0, Running: 0, Draining: 0, Dead: 0 };
  for (const container of snapshot.containers) byStatus[container.status] += 1;
  let rps = 0;
  let inflight = 0;
  let p99Ms = 0;
  for (const metrics of snapshot.metrics) {
    rps += metrics.rps;
    inflight += metrics.inflight;
    p99Ms = Math.max(p99Ms, metrics.p99Ms);
  }
  const { job, manual } = snapshot;
  return {
    name: app.name,
    plugin: pluginName(app),
    minReplicas: app.min_replicas,
    maxReplicas: app.max_replicas,
    desired: job === undefined ? null : { replicas: job.targetReplicas, reason: job.reason, issuedAt: job.issuedAt, ...(job.issuedBy === undefined ? {} : { issuedBy: job.issuedBy }) },
    manual: manual === undefined ? null : { app: manual.app, replicas: manual.replicas, setAt: manual.setAt },
    ready: byStatus.Running,
    provisioning: byStatus.Provisioning,
    draining: byStatus.Draining,
    dead: byStatus.Dead,
    backends: [...snapshot.router],
    rps: tenth(rps),
    inflight,
    p99Ms: tenth(p99Ms),
    proxies: snapshot.metrics.length,
    error: currentError(snapshot.recentEvents),
  };
}
