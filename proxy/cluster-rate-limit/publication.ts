/**
 * What a proxy publishes for one limiter, bounded. Two cuts keep a message small, each with a known
 * cost in accuracy (docs/proxy.md, "Rate limiting across proxies"):
 * - a client is published only once it passed `minCount` requests here in that bucket (by default 1%
 *   of the limit, at least 1): a client below it is unseen by the other proxies, so each proxy can
 *   hide up to minCount − 1 requests per bucket from the rest;
 * - at most `maxEntries` clients per bucket, the busiest: under a flood of distinct clients all above
 *   minCount, the least busy of them are left out (none with more requests than any one sent).
 * Cost: one pass over the limiter's table (O(slots), no allocation per slot) plus formatting the
 * clients kept; measured about 10 ms for a table of 262,144 slots with 100,000 active clients.
 */
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import type { CountsMessage } from './counts-message.js';
import { formatClientKey } from './counts-message.js';
import { TopCounts } from './top-counts.js';

/** How much of a limiter's counts go out. */
export interface PublicationBounds {
  /** Share of the limit a client's count must reach in a bucket to be published (0 < share ≤ 1). */
  readonly minShare: number;
  /** Clients per bucket list at most. */
  readonly maxEntries: number;
}

/** The defaults: 1% of the limit, 1,000 clients per list (about 25 KB a value at most). */
export const DEFAULT_BOUNDS: PublicationBounds = { minShare: 0.01, maxEntries: 1_000 };

/** The smallest count a client needs in a bucket to be published. */
export function minCount(limit: number, minShare: number): number {
  return Math.max(1, Math.ceil(limit * minShare));
}

/** This proxy's counts in `limiter` at `now` (the limiter's clock), cut to `bounds`. */
export function buildPublication(limiter: SlidingWindowLimiter, now: number, bounds: PublicationBounds): CountsMessage {
  const threshold = minCount(limiter.limit, bounds.minShare);
  const curr = new TopCounts(bounds.maxEntries);
  const prev = new TopCounts(bounds.maxEntries);
  limiter.forEachLocal(now, (slot, p, c) => {
    if (c >= threshold) curr.offer(c, slot);
    if (p >= threshold) prev.offer(p, slot);
  });
  return { window: limiter.windowMs, bucket: limiter.bucketOf(now), curr: named(limiter, curr), prev: named(limiter, prev) };
}

/** The kept entries as [client, count], busiest first, ties by client text (equal tables give equal messages). */
function named(limiter: SlidingWindowLimiter, top: TopCounts): Array<[string, number]> {
  const list: Array<[string, number]> = [];
  top.forEach((count, slot) => list.push([formatClientKey(limiter.clientAt(slot)), count]));
  return list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
