/**
 * Per-client sliding-window rate limiter for the hot path: synchronous, O(1), no allocation per call,
 * and fixed memory.
 *
 * The window is a sliding-window counter (two fixed buckets, the previous one weighted by how much of
 * it still overlaps the sliding window): estimate = prev × (1 − elapsed/window) + curr. A request is
 * allowed when estimate + 1 ≤ limit; refused requests are not counted. Unlike a fixed window, a burst
 * straddling a bucket edge cannot pass twice the limit: right after the edge the previous bucket still
 * counts almost fully, and it fades linearly. The estimate assumes the previous bucket's requests were
 * spread evenly; when they all came at its very end, up to limit × elapsed/window extra requests can
 * pass over the next bucket (never 2× in a short burst).
 *
 * Storage: an open-addressed hash table of `slots` entries (a power of two ≥ 2 × maxClients) in typed
 * arrays, so it can later live in a SharedArrayBuffer. Memory is fixed at construction: 48 bytes a slot.
 * A new client may use one of PROBES consecutive slots; a slot is free when empty or idle (not seen for
 * two windows). When all of them hold active clients — only under a flood of distinct addresses — the
 * least recently seen is forgotten, and that client starts a fresh window when it returns.
 *
 * Shared (`ratelimiter.scope: cluster`, see proxy/cluster-rate-limit/): each slot also holds the other
 * proxies' counts for that client, written in the background by `setRemote` as (bucket, previous,
 * current) — 12 more bytes a slot. The estimate adds them to the local counts, so the hot path stays
 * the same few array reads; they age like local counts: the current becomes the previous when the
 * bucket ends and both are gone a bucket later, whether or not anything refreshes them.
 */
import type { IpParts } from './ip-address.js';
import { wordMask } from './ip-address.js';

export interface RateLimiterOptions {
  /** Requests allowed per client per window. */
  limit: number;
  windowMs: number;
  /** Clients tracked at once (the table holds at least twice as many slots). */
  maxClients: number;
  /** IPv6 clients sharing this prefix share one budget (a /64 is usually one subscriber). */
  ipv6Prefix: number;
  /** Keep other proxies' counts per client (`setRemote`); default false. */
  shared?: boolean;
  /**
   * Added to every `now` before it is cut into buckets (ms). Shared limiters fed `performance.now()`
   * pass `performance.timeOrigin`, so that every proxy's buckets start at the same epoch instants.
   */
  epochOffsetMs?: number;
}

/** Consecutive slots a client may occupy; bounds the work per call. */
const PROBES = 8;
/** Uint32 words per slot: tag, four key words, window's previous count, current count, spare. */
const WORDS = 8;
const TAG = 0;
const PREV = 5;
const CURR = 6;
/** Float64 fields per slot: bucket index, last seen (ms). */
const TIMES = 2;
/** Uint32 words per slot of the shared part: bucket index mod 2³², others' previous count, others' current count. */
const REMOTE_WORDS = 3;
const R_BUCKET = 0;
const R_PREV = 1;
const R_CURR = 2;

const EMPTY = 0;
const IPV4 = 1;
const IPV6 = 2;

export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  /** After `check`: requests left in the window for that client (0 when refused). */
  remaining = 0;
  /** After a refused `check`: milliseconds until that client may send again. */
  retryAfterMs = 0;
  /** After `check`: milliseconds until the current bucket ends. */
  resetMs = 0;
  /** Clients forgotten to make room (see the class comment); exported as a metric. */
  evictions = 0;

  readonly #mask: number;
  readonly #keyMasks: [number, number, number, number];
  readonly #words: Uint32Array;
  readonly #times: Float64Array;
  /** The other proxies' counts per slot; null unless shared. */
  readonly #remote: Uint32Array | null;
  readonly #epochOffset: number;

  constructor(options: RateLimiterOptions) {
    const { limit, windowMs, maxClients, ipv6Prefix, shared = false, epochOffsetMs = 0 } = options;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer ≥ 1 (got ${limit})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0 (got ${windowMs})`);
    if (!Number.isInteger(maxClients) || maxClients < 1) throw new RangeError(`maxClients must be an integer ≥ 1 (got ${maxClients})`);
    if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 1 || ipv6Prefix > 128) throw new RangeError(`ipv6Prefix must be 1..128 (got ${ipv6Prefix})`);
    if (!Number.isFinite(epochOffsetMs)) throw new RangeError(`epochOffsetMs must be finite (got ${epochOffsetMs})`);
    this.limit = limit;
    this.windowMs = windowMs;
    const slots = 2 ** Math.ceil(Math.log2(Math.max(PROBES, maxClients * 2)));
    this.#mask = slots - 1;
    this.#words = new Uint32Array(slots * WORDS);
    this.#times = new Float64Array(slots * TIMES);
    this.#remote = shared ? new Uint32Array(slots * REMOTE_WORDS) : null;
    this.#epochOffset = epochOffsetMs;
    this.#keyMasks = [0, 1, 2, 3].map((i) => wordMask(ipv6Prefix - 32 * i)) as [number, number, number, number];
  }

  /** Bytes of table memory, fixed at construction. */
  get memoryBytes(): number {
    return this.#words.byteLength + this.#times.byteLength + (this.#remote?.byteLength ?? 0);
  }

  /** Whether this limiter keeps other proxies' counts. */
  get shared(): boolean {
    return this.#remote !== null;
  }

  /** The bucket (window-long, epoch-aligned with epochOffsetMs) that `now` falls in. */
  bucketOf(now: number): number {
    return Math.floor((now + this.#epochOffset) / this.windowMs);
  }

  /** Counts one request from `client` at `now` (ms, the caller's clock) and says whether it may pass. */
  check(client: IpParts, now: number): boolean {
    const at = now + this.#epochOffset;
    const slot = this.#slotOf(client, at);

    const words = this.#words;
    const times = this.#times;
    const w = slot * WORDS;
    const t = slot * TIMES;
    const bucket = Math.floor(at / this.windowMs);
    const age = bucket - times[t]!;
    if (age === 1) {
      words[w + PREV] = words[w + CURR]!;
      words[w + CURR] = 0;
    } else if (age !== 0) {
      words[w + PREV] = 0;
      words[w + CURR] = 0;
    }
    times[t] = bucket;
    times[t + 1] = at;

    const bucketStart = bucket * this.windowMs;
    const overlap = 1 - (at - bucketStart) / this.windowMs;
    let prev = words[w + PREV]!;
    let curr = words[w + CURR]!;
    const own = curr;
    const remote = this.#remote;
    if (remote !== null) {
      const r = slot * REMOTE_WORDS;
      const remoteBucket = remote[r + R_BUCKET]!;
      if (remoteBucket === bucket >>> 0) {
        prev += remote[r + R_PREV]!;
        curr += remote[r + R_CURR]!;
      } else if (remoteBucket === (bucket - 1) >>> 0) {
        prev += remote[r + R_CURR]!;
      }
    }
    const estimate = prev * overlap + curr;
    this.resetMs = bucketStart + this.windowMs - at;
    if (estimate + 1 <= this.limit) {
      words[w + CURR] = own + 1;
      this.remaining = Math.max(0, Math.floor(this.limit - estimate - 1));
      this.retryAfterMs = 0;
      return true;
    }
    this.remaining = 0;
    this.retryAfterMs = this.#msUntilAllowed(prev, curr, at - bucketStart);
    return false;
  }

  /**
   * Sets the other proxies' summed counts for `client`: `curr` in `bucket` and `prev` in the one
   * before (see bucketOf). Replaces what was there; a client not in the table takes a slot like a
   * new request would (so its first request here already sees them). No-op unless shared.
   */
  setRemote(client: IpParts, bucket: number, prev: number, curr: number, now: number): void {
    const remote = this.#remote;
    if (remote === null) return;
    const at = now + this.#epochOffset;
    const slot = this.#slotOf(client, at);
    const seen = slot * TIMES + 1;
    if (this.#times[seen]! < at) this.#times[seen] = at; // a slot holding only remote counts is not idle yet
    const r = slot * REMOTE_WORDS;
    remote[r + R_BUCKET] = bucket >>> 0;
    remote[r + R_PREV] = Math.min(prev, 0xffffffff);
    remote[r + R_CURR] = Math.min(curr, 0xffffffff);
  }

  /**
   * Visits every slot with requests counted HERE in the bucket of `now` (`curr`) or the one before
   * (`prev`), remote counts left out; `clientAt(slot)` names the client. O(table size) and no
   * allocation: for the background publisher, not per request.
   */
  forEachLocal(now: number, visit: (slot: number, prev: number, curr: number) => void): void {
    const words = this.#words;
    const times = this.#times;
    const bucket = this.bucketOf(now);
    const slots = this.#mask + 1;
    for (let slot = 0; slot < slots; slot++) {
      const w = slot * WORDS;
      if (words[w + TAG] === EMPTY) continue;
      const age = bucket - times[slot * TIMES]!;
      if (age !== 0 && age !== 1) continue;
      const prev = age === 0 ? words[w + PREV]! : words[w + CURR]!;
      const curr = age === 0 ? words[w + CURR]! : 0;
      if (prev !== 0 || curr !== 0) visit(slot, prev, curr);
    }
  }

  /** The client (its key: IPv6 masked to the prefix) that holds `slot`, as forEachLocal reported it. */
  clientAt(slot: number): IpParts {
    const words = this.#words;
    const w = slot * WORDS;
    return words[w + TAG] === IPV6
      ? { v6: true, hi: words[w + 1]!, lo: words[w + 2]!, tail: [words[w + 3]!, words[w + 4]!] }
      : { v6: false, hi: 0, lo: words[w + 1]!, tail: [0, 0] };
  }

  /** The slot of `client` (its key masked by the IPv6 prefix), taken if it has none; `at` includes the epoch offset. */
  #slotOf(client: IpParts, at: number): number {
    const tag = client.v6 ? IPV6 : IPV4;
    const m = this.#keyMasks;
    const k0 = client.v6 ? (client.hi & m[0]) >>> 0 : client.lo;
    const k1 = client.v6 ? (client.lo & m[1]) >>> 0 : 0;
    const k2 = client.v6 ? (client.tail[0] & m[2]) >>> 0 : 0;
    const k3 = client.v6 ? (client.tail[1] & m[3]) >>> 0 : 0;
    return this.#findSlot(tag, k0, k1, k2, k3, at);
  }

  /** When prev × (1 − f) + curr + 1 ≤ limit first holds again, from `elapsed` ms into the bucket. */
  #msUntilAllowed(prev: number, curr: number, elapsed: number): number {
    const room = this.limit - 1 - curr;
    if (room >= 0 && prev > 0) {
      const fraction = 1 - room / prev;
      return Math.max(1, ceilMs(fraction * this.windowMs - elapsed));
    }
    // The current bucket alone is full: wait for the next one, where it counts as `prev`.
    const fraction = curr > 0 ? Math.max(0, 1 - (this.limit - 1) / curr) : 0;
    return Math.max(1, ceilMs(this.windowMs - elapsed + fraction * this.windowMs));
  }

  #findSlot(tag: number, k0: number, k1: number, k2: number, k3: number, now: number): number {
    const words = this.#words;
    const times = this.#times;
    let h = Math.imul(k0 ^ tag, 0x9e3779b1) ^ Math.imul(k1, 0x85ebca77) ^ Math.imul(k2, 0xc2b2ae3d) ^ Math.imul(k3, 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    const idleBefore = now - 2 * this.windowMs;
    let free = -1;
    let oldest = -1;
    let oldestSeen = Infinity;
    for (let probe = 0; probe < PROBES; probe++) {
      const slot = (h + probe) & this.#mask;
      const w = slot * WORDS;
      const slotTag = words[w + TAG]!;
      if (slotTag === tag && words[w + 1] === k0 && words[w + 2] === k1 && words[w + 3] === k2 && words[w + 4] === k3) return slot;
      const seen = times[slot * TIMES + 1]!;
      if (free < 0 && (slotTag === EMPTY || seen < idleBefore)) free = slot;
      if (seen < oldestSeen) {
        oldestSeen = seen;
        oldest = slot;
      }
    }
    if (free < 0) {
      free = oldest;
      this.evictions++;
    }
    const w = free * WORDS;
    words[w + TAG] = tag;
    words[w + 1] = k0;
    words[w + 2] = k1;
    words[w + 3] = k2;
    words[w + 4] = k3;
    words[w + PREV] = 0;
    words[w + CURR] = 0;
    times[free * TIMES] = -2; // no bucket yet: the next check resets the counts
    const remote = this.#remote;
    if (remote !== null) remote[free * REMOTE_WORDS + R_BUCKET] = remote[free * REMOTE_WORDS + R_PREV] = remote[free * REMOTE_WORDS + R_CURR] = 0;
    return free;
  }
}

/** Rounds up to whole ms, ignoring floating-point dust (0.3 × 1000 = 300.00000000000006). */
function ceilMs(ms: number): number {
  return Math.ceil(ms - 1e-6);
}
