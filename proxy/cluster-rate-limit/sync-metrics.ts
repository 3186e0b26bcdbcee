/**
 * Prometheus counters of the cluster rate-limit exchange (`ratelimiter.scope: cluster`), read from
 * RateLimitSync's plain counters at scrape time, so an operator sees whether the proxies still share
 * their counts (failures climbing while `published` stands still: limits hold per proxy only).
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { RateLimitSync } from './rate-limit-sync.js';

/** Registers `vortex_ratelimit_sync_*_total` for `sync`. */
export function registerRateLimitSyncMetrics(registry: Registry, sync: RateLimitSync): void {
  const counters: Array<[string, string, () => number]> = [
    ['vortex_ratelimit_sync_published_total', "Writes of this proxy's per-client counts to the store", () => sync.published],
    ['vortex_ratelimit_sync_folded_total', "Other proxies' count messages folded into this proxy's limiters", () => sync.folded],
    ['vortex_ratelimit_sync_publish_failures_total', 'Failed writes of the counts (the store unreachable)', () => sync.publishFailures],
    ['vortex_ratelimit_sync_watch_failures_total', "Broken watches on the other proxies' counts (re-read after a back-off)", () => sync.watchFailures],
  ];
  for (const [name, help, read] of counters) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}
