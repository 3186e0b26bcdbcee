/**
 * One app's traffic counters as plain numbers and typed arrays: the hot path bumps them with no
 * allocation; telemetry and /metrics read them off the hot path (they are monotonic counters, so a
 * reader takes differences between two reads for rates and windowed percentiles).
 */
import { ERROR_INDEX, ERROR_KINDS } from './forward/error-response.js';
import type { ErrorKind } from './forward/error-response.js';
import { UPGRADE_INDEX, UPGRADE_OUTCOMES } from './websocket/upgrade-outcomes.js';
import type { UpgradeOutcome } from './websocket/upgrade-outcomes.js';

/**
 * Upper bounds (ms) of the latency histogram buckets; a last, implicit bucket holds everything
 * slower. Same spirit as prom-client's defaults, finer below 10 ms where a proxy lives.
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
]);

/** Scalar fields after the arrays, in this order. */
const SCALARS = 6;
const RATE_LIMITED = 0;
const LATENCY_SUM = 1;
const IN_FLIGHT = 2;
const WAITING = 3;
const RETRIES = 4;
const WEBSOCKETS_OPEN = 5;

/**
 * Per-app counters (monotonic since the AppState was created, except the in-flight and waiting
 * gauges), all in ONE Float64Array block: private by default, or a view into a thread's region of
 * a SharedArrayBuffer when worker threads run (proxy/workers/): then only the owning thread writes
 * it, with plain stores, and the main thread sums the blocks of every thread (see {@link addBlock}).
 */
export class AppStats {
  /** Float64 elements of one block. */
  static readonly BLOCK_LENGTH = 6 + 600 + ERROR_KINDS.length + LATENCY_BUCKETS_MS.length + 1 + UPGRADE_OUTCOMES.length + SCALARS;
  /** The whole block (every field below is a view into it). */
  readonly block: Float64Array;
  /** Responses by status class: index 1..5 = 1xx..5xx (index 0 unused). Includes the proxy's own errors. */
  readonly byClass: Float64Array;
  /** Responses by exact status code, index = code (100..599). */
  readonly byCode: Float64Array;
  /** The proxy's own failures by kind, index as in ERROR_KINDS. */
  readonly errors: Float64Array;
  /** Latency histogram: counts per LATENCY_BUCKETS_MS bucket, plus one overflow bucket at the end. */
  readonly latencyCounts: Float64Array;
  /** WebSocket upgrade requests that reached the app, by outcome, index as in UPGRADE_OUTCOMES. */
  readonly websocketUpgrades: Float64Array;
  readonly #scalars: Float64Array;

  /** @param block BLOCK_LENGTH elements (zeroed, or a worker's block carrying on after a restart). */
  constructor(block: Float64Array = new Float64Array(AppStats.BLOCK_LENGTH)) {
    if (block.length !== AppStats.BLOCK_LENGTH) throw new RangeError(`an AppStats block has ${AppStats.BLOCK_LENGTH} elements (got ${block.length})`);
    this.block = block;
    let at = 0;
    const take = (n: number): Float64Array => block.subarray(at, (at += n));
    this.byClass = take(6);
    this.byCode = take(600);
    this.errors = take(ERROR_KINDS.length);
    this.latencyCounts = take(LATENCY_BUCKETS_MS.length + 1);
    this.websocketUpgrades = take(UPGRADE_OUTCOMES.length);
    this.#scalars = take(SCALARS);
  }

  /** Requests refused by a rate limiter (also counted in errors[rate_limited]). */
  get rateLimited(): number {
    return this.#scalars[RATE_LIMITED]!;
  }
  set rateLimited(n: number) {
    this.#scalars[RATE_LIMITED] = n;
  }
  /** Sum of all recorded latencies, ms (for a mean, and prom-client's _sum). */
  get latencySumMs(): number {
    return this.#scalars[LATENCY_SUM]!;
  }
  set latencySumMs(n: number) {
    this.#scalars[LATENCY_SUM] = n;
  }
  /** Requests being forwarded now (picked a backend, not finished). */
  get inFlight(): number {
    return this.#scalars[IN_FLIGHT]!;
  }
  set inFlight(n: number) {
    this.#scalars[IN_FLIGHT] = n;
  }
  /** Requests held for a backend now (scale from zero): the demand signal for the scaler. */
  get waiting(): number {
    return this.#scalars[WAITING]!;
  }
  set waiting(n: number) {
    this.#scalars[WAITING] = n;
  }
  /** Upstream attempts retried on another backend. */
  get retries(): number {
    return this.#scalars[RETRIES]!;
  }
  set retries(n: number) {
    this.#scalars[RETRIES] = n;
  }

  /** Proxied WebSockets open now (upgraded, not yet closed on both sides; each also in inFlight). */
  get websocketsOpen(): number {
    return this.#scalars[WEBSOCKETS_OPEN]!;
  }
  set websocketsOpen(n: number) {
    this.#scalars[WEBSOCKETS_OPEN] = n;
  }

  /** Adds another block (a worker thread's counters for the same app) into this one. */
  addBlock(other: Float64Array): void {
    const block = this.block;
    for (let i = 0; i < block.length; i++) block[i]! += other[i]!;
  }

  /** Zeroes the gauges (in-flight, waiting, open WebSockets): a crashed worker's block, before its successor carries on. */
  clearGauges(): void {
    this.#scalars[IN_FLIGHT] = 0;
    this.#scalars[WAITING] = 0;
    this.#scalars[WEBSOCKETS_OPEN] = 0;
  }

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

  /** Counts how one WebSocket upgrade request ended. */
  countUpgrade(outcome: UpgradeOutcome): void {
    this.websocketUpgrades[UPGRADE_INDEX[outcome]]!++;
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
