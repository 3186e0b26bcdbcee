/**
 * One app's telemetry window, as pure arithmetic: AppStats holds monotonic counters, so a window is
 * the difference between two snapshots of them. Produces the ClientMetrics value the proxy publishes
 * at `vortex:metrics:<app>:<proxyId>` (design.md §4).
 */
import type { ClientMetricsValue } from '../store/records/client-metrics.js';
import { clientMetricsId } from '../store/records/client-metrics.js';
import type { AppState } from './app-state.js';
import { latencyQuantile } from './app-stats.js';
import { ERROR_KINDS } from './forward/error-response.js';

/** The counters of one app at one moment (copies: AppStats keeps counting). */
export interface StatsSnapshot {
  /** Epoch ms of the read. */
  readonly at: number;
  /** Responses sent (sum over status classes). */
  readonly responses: number;
  readonly latencyCounts: Float64Array;
  readonly errors: Float64Array;
  readonly rateLimited: number;
}

/** Copies `app`'s counters at `at` (epoch ms). */
export function snapshotStats(app: AppState, at: number): StatsSnapshot {
  const { stats } = app;
  let responses = 0;
  for (let i = 1; i < stats.byClass.length; i++) responses += stats.byClass[i]!;
  return {
    at,
    responses,
    latencyCounts: stats.latencyCounts.slice(),
    errors: stats.errors.slice(),
    rateLimited: stats.rateLimited,
  };
}

/** All-zero counters at `at`: the start of an app's first window, so it counts everything since the app began. */
export function zeroSnapshot(app: AppState, at: number): StatsSnapshot {
  return {
    at,
    responses: 0,
    latencyCounts: new Float64Array(app.stats.latencyCounts.length),
    errors: new Float64Array(app.stats.errors.length),
    rateLimited: 0,
  };
}

/**
 * In-flight requests per backend address: the listed backends and the draining ones (the scaler
 * waits for a draining backend to reach 0 here before it stops it). Closed backends are left out.
 */
export function backendInFlight(app: AppState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const backend of app.backends.list) out[backend.address] = backend.inFlight;
  for (const backend of app.backends.draining) {
    if (backend.state !== 'closed') out[backend.address] = (out[backend.address] ?? 0) + backend.inFlight;
  }
  return out;
}

/**
 * The record for the window from `before` to `after`. Gauges (in-flight, waiting, per-backend) are
 * read from `app` now. Latencies are bucket upper bounds (app-stats.ts); an empty window reports 0.
 * Only error kinds that occurred in the window appear in `errors`.
 */
export function windowRecord(app: AppState, proxyId: string, before: StatsSnapshot, after: StatsSnapshot): ClientMetricsValue {
  const windowMs = Math.max(1, Math.round(after.at - before.at));
  const latency = new Float64Array(after.latencyCounts.length);
  for (let i = 0; i < latency.length; i++) latency[i] = after.latencyCounts[i]! - (before.latencyCounts[i] ?? 0);
  const errors: Record<string, number> = {};
  for (let i = 0; i < ERROR_KINDS.length; i++) {
    const n = (after.errors[i] ?? 0) - (before.errors[i] ?? 0);
    if (n > 0) errors[ERROR_KINDS[i]!] = n;
  }
  return {
    id: clientMetricsId(app.name, proxyId),
    app: app.name,
    proxyId,
    rps: Math.max(0, after.responses - before.responses) / (windowMs / 1000),
    inflight: Math.max(0, app.stats.inFlight),
    p50Ms: latencyQuantile(latency, 0.5) ?? 0,
    p99Ms: latencyQuantile(latency, 0.99) ?? 0,
    errors,
    rateLimited: Math.max(0, after.rateLimited - before.rateLimited),
    waiting: Math.max(0, app.stats.waiting),
    windowMs,
    at: Math.round(after.at),
    backends: backendInFlight(app),
  };
}
