/**
 * The scaler's picture of each app's load: the latest ClientMetrics of every live proxy, fed from the
 * watch on `vortex:metrics:`, summed per app on demand. A proxy's record vanishes with its lease (a
 * delete event); a proxy that is alive but silent for `STALE_WINDOWS` of its own windows is left out
 * of the sum, so a hung proxy cannot pin an app's size. Freshness and the last request time are taken
 * on the scaler's clock when a record arrives, not from the record's `at`, so clock skew between a
 * proxy's host and the scaler's cannot make load look old (or idleness look long).
 *
 * Memory: one entry per live metrics key of a configured app; records of other apps are dropped.
 */
import type { ClientMetricsValue } from '../store/records/client-metrics.js';
import type { AppLoad } from './policy.js';

/** A record counts for this many of its own windows after it arrived (3 × 1 s by default). */
export const STALE_WINDOWS = 3;

interface Report {
  metrics: ClientMetricsValue;
  /** Scaler clock (epoch ms) when this report arrived. */
  seenAt: number;
}

/** Live per-proxy reports and the last request time of each watched app. */
export class MetricsView {
  /** app → metrics key → latest report. */
  readonly #reports = new Map<string, Map<string, Report>>();
  /** app → scaler time of the latest report showing a request (rps, in flight or held > 0). */
  readonly #lastRequestAt = new Map<string, number>();

  /** Starts keeping reports for `app` (idempotent). */
  watchApp(app: string): void {
    if (!this.#reports.has(app)) this.#reports.set(app, new Map());
  }

  /** Forgets `app` and everything known about it. */
  unwatchApp(app: string): void {
    this.#reports.delete(app);
    this.#lastRequestAt.delete(app);
  }

  /** Forgets every report (a new leadership term re-reads them), keeping the watched apps. */
  clear(): void {
    for (const reports of this.#reports.values()) reports.clear();
    this.#lastRequestAt.clear();
  }

  /** Records a proxy's report that arrived at `now`; false when the app is not watched. */
  put(key: string, metrics: ClientMetricsValue, now: number): boolean {
    const reports = this.#reports.get(metrics.app);
    if (reports === undefined) return false;
    reports.set(key, { metrics, seenAt: now });
    if (metrics.rps > 0 || metrics.inflight > 0 || metrics.waiting > 0) {
      this.#lastRequestAt.set(metrics.app, Math.max(now, this.#lastRequestAt.get(metrics.app) ?? now));
    }
    return true;
  }

  /** Drops a proxy's report (its key was deleted or its lease expired); false when nothing was held. */
  delete(app: string, key: string): boolean {
    return this.#reports.get(app)?.delete(key) ?? false;
  }

  /** The app's load summed over fresh reports at `now`; undefined when there is none. */
  load(app: string, now: number): AppLoad | undefined {
    const reports = this.#reports.get(app);
    if (reports === undefined) return undefined;
    const sum: AppLoad = { rps: 0, inflight: 0, waiting: 0, proxies: 0 };
    for (const { metrics, seenAt } of reports.values()) {
      if (now - seenAt > STALE_WINDOWS * metrics.windowMs) continue;
      sum.rps += metrics.rps;
      sum.inflight += metrics.inflight;
      sum.waiting += metrics.waiting;
      sum.proxies += 1;
    }
    return sum.proxies > 0 ? sum : undefined;
  }

  /** Scaler time of the latest report of `app` that showed a request; undefined if none was seen. */
  lastRequestAt(app: string): number | undefined {
    return this.#lastRequestAt.get(app);
  }
}
