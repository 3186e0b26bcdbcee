/**
 * One app's traffic counters as plain numbers and typed arrays: the hot path bumps them with no
 * allocation; telemetry and /metrics read them off the hot path (they are monotonic counters, so a
 * reader takes differences between two reads for rates and windowed percentiles).
 */
import { ERROR_INDEX, ERROR_KINDS } from './forward/error-response.js';
import type { ErrorKind } from './forward/error-response.js';

/**
 * Upper bounds (ms) of the latency histogram buckets; a last, implicit bucket holds everything
 * slower. Same spirit as prom-client's defaults, finer below 10 ms where a proxy lives.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
]);

/** Monotonic per-app counters (since the AppState was created). */
export class AppStats {
  /** Responses by status class: index 1..5 = 1xx..5xx (index 0 unused). Includes the proxy's own errors. */
  readonly byClass = new Float64Array(6);
  /** Responses by exact status code, index = code (100..599). */
  readonly byCode = new Float64Array(600);
  /** The proxy's own failures by kind, index as in ERROR_KINDS. */
  readonly errors = new Float64Array(ERROR_KINDS.length);
  /** Requests refused by a rate limiter (also counted in errors[rate_limited]). */
  rateLimited = 0;
  /** Latency histogram: counts per LATENCY_BUCKETS_MS bucket, plus one overflow bucket at the end. */
  readonly latencyCounts = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
  /** Sum of all recorded latencies, ms (for a mean, and prom-client's _sum). */
  latencySumMs = 0;
  /** Requests being forwarded now (picked a backend, not finished). */
  inFlight = 0;
  /** Requests held for a backend now (scale from zero): the demand signal for the scaler. */
  waiting = 0;
  /** Upstream attempts retried on another backend. */
  retries = 0;

  /** Counts a response sent with `status` (by the backend or by the proxy). */
  countStatus(status: number): void {
    if (status >= 100 && status < 600) {
      this.byCode[status]!++;
      this.byClass[(status / 100) | 0]!++;
    }
  }

  /** Counts one of the proxy's own failures. */
  countError(kind: ErrorKind): void {
    this.errors[ERROR_INDEX[kind]]!++;
  }

  /** Records one request's latency (ms from its arrival to the end of its response). */
  observeLatency(ms: number): void {
    const buckets = LATENCY_BUCKETS_MS;
    let i = 0;
    while (i < buckets.length && ms > buckets[i]!) i++;
    this.latencyCounts[i]!++;
    this.latencySumMs += ms;
  }
}

/**
 * The `q` quantile (0..1) of a histogram (counts per LATENCY_BUCKETS_MS bucket, e.g. the difference
 * of two reads), as the upper bound of the bucket it falls in; the overflow bucket reports the last
 * bound. Undefined for an empty histogram ("no data yet").
 */
export function latencyQuantile(counts: ArrayLike<number>, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return LATENCY_BUCKETS_MS[Math.min(i, LATENCY_BUCKETS_MS.length - 1)];
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
}
