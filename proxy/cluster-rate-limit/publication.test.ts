import { describe, expect, it } from 'vitest';
import type { IpParts } from '../ip-address.js';
import { parseIp } from '../ip-address.js';
import { SlidingWindowLimiter } from '../rate-limiter.js';
import { DEFAULT_BOUNDS, buildPublication, minCount } from './publication.js';

const ipv4 = (n: number): IpParts => ({ v6: false, hi: 0, lo: (0x0a000000 + n) >>> 0, tail: [0, 0] });

function sharedLimiter(limit: number): SlidingWindowLimiter {
  return new SlidingWindowLimiter({ limit, windowMs: 1_000, maxClients: 1_000, ipv6Prefix: 64, shared: true });
}

function send(limiter: SlidingWindowLimiter, client: IpParts, now: number, n: number): void {
  for (let i = 0; i < n; i++) limiter.check(client, now);
}

describe('buildPublication', () => {
  it('publishes the current and previous bucket, busiest first, own counts only', () => {
    const l = sharedLimiter(100);
    send(l, ipv4(1), 500, 3);
    send(l, ipv4(1), 1_100, 2);
    send(l, ipv4(2), 1_200, 7);
    send(l, parseIp('2001:db8::1')!, 1_300, 1);
    l.setRemote(ipv4(3), 1, 0, 50, 1_300); // another proxy's: not ours to publish
    expect(buildPublication(l, 1_400, DEFAULT_BOUNDS)).toEqual({
      window: 1_000,
      bucket: 1,
      curr: [
        ['10.0.0.2', 7],
        ['10.0.0.1', 2],
        ['2001:db8:0:0:0:0:0:0', 1],
      ],
      prev: [['10.0.0.1', 3]],
    });
  });

  it('leaves out clients under the share of the limit', () => {
    const l = sharedLimiter(1_000);
    expect(minCount(1_000, 0.01)).toBe(10);
    send(l, ipv4(1), 0, 9);
    send(l, ipv4(2), 0, 10);
    expect(buildPublication(l, 0, DEFAULT_BOUNDS).curr).toEqual([['10.0.0.2', 10]]);
    expect(minCount(20, 0.01)).toBe(1);
  });

  it('keeps the busiest maxEntries; the same table always publishes the same text', () => {
    const l = sharedLimiter(100);
    for (let n = 1; n <= 6; n++) send(l, ipv4(n), 0, n === 6 ? 1 : 10 - n);
    expect(buildPublication(l, 0, { minShare: 0.01, maxEntries: 3 }).curr).toEqual([
      ['10.0.0.1', 9],
      ['10.0.0.2', 8],
      ['10.0.0.3', 7],
    ]);
    const tie = sharedLimiter(100);
    for (const n of [9, 8, 10]) send(tie, ipv4(n), 0, 2);
    expect(buildPublication(tie, 0, { minShare: 0.01, maxEntries: 3 }).curr).toEqual([
      ['10.0.0.10', 2],
      ['10.0.0.8', 2],
      ['10.0.0.9', 2],
    ]);
    const cut = buildPublication(tie, 0, { minShare: 0.01, maxEntries: 1 });
    expect(cut.curr).toHaveLength(1);
    expect(buildPublication(tie, 0, { minShare: 0.01, maxEntries: 1 })).toEqual(cut);
  });
});
