/**
 * Folding the other proxies' counts into a limiter's table: for each client, the sum over proxies for
 * the limiter's current bucket and the one before, written with setRemote (which replaces). The only
 * bridge between PeerCounts (per proxy, by client text) and the table the hot path reads.
 */
import { parseIp } from '../ip-address.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import type { PeerCounts } from './peer-counts.js';

/** Writes the current totals of `clients` (message text) from `peers` into `limiter` at `now` (the limiter's clock). */
export function foldRemoteCounts(limiter: SlidingWindowLimiter, peers: PeerCounts, clients: Iterable<string>, now: number): void {
  const bucket = limiter.bucketOf(now);
  for (const client of clients) {
    const ip = parseIp(client);
    if (ip === undefined) continue;
    const totals = peers.totals(client, bucket, limiter.windowMs);
    limiter.setRemote(ip, bucket, totals.prev, totals.curr, now);
  }
}
