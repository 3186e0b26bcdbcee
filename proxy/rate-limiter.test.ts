import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it, vi } from 'vitest';
import type { IpParts } from './ip-address.js';
import { parseIp } from './ip-address.js';
import { SlidingWindowLimiter } from './rate-limiter.js';

const ip = (text: string): IpParts => parseIp(text)!;
const A = ip('198.51.100.1');
const B = ip('198.51.100.2');

function limiter(limit: number, windowMs = 1_000, maxClients = 1_000, ipv6Prefix = 64) {
  return new SlidingWindowLimiter({ limit, windowMs, maxClients, ipv6Prefix });
}

/** How many of `n` requests at `now` pass. */
function burst(l: SlidingWindowLimiter, client: IpParts, now: number, n: number): number {
  let passed = 0;
  for (let i = 0; i < n; i++) if (l.check(client, now)) passed++;
  return passed;
}

describe('SlidingWindowLimiter', () => {
  it('allows `limit` requests per window and reports what is left', () => {
    const l = limiter(3);
    expect(l.check(A, 100)).toBe(true);
    expect(l.remaining).toBe(2);
    expect(burst(l, A, 200, 5)).toBe(2);
    expect(l.remaining).toBe(0);
    expect(l.resetMs).toBe(800);
  });

  it('keeps clients apart', () => {
    const l = limiter(2);
    expect(burst(l, A, 0, 5)).toBe(2);
    expect(burst(l, B, 0, 5)).toBe(2);
  });

  it('slides: the previous bucket fades linearly (exact counts at the edges)', () => {
    const l = limiter(10, 1_000);
    expect(burst(l, A, 900, 20)).toBe(10); // bucket 0 full
    expect(burst(l, A, 1_000, 20)).toBe(0); // edge: prev counts fully (10 × 1.0)
    expect(burst(l, A, 1_100, 20)).toBe(1); // 10 × 0.9 = 9 → room for 1
    expect(burst(l, A, 1_500, 20)).toBe(4); // 10 × 0.5 + 1 = 6 → room for 4
    expect(burst(l, A, 1_999, 20)).toBe(4); // 10 × 0.001 + 5 → room for 4
    expect(burst(l, A, 2_000, 20)).toBe(1); // bucket 2: prev is 9 (1 + 4 + 4), 9 × 1.0 → room for 1
    expect(burst(l, A, 4_000, 20)).toBe(10); // two idle buckets: everything forgotten
  });

  it('refuses the edge burst a fixed window lets through (rate-limiter-flexible as the fixed-window reference)', async () => {
    // Limit 5 per second: 1 request at 10.000 s, 4 at 10.995 s, 5 at 11.005 s.
    const timeline: [number, number][] = [
      [10_000, 1],
      [10_995, 4],
      [11_005, 5],
    ];
    vi.useFakeTimers({ now: timeline[0]![0] });
    try {
      const fixed = new RateLimiterMemory({ points: 5, duration: 1 });
      let fixedPassed = 0;
      for (const [at, count] of timeline) {
        await vi.advanceTimersByTimeAsync(at - Date.now());
        for (let i = 0; i < count; i++) await fixed.consume('a').then(() => fixedPassed++, () => undefined);
      }
      expect(fixedPassed).toBe(10); // 9 of them within 10 ms of the edge

      const sliding = limiter(5, 1_000);
      const slidingPassed = timeline.reduce((sum, [at, count]) => sum + burst(sliding, A, at, count), 0);
      expect(slidingPassed).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('Retry-After is exact: refused 1 ms before it, allowed at it', () => {
    const l = limiter(10, 1_000);
    burst(l, A, 900, 10);
    expect(l.check(A, 1_200)).toBe(true); // 8 + 1 → allowed, now curr = 1
    expect(l.check(A, 1_200)).toBe(true); // 8 + 1 + 1 = 10
    expect(l.check(A, 1_200)).toBe(false);
    const wait = l.retryAfterMs; // need 10 × (1 − f) + 2 + 1 ≤ 10 → f ≥ 0.3
    expect(wait).toBe(100);
    expect(l.check(A, 1_200 + wait - 1)).toBe(false);
    expect(l.check(A, 1_200 + wait)).toBe(true);
  });

  it('Retry-After points into the next bucket when the current one alone is full', () => {
    const l = limiter(4, 1_000);
    burst(l, A, 0, 4);
    expect(l.check(A, 250)).toBe(false);
    // Next bucket: 4 × (1 − f) + 1 ≤ 4 → f ≥ 0.25 → at 1_250.
    expect(l.retryAfterMs).toBe(1_000);
    expect(l.check(A, 1_249)).toBe(false);
    expect(l.check(A, 1_250)).toBe(true);
  });

  it('groups IPv6 clients by prefix', () => {
    const l = limiter(2, 1_000, 100, 64);
    expect(burst(l, ip('2001:db8:1:2::1'), 0, 1) + burst(l, ip('2001:db8:1:2:ffff::9'), 0, 5)).toBe(2);
    expect(burst(l, ip('2001:db8:1:3::1'), 0, 5)).toBe(2);
    const per128 = limiter(2, 1_000, 100, 128);
    expect(burst(per128, ip('2001:db8::1'), 0, 5) + burst(per128, ip('2001:db8::2'), 0, 5)).toBe(4);
  });

  it('keeps memory fixed under a flood of distinct clients and forgets the least recently seen', () => {
    const l = limiter(1, 60_000, 64);
    const bytes = l.memoryBytes;
    expect(bytes).toBe(128 * 40);
    for (let i = 0; i < 100_000; i++) l.check({ v6: false, hi: 0, lo: i, tail: [0, 0] }, i);
    expect(l.memoryBytes).toBe(bytes);
    expect(l.evictions).toBeGreaterThan(99_000);
    // A client active right now is still remembered after the flood.
    const last = { v6: false, hi: 0, lo: 99_999, tail: [0, 0] } as IpParts;
    expect(l.check(last, 100_000)).toBe(false);
  });

  it('reuses idle slots without evicting active clients', () => {
    const l = limiter(1, 1_000, 4);
    for (let i = 0; i < 1_000; i++) l.check({ v6: false, hi: 0, lo: i, tail: [0, 0] }, i * 2_000);
    expect(l.evictions).toBe(0);
  });

  describe('shared (scope: cluster)', () => {
    const shared = (limit: number, epochOffsetMs = 0) => new SlidingWindowLimiter({ limit, windowMs: 1_000, maxClients: 1_000, ipv6Prefix: 64, shared: true, epochOffsetMs });

    it("adds the other proxies' counts to the estimate and counts only its own admissions", () => {
      const l = shared(10);
      l.setRemote(A, 0, 0, 7, 100);
      expect(burst(l, A, 200, 10)).toBe(3);
      expect(l.remaining).toBe(0);
      l.setRemote(A, 0, 0, 4, 300); // replaced, not added: 4 + 3 own
      expect(burst(l, A, 300, 10)).toBe(3);
      const own: Array<[number, number]> = [];
      l.forEachLocal(300, (_slot, prev, curr) => own.push([prev, curr]));
      expect(own).toEqual([[0, 6]]);
      expect(burst(l, B, 300, 20)).toBe(10);
    });

    it('ages remote counts with the bucket: current → previous (weighted) → gone', () => {
      const l = shared(10);
      l.setRemote(A, 0, 0, 8, 0);
      expect(burst(l, A, 500, 10)).toBe(2);
      // Bucket 1 at 1.5 s: previous = 8 remote + 2 own = 10, weighted 0.5 → 5; room for 5.
      expect(burst(l, A, 1_500, 10)).toBe(5);
      // Bucket 3: both buckets aged out without any setRemote.
      expect(burst(l, A, 3_000, 20)).toBe(10);
    });

    it("uses the remote previous bucket's count, weighted by the overlap", () => {
      const l = shared(10);
      l.setRemote(A, 3, 10, 0, 3_000);
      expect(burst(l, A, 3_000, 5)).toBe(0);
      expect(burst(l, A, 3_600, 10)).toBe(6); // 10 × 0.4 = 4 → room for 6
    });

    it('Retry-After accounts for remote counts', () => {
      const l = shared(4);
      l.setRemote(A, 0, 0, 4, 250);
      expect(l.check(A, 250)).toBe(false);
      expect(l.retryAfterMs).toBe(1_000); // as if the 4 were its own: next bucket at 1.25 s
      expect(l.check(A, 1_249)).toBe(false);
      expect(l.check(A, 1_250)).toBe(true);
    });

    it('cuts buckets at epoch instants with epochOffsetMs', () => {
      const l = shared(10, 10_500);
      expect(l.bucketOf(0)).toBe(10);
      expect(l.bucketOf(500)).toBe(11);
      l.setRemote(A, 11, 0, 10, 600);
      expect(l.check(A, 700)).toBe(false);
    });

    it('forEachLocal reports the current and previous bucket per client, clientAt names it (IPv6 by prefix)', () => {
      const l = shared(100);
      burst(l, A, 100, 3);
      burst(l, ip('2001:db8:1:2::7'), 1_100, 2);
      burst(l, A, 1_200, 1);
      burst(l, B, 0, 5);
      const seen: Array<[string, number, number]> = [];
      l.forEachLocal(1_300, (slot, prev, curr) => {
        const client = l.clientAt(slot);
        seen.push([client.v6 ? `${client.hi.toString(16)}:${client.lo.toString(16)}` : String(client.lo), prev, curr]);
      });
      expect(seen.sort()).toEqual(
        [
          [String(A.lo), 3, 1],
          [String(B.lo), 5, 0],
          ['20010db8:10002', 0, 2],
        ].sort(),
      );
      const later: number[] = [];
      l.forEachLocal(3_000, (_slot, prev, curr) => later.push(prev, curr));
      expect(later).toEqual([]);
    });

    it('costs 12 bytes a slot more, and nothing when not shared', () => {
      expect(shared(1).memoryBytes - limiter(1).memoryBytes).toBe(2_048 * 12);
      const local = limiter(3);
      local.setRemote(A, 0, 0, 100, 0);
      expect(burst(local, A, 0, 5)).toBe(3);
      expect(local.shared).toBe(false);
    });
  });

  it('validates its options', () => {
    expect(() => limiter(0)).toThrow('limit must be an integer ≥ 1 (got 0)');
    expect(() => limiter(1, 0)).toThrow('windowMs must be > 0 (got 0)');
    expect(() => limiter(1, 1, 0)).toThrow('maxClients must be an integer ≥ 1 (got 0)');
    expect(() => limiter(1, 1, 1, 129)).toThrow('ipv6Prefix must be 1..128 (got 129)');
    const odd = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(8) + 40);
    expect(() => new SlidingWindowLimiter({ limit: 1, windowMs: 1, maxClients: 8, ipv6Prefix: 64, buffer: odd })).toThrow(
      `buffer must be SlidingWindowLimiter.bytesFor(n) bytes (got ${SlidingWindowLimiter.bytesFor(8) + 40})`,
    );
  });

  it('shares counts between limiters over one SharedArrayBuffer, whatever maxClients each was given', () => {
    const buffer = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(64));
    const one = new SlidingWindowLimiter({ limit: 4, windowMs: 1_000, maxClients: 64, ipv6Prefix: 64, buffer });
    const two = new SlidingWindowLimiter({ limit: 4, windowMs: 1_000, maxClients: 1_000, ipv6Prefix: 64, buffer });
    expect(one.memoryBytes).toBe(two.memoryBytes);
    expect(burst(one, A, 100, 3)).toBe(3);
    expect(burst(two, A, 200, 3)).toBe(1);
    expect(burst(one, B, 300, 1)).toBe(1);
    expect(one.remaining).toBe(3);
  });

  it('a shared table with room for other proxies: counts folded through one view (the main thread) are seen by another (a worker) on its own clock', () => {
    const buffer = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(64, true));
    // The main thread passes performance.now()-like times with an offset; the worker passes epoch ms.
    const origin = 1_700_000_000_000;
    const main = new SlidingWindowLimiter({ limit: 10, windowMs: 1_000, maxClients: 64, ipv6Prefix: 64, buffer, shared: true, epochOffsetMs: origin });
    const worker = new SlidingWindowLimiter({ limit: 10, windowMs: 1_000, maxClients: 64, ipv6Prefix: 64, buffer, shared: true });
    const bucket = main.bucketOf(500);
    expect(worker.bucketOf(origin + 500)).toBe(bucket);
    main.setRemote(A, bucket, 0, 7, 500);
    expect(burst(worker, A, origin + 600, 10)).toBe(3);
    let counted = 0;
    main.forEachLocal(700, (slot, prev, curr) => {
      expect(main.clientAt(slot)).toEqual(A);
      counted += prev + curr;
    });
    expect(counted).toBe(3);
    expect(() => new SlidingWindowLimiter({ limit: 1, windowMs: 1, maxClients: 64, ipv6Prefix: 64, buffer, shared: false })).toThrow('bytesFor(n)');
  });
});
