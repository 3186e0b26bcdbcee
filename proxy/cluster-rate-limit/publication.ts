/**
 * What a proxy publishes for one limiter, bounded. Two cuts keep a message small, each with a known
 * cost in accuracy (docs/proxy.md, "Rate limiting across proxies"):
 * - a client is published only once it passed `minCount` requests here in that bucket (by default 1%
 *   of the limit, at least 1): a client below it is unseen by the other proxies, so each proxy can
 *   hide up to minCount − 1 requests per bucket from the rest;
 * - at most `maxEntries` clients per bucket, the busiest: under a flood of distinct clients all above
 *   minCount, the least busy of them are left out (each with fewer requests than every one sent).
 */
import type { IpParts } from '../ip-address.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import type { CountsMessage } from './counts-message.js';
import { formatClientKey } from './counts-message.js';

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
  const curr: Array<[string, number]> = [];
  const prev: Array<[string, number]> = [];
  limiter.forEachLocal(now, (client: IpParts, p: number, c: number) => {
    if (c >= threshold) curr.push([formatClientKey(client), c]);
    if (p >= threshold) prev.push([formatClientKey(client), p]);
  });
  return { window: limiter.windowMs, bucket: limiter.bucketOf(now), curr: busiest(curr, bounds.maxEntries), prev: busiest(prev, bounds.maxEntries) };
}

/** The `max` largest counts, busiest first (ties by client, so equal tables give equal messages). */
function busiest(list: Array<[string, number]>, max: number): Array<[string, number]> {
  list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (list.length > max) list.length = max;
  return list;
}
