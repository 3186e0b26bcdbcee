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
 * arrays, private or in a SharedArrayBuffer that worker threads share (`buffer`). Memory is fixed at
 * construction: 40 bytes a slot (52 when shared). A new client may use one of PROBES consecutive slots; a slot is free
 * when empty or idle (not seen for two windows). When all of them hold active clients — only under a
 * flood of distinct addresses — the least recently seen is forgotten, and that client starts a fresh
 * window when it returns.
 *
 * Shared by threads, lock-free: a slot is claimed by compareExchange of its tag word to CLAIMING, then
 * its key is written and the real tag stored with the slot's generation (the tag word's upper bits)
 * one higher, so a thread still holding the word it read before that claim cannot claim the slot
 * again over it (no ABA); the bucket roll is claimed by compareExchange of the
 * bucket word; a request is counted by Atomics.add BEFORE the limit check and taken back when refused,
 * so concurrent requests each see a distinct count and exactly `limit` pass in a bucket. `now` must then
 * be one clock for every thread (epoch ms). Races that remain, all benign:
 * - two threads claiming a slot for the same new client at once give it two slots; the first in probe
 *   order wins later lookups, so at most (threads − 1) requests of that first moment are not counted;
 * - a thread that found a slot as it is evicted (another thread reused it, idle or oldest) counts one
 *   request for the slot's new client; two threads evicting the same slot: one claim wins, the other
 *   probes again;
 * - a request counted by another thread between a roll's bucket claim and its reset of the current
 *   count lands in the previous bucket (weighted by the overlap, ≤ 1, instead of 1), and one checked
 *   before the roll stored the new previous count weighs the one before it: one request at the
 *   instant of a bucket edge may be judged on a slightly wrong estimate;
 * - last-seen times are plain Float64 (a racing write may tear a read on some platforms): they only
 *   choose which idle slot to reuse, never whether a request passes.
 *
 * Shared across proxies (`ratelimiter.scope: cluster`, see proxy/cluster-rate-limit/): each slot also
 * holds the other proxies' counts for that client, written in the background by `setRemote` as
 * (bucket, previous, current) — 12 more bytes a slot, in the same buffer, so worker threads see what
 * the main thread folds in. The estimate adds them to the local counts, so the request path stays the
 * same few array reads; they age like local counts: the current becomes the previous when the bucket
 * ends and both are gone a bucket later, whether or not anything refreshes them. They are plain
 * 32-bit writes: a reader may pair a new bucket with the old counts for one request, never a torn value.
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
  /**
   * Where the table lives: a zeroed SharedArrayBuffer of {@link SlidingWindowLimiter.bytesFor} bytes
   * that limiters in other threads use too (same limit and window). Its size decides the table, so a
   * limiter joining a table made for another `maxClients` still shares it. Omitted: a private table.
   */
  buffer?: SharedArrayBuffer;
  /** Keep other proxies' counts per client (`setRemote`); default false. The buffer must be sized for it. */
  shared?: boolean;
  /**
   * Added to every `now` before it is cut into buckets (ms). Shared limiters fed `performance.now()`
   * pass `performance.timeOrigin`, so that every proxy's buckets start at the same epoch instants;
   * callers that already pass epoch ms (worker threads) pass 0.
   */
  epochOffsetMs?: number;
}

/** Consecutive slots a client may occupy; bounds the work per call. */
const PROBES = 8;
/**
 * Uint32 words per slot: tag (kind in the low 2 bits, claim generation above), four key words, the
 * window's previous count, current count, bucket index (mod 2^32).
 */
const WORDS = 8;
const TAG = 0;
const PREV = 5;
const CURR = 6;
const BUCKET = 7;
/** Float64 fields per slot: last seen (ms). */
const TIMES = 1;
/** Attempts to claim a slot when other threads keep winning the same ones. */
const CLAIM_ATTEMPTS = 4;
/**
 * Rescans while a slot in the probe window is being claimed by another thread, which may be for this
 * very client: a claim is a few stores, so this ends at once unless the claiming thread was
 * descheduled in between (then, after ~10 µs, the client may get a second slot; see the header).
 */
const CLAIMING_RESCANS = 200;

/** Slot kinds, the tag word's low bits. */
const KIND = 3;
const EMPTY = 0;
const IPV4 = 1;
const IPV6 = 2;
/** A thread is writing the slot's key; nobody else matches or claims it meanwhile. */
const CLAIMING = 3;
/** One claim generation in the tag word (it wraps after 2^30 claims of one slot). */
const GENERATION = 4;

/** Table slots for `maxClients` (a power of two, at least twice as many). */
function slotCount(maxClients: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(PROBES, maxClients * 2)));
}

/** Bytes of one slot: WORDS Uint32 words and TIMES Float64 fields. */
const SLOT_BYTES = WORDS * 4 + TIMES * 8;
/** Uint32 words per slot of the shared part: bucket index mod 2³², others' previous count, others' current count. */
const REMOTE_WORDS = 3;
const R_BUCKET = 0;
const R_PREV = 1;
const R_CURR = 2;

/** Bytes of one slot with (shared) or without the other proxies' counts. */
function slotBytes(shared: boolean): number {
  return SLOT_BYTES + (shared ? REMOTE_WORDS * 4 : 0);
}

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

  /** Bytes of the table for `maxClients` (the size of a shared `buffer`), with room for other proxies' counts when `shared`. */
  static bytesFor(maxClients: number, shared = false): number {
    return slotCount(maxClients) * slotBytes(shared);
  }

  readonly #mask: number;
  readonly #keyMasks: [number, number, number, number];
  readonly #words: Uint32Array;
  readonly #times: Float64Array;
  /** Other proxies' counts per slot (REMOTE_WORDS each); null unless shared. */
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
    const buffer = options.buffer ?? new ArrayBuffer(SlidingWindowLimiter.bytesFor(maxClients, shared));
    const slots = buffer.byteLength / slotBytes(shared);
    if (slots < PROBES || 2 ** Math.round(Math.log2(slots)) !== slots) {
      throw new RangeError(`buffer must be SlidingWindowLimiter.bytesFor(n${shared ? ", true" : ""}) bytes (got ${buffer.byteLength})`);
    }
    this.#mask = slots - 1;
    this.#words = new Uint32Array(buffer, 0, slots * WORDS);
    this.#times = new Float64Array(buffer, slots * WORDS * 4, slots * TIMES);
    this.#remote = shared ? new Uint32Array(buffer, slots * SLOT_BYTES, slots * REMOTE_WORDS) : null;
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
    const bucket = Math.floor(at / this.windowMs);
    const slot = this.#slotOf(client, at, bucket);
    const bucketStart = bucket * this.windowMs;
    this.resetMs = bucketStart + this.windowMs - at;
    // Every claim attempt lost to other threads (only under extreme contention): let it pass uncounted.
    if (slot < 0) {
      this.remaining = 0;
      this.retryAfterMs = 0;
      return true;
    }

    const words = this.#words;
    const w = slot * WORDS;
    this.#roll(w, bucket >>> 0);
    this.#times[slot * TIMES] = at;

    const overlap = 1 - (at - bucketStart) / this.windowMs;
    let prev = Atomics.load(words, w + PREV);
    // Counted first, checked after: concurrent requests each see a distinct count.
    let curr = Atomics.add(words, w + CURR, 1);
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
    if (estimate + 1 <= this.limit) {
      this.remaining = Math.max(0, Math.floor(this.limit - estimate - 1));
      this.retryAfterMs = 0;
      return true;
    }
    Atomics.sub(words, w + CURR, 1);
    this.remaining = 0;
    this.retryAfterMs = this.#msUntilAllowed(prev, curr, at - bucketStart);
    return false;
  }

  /**
   * Sets the other proxies' summed counts for `client`: `curr` in `bucket` and `prev` in the one
   * before (see bucketOf). Replaces what was there; a client not in the table takes a slot like a
   * new request would (so its first request here already sees them). No-op unless shared, or when
   * other threads won every claim of a slot for it (it is folded again at its next change).
   */
  setRemote(client: IpParts, bucket: number, prev: number, curr: number, now: number): void {
    const remote = this.#remote;
    if (remote === null) return;
    const at = now + this.#epochOffset;
    const slot = this.#slotOf(client, at, Math.floor(at / this.windowMs));
    if (slot < 0) return;
    const seen = slot * TIMES;
    if (this.#times[seen]! < at) this.#times[seen] = at; // a slot holding only remote counts is not idle yet
    const r = slot * REMOTE_WORDS;
    remote[r + R_BUCKET] = bucket >>> 0;
    remote[r + R_PREV] = Math.min(prev, 0xffffffff);
    remote[r + R_CURR] = Math.min(curr, 0xffffffff);
  }

  /**
   * Visits every slot with requests counted HERE (by every thread sharing the table) in the bucket of
   * `now` (`curr`) or the one before (`prev`), remote counts left out; `clientAt(slot)` names the
   * client. O(table size) and no allocation: for the background publisher, not per request.
   */
  forEachLocal(now: number, visit: (slot: number, prev: number, curr: number) => void): void {
    const words = this.#words;
    const bucket = this.bucketOf(now) >>> 0;
    const slots = this.#mask + 1;
    for (let slot = 0; slot < slots; slot++) {
      const w = slot * WORDS;
      const kind = Atomics.load(words, w + TAG) & KIND;
      if (kind === EMPTY || kind === CLAIMING) continue;
      const age = (bucket - Atomics.load(words, w + BUCKET)) >>> 0;
      if (age !== 0 && age !== 1) continue;
      const prev = age === 0 ? Atomics.load(words, w + PREV) : Atomics.load(words, w + CURR);
      const curr = age === 0 ? Atomics.load(words, w + CURR) : 0;
      if (prev !== 0 || curr !== 0) visit(slot, prev, curr);
    }
  }

  /** The client (its key: IPv6 masked to the prefix) that holds `slot`, as forEachLocal reported it. */
  clientAt(slot: number): IpParts {
    const words = this.#words;
    const w = slot * WORDS;
    return (words[w + TAG]! & KIND) === IPV6
      ? { v6: true, hi: words[w + 1]!, lo: words[w + 2]!, tail: [words[w + 3]!, words[w + 4]!] }
      : { v6: false, hi: 0, lo: words[w + 1]!, tail: [0, 0] };
  }

  /** The slot of `client` (its key masked by the IPv6 prefix), claimed if it has none; −1 as #findSlot. */
  #slotOf(client: IpParts, at: number, bucket: number): number {
    const tag = client.v6 ? IPV6 : IPV4;
    const m = this.#keyMasks;
    const k0 = client.v6 ? (client.hi & m[0]) >>> 0 : client.lo;
    const k1 = client.v6 ? (client.lo & m[1]) >>> 0 : 0;
    const k2 = client.v6 ? (client.tail[0] & m[2]) >>> 0 : 0;
    const k3 = client.v6 ? (client.tail[1] & m[3]) >>> 0 : 0;
    return this.#findSlot(tag, k0, k1, k2, k3, at, bucket);
  }

  /**
   * Moves the slot at word `w` into bucket `bucket` (mod 2^32): the current count becomes the previous
   * one when the bucket is the next, both reset when it is later. One thread wins the roll.
   */
  #roll(w: number, bucket: number): void {
    const words = this.#words;
    for (;;) {
      const stored = Atomics.load(words, w + BUCKET);
      if (stored === bucket) return;
      const age = (bucket - stored) >>> 0;
      // Another thread, with a clock a hair ahead, already rolled: count in its bucket.
      if (age >= 0x80000000) return;
      if (Atomics.compareExchange(words, w + BUCKET, stored, bucket) !== stored) continue;
      const curr = Atomics.exchange(words, w + CURR, 0);
      Atomics.store(words, w + PREV, age === 1 ? curr : 0);
      return;
    }
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

  /** The client's slot, claimed for it if new; −1 when other threads won every claim attempt. */
  #findSlot(tag: number, k0: number, k1: number, k2: number, k3: number, now: number, bucket: number): number {
    const words = this.#words;
    const times = this.#times;
    let h = Math.imul(k0 ^ tag, 0x9e3779b1) ^ Math.imul(k1, 0x85ebca77) ^ Math.imul(k2, 0xc2b2ae3d) ^ Math.imul(k3, 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    const idleBefore = now - 2 * this.windowMs;
    let rescans = 0;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      let claiming = false;
      let free = -1;
      let freeTag = 0;
      let oldest = -1;
      let oldestTag = 0;
      let oldestSeen = Infinity;
      for (let probe = 0; probe < PROBES; probe++) {
        const slot = (h + probe) & this.#mask;
        const w = slot * WORDS;
        const word = Atomics.load(words, w + TAG);
        const kind = word & KIND;
        if (kind === tag && words[w + 1] === k0 && words[w + 2] === k1 && words[w + 3] === k2 && words[w + 4] === k3) return slot;
        if (kind === CLAIMING) {
          claiming = true;
          continue;
        }
        const seen = times[slot * TIMES]!;
        if (free < 0 && (kind === EMPTY || seen < idleBefore)) {
          free = slot;
          freeTag = word;
        }
        if (seen < oldestSeen) {
          oldestSeen = seen;
          oldest = slot;
          oldestTag = word;
        }
      }
      // Wait for that key to be published and look again, rather than give this client a second slot.
      if (claiming && rescans++ < CLAIMING_RESCANS) {
        attempt--;
        continue;
      }
      const evicting = free < 0;
      const slot = evicting ? oldest : free;
      if (slot < 0) continue;
      const w = slot * WORDS;
      // Claimed against the word read while judging the slot free (or oldest): if another thread
      // claimed it since, the generation moved on and this claim fails.
      const seenTag = evicting ? oldestTag : freeTag;
      const generation = (seenTag & ~KIND) >>> 0;
      if (Atomics.compareExchange(words, w + TAG, seenTag, generation | CLAIMING) !== seenTag) continue;
      if (evicting) this.evictions++;
      words[w + 1] = k0;
      words[w + 2] = k1;
      words[w + 3] = k2;
      words[w + 4] = k3;
      Atomics.store(words, w + PREV, 0);
      Atomics.store(words, w + CURR, 0);
      Atomics.store(words, w + BUCKET, bucket >>> 0);
      times[slot * TIMES] = now;
      const remote = this.#remote;
      if (remote !== null) remote.fill(0, slot * REMOTE_WORDS, (slot + 1) * REMOTE_WORDS);
      // Publishes the key: a thread that sees this tag sees the words written before it.
      Atomics.store(words, w + TAG, ((generation + GENERATION) | tag) >>> 0);
      return slot;
    }
    return -1;
  }
}

/** Rounds up to whole ms, ignoring floating-point dust (0.3 × 1000 = 300.00000000000006). */
function ceilMs(ms: number): number {
  return Math.ceil(ms - 1e-6);
}
