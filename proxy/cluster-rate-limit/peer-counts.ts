/**
 * The other proxies' counts for one limiter scope, kept per proxy so that a new message from a proxy
 * REPLACES its previous one (a re-publish never double counts) and a proxy that goes away takes
 * exactly its own counts with it. Pure: no I/O, no clock; the sync folds `totals` into the limiter.
 *
 * Memory: at most (proxies × 2 × maxEntries of each writer) entries; contributions that can no
 * longer matter (older than the previous bucket) are dropped by `prune`.
 */
import type { CountsMessage } from './counts-message.js';

/** One proxy's latest counts, indexed by client. */
interface Contribution {
  readonly window: number;
  readonly bucket: number;
  readonly curr: ReadonlyMap<string, number>;
  readonly prev: ReadonlyMap<string, number>;
}

/** Summed counts of the other proxies for one client. */
export interface RemoteTotals {
  /** In the bucket before the one asked for. */
  prev: number;
  /** In the bucket asked for (plus anything a proxy with a clock ahead counted later). */
  curr: number;
}

/** Per-proxy contributions for one scope. */
export class PeerCounts {
  readonly #peers = new Map<string, Contribution>();

  /** Proxies with counts held. */
  get size(): number {
    return this.#peers.size;
  }

  /** Proxy ids with counts held. */
  peers(): string[] {
    return [...this.#peers.keys()];
  }

  /**
   * Replaces `peer`'s counts with `message`; returns the clients whose totals may have changed: in the
   * same bucket only those whose counts differ (a re-publish of 1,000 clients where 3 moved folds 3).
   */
  set(peer: string, message: CountsMessage): Set<string> {
    const old = this.#peers.get(peer);
    const next: Contribution = { window: message.window, bucket: message.bucket, curr: new Map(message.curr), prev: new Map(message.prev) };
    this.#peers.set(peer, next);
    const affected = new Set<string>();
    if (old === undefined || old.window !== next.window || old.bucket !== next.bucket) {
      for (const counts of [old?.curr, old?.prev, next.curr, next.prev]) for (const key of counts?.keys() ?? []) affected.add(key);
    } else {
      addDifferent(old.curr, next.curr, affected);
      addDifferent(old.prev, next.prev, affected);
    }
    return affected;
  }

  /** Forgets `peer` (its key was deleted: lease expired or revoked); returns the clients it counted. */
  delete(peer: string): Set<string> {
    const affected = new Set<string>();
    const old = this.#peers.get(peer);
    if (old === undefined) return affected;
    this.#peers.delete(peer);
    for (const key of old.curr.keys()) affected.add(key);
    for (const key of old.prev.keys()) affected.add(key);
    return affected;
  }

  /** Every client some proxy counted (to fold all of it into a newly built limiter). */
  clients(): Set<string> {
    const all = new Set<string>();
    for (const c of this.#peers.values()) {
      for (const key of c.curr.keys()) all.add(key);
      for (const key of c.prev.keys()) all.add(key);
    }
    return all;
  }

  /**
   * The other proxies' requests from `client` in `bucket` and `bucket − 1`, for a limiter of
   * `window` ms (messages for another window are left out). A proxy whose bucket is ahead of ours
   * (clock skew) has all its counts taken as current: over-counting by the skew, never under.
   */
  totals(client: string, bucket: number, window: number): RemoteTotals {
    let prev = 0;
    let curr = 0;
    for (const c of this.#peers.values()) {
      if (c.window !== window) continue;
      if (c.bucket === bucket) {
        curr += c.curr.get(client) ?? 0;
        prev += c.prev.get(client) ?? 0;
      } else if (c.bucket === bucket - 1) {
        prev += c.curr.get(client) ?? 0;
      } else if (c.bucket > bucket) {
        curr += (c.curr.get(client) ?? 0) + (c.prev.get(client) ?? 0);
      }
    }
    return { prev, curr };
  }

  /** Drops contributions older than `bucket − 1` (they count for nothing any more); returns how many. */
  prune(bucket: number): number {
    let dropped = 0;
    for (const [peer, c] of this.#peers) {
      if (c.bucket >= bucket - 1) continue;
      this.#peers.delete(peer);
      dropped++;
    }
    return dropped;
  }
}

/** Adds to `into` every client whose count differs between `a` and `b` (present in one only included). */
function addDifferent(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, into: Set<string>): void {
  for (const [key, count] of a) if (b.get(key) !== count) into.add(key);
  for (const [key, count] of b) if (a.get(key) !== count) into.add(key);
}
