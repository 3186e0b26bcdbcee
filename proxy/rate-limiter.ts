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
 * construction: 40 bytes a slot. A new client may use one of PROBES consecutive slots; a slot is free
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

  /** Bytes of the table for `maxClients` (the size of a shared `buffer`). */
  static bytesFor(maxClients: number): number {
    return slotCount(maxClients) * SLOT_BYTES;
  }

  readonly #mask: number;
  readonly #keyMasks: [number, number, number, number];
  readonly #words: Uint32Array;
  readonly #times: Float64Array;

  constructor(options: RateLimiterOptions) {
    const { limit, windowMs, maxClients, ipv6Prefix } = options;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer ≥ 1 (got ${limit})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0 (got ${windowMs})`);
    if (!Number.isInteger(maxClients) || maxClients < 1) throw new RangeError(`maxClients must be an integer ≥ 1 (got ${maxClients})`);
    if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 1 || ipv6Prefix > 128) throw new RangeError(`ipv6Prefix must be 1..128 (got ${ipv6Prefix})`);
    this.limit = limit;
    this.windowMs = windowMs;
    const buffer = options.buffer ?? new ArrayBuffer(SlidingWindowLimiter.bytesFor(maxClients));
    const slots = buffer.byteLength / SLOT_BYTES;
    if (slots < PROBES || 2 ** Math.round(Math.log2(slots)) !== slots) {
      throw new RangeError(`buffer must be SlidingWindowLimiter.bytesFor(n) bytes (got ${buffer.byteLength})`);
    }
    this.#mask = slots - 1;
    this.#words = new Uint32Array(buffer, 0, slots * WORDS);
    this.#times = new Float64Array(buffer, slots * WORDS * 4, slots * TIMES);
    this.#keyMasks = [0, 1, 2, 3].map((i) => wordMask(ipv6Prefix - 32 * i)) as [number, number, number, number];
  }

  /** Bytes of table memory, fixed at construction. */
  get memoryBytes(): number {
    return this.#words.byteLength + this.#times.byteLength;
  }

  /** Counts one request from `client` at `now` (ms) and says whether it may pass. */
  check(client: IpParts, now: number): boolean {
    const tag = client.v6 ? IPV6 : IPV4;
    const m = this.#keyMasks;
    const k0 = client.v6 ? (client.hi & m[0]) >>> 0 : client.lo;
    const k1 = client.v6 ? (client.lo & m[1]) >>> 0 : 0;
    const k2 = client.v6 ? (client.tail[0] & m[2]) >>> 0 : 0;
    const k3 = client.v6 ? (client.tail[1] & m[3]) >>> 0 : 0;
    const bucket = Math.floor(now / this.windowMs);
    const slot = this.#findSlot(tag, k0, k1, k2, k3, now, bucket);
    const bucketStart = bucket * this.windowMs;
    this.resetMs = bucketStart + this.windowMs - now;
    // Every claim attempt lost to other threads (only under extreme contention): let it pass uncounted.
    if (slot < 0) {
      this.remaining = 0;
      this.retryAfterMs = 0;
      return true;
    }

    const words = this.#words;
    const w = slot * WORDS;
    this.#roll(w, bucket >>> 0);
    this.#times[slot * TIMES] = now;

    const overlap = 1 - (now - bucketStart) / this.windowMs;
    const prev = Atomics.load(words, w + PREV);
    // Counted first, checked after: concurrent requests each see a distinct count.
    const curr = Atomics.add(words, w + CURR, 1);
    const estimate = prev * overlap + curr;
    if (estimate + 1 <= this.limit) {
      this.remaining = Math.max(0, Math.floor(this.limit - estimate - 1));
      this.retryAfterMs = 0;
      return true;
    }
    Atomics.sub(words, w + CURR, 1);
    this.remaining = 0;
    this.retryAfterMs = this.#msUntilAllowed(prev, curr, now - bucketStart);
    return false;
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
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
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
        if (kind === CLAIMING) continue;
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
