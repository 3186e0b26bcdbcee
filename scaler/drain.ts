/**
 * Waiting out a draining backend (design.md §6): once it has left `router:<app>`, the proxies report
 * their in-flight requests per backend address in `vortex:metrics:<app>:<proxyId>` (`backends`).
 * The backend is drained when every live proxy has reported AFTER the router change, and the sum
 * for its address is 0. "After" is a store revision, not a timestamp: a report with a modRevision
 * above the router write's revision was written after that write committed, whatever the clocks say.
 * A report from before it could show 0 while a request picked this backend a moment later.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { keys } from '../store/keys.js';
import { ClientMetrics } from '../store/records/client-metrics.js';
import type { Records, Stored } from '../store/records/records.js';
import type { ClientMetricsValue } from '../store/records/client-metrics.js';
import type { Store } from '../store/store.js';
import { prefixRange } from '../store/store.js';

/** Whether the proxies' reports show `address` idle since the router change at `sinceRevision`. */
export function drained(reports: readonly Stored<ClientMetricsValue>[], address: string, sinceRevision: number): boolean {
  let inflight = 0;
  for (const report of reports) {
    if (report.modRevision <= sinceRevision) return false; // this proxy has not reported since
    inflight += report.record.backends[address] ?? 0;
  }
  return inflight === 0;
}

/** Options for {@link waitForDrain}. */
export interface DrainWaitOptions {
  /** The revision of the `router:<app>` write that removed the backend. */
  sinceRevision: number;
  /** drain_timeout, ms: stop waiting then even with requests in flight. */
  timeoutMs: number;
  /** How often to read the metrics, ms. Default 200 (the proxies report every 1 s). */
  pollMs?: number;
  signal?: AbortSignal;
}

/** Resolves `drained` when the proxies show no request on `address`, `timeout` at drain_timeout. */
export async function waitForDrain(store: Store, records: Records, app: string, address: string, options: DrainWaitOptions): Promise<'drained' | 'timeout'> {
  const { sinceRevision, timeoutMs, pollMs = 200, signal } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const { kvs } = await store.range(prefixRange(keys.metricsOfApp(app)));
    const reports: Stored<ClientMetricsValue>[] = [];
    for (const kv of kvs) {
      try {
        reports.push(records.decode(ClientMetrics, kv));
      } catch {
        // A report that does not validate cannot tell us anything; the timeout still bounds the wait.
      }
    }
    if (drained(reports, address, sinceRevision)) return 'drained';
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    await delay(Math.min(pollMs, left), undefined, signal ? { signal } : {});
  }
}
