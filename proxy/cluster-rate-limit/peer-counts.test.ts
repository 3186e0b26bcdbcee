import { describe, expect, it } from 'vitest';
import type { CountsMessage } from './counts-message.js';
import { PeerCounts } from './peer-counts.js';

const W = 10_000;
const msg = (bucket: number, curr: Array<[string, number]>, prev: Array<[string, number]> = [], window = W): CountsMessage => ({ window, bucket, curr, prev });
const X = '198.51.100.7';
const Y = '198.51.100.8';

describe('PeerCounts', () => {
  it("replaces a proxy's previous counts instead of adding them up", () => {
    const peers = new PeerCounts();
    peers.set('a', msg(5, [[X, 10]]));
    peers.set('a', msg(5, [[X, 12]]));
    expect(peers.totals(X, 5, W)).toEqual({ prev: 0, curr: 12 });
  });

  it('sums over proxies and keeps clients apart', () => {
    const peers = new PeerCounts();
    peers.set('a', msg(5, [[X, 10]], [[X, 4]]));
    peers.set('b', msg(5, [[X, 3], [Y, 1]]));
    expect(peers.totals(X, 5, W)).toEqual({ prev: 4, curr: 13 });
    expect(peers.totals(Y, 5, W)).toEqual({ prev: 0, curr: 1 });
    expect(peers.size).toBe(2);
  });

  it('returns the clients whose totals may have changed: old and new ones, only the changed ones within a bucket', () => {
    const peers = new PeerCounts();
    expect([...peers.set('a', msg(5, [[X, 10]]))]).toEqual([X]);
    expect([...peers.set('a', msg(5, [[Y, 1]]))].sort()).toEqual([X, Y]);
    expect([...peers.set('a', msg(5, [[Y, 1], [X, 2]]))]).toEqual([X]);
    expect([...peers.set('a', msg(5, [[Y, 1], [X, 2]]))]).toEqual([]);
    expect([...peers.set('a', msg(6, [[Y, 1]]))].sort()).toEqual([X, Y]);
    expect([...peers.delete('a')]).toEqual([Y]);
    expect(peers.totals(Y, 5, W)).toEqual({ prev: 0, curr: 0 });
    expect([...peers.delete('a')]).toEqual([]);
  });

  it('aligns buckets: a proxy one bucket behind counts as previous, two behind not at all', () => {
    const peers = new PeerCounts();
    peers.set('a', msg(4, [[X, 7]], [[X, 100]]));
    expect(peers.totals(X, 5, W)).toEqual({ prev: 7, curr: 0 });
    expect(peers.totals(X, 6, W)).toEqual({ prev: 0, curr: 0 });
  });

  it('counts everything of a proxy whose clock is ahead as current (skew over-counts, never under)', () => {
    const peers = new PeerCounts();
    peers.set('a', msg(6, [[X, 2]], [[X, 9]]));
    expect(peers.totals(X, 5, W)).toEqual({ prev: 0, curr: 11 });
  });

  it('leaves out counts made for another window (a rolling config change)', () => {
    const peers = new PeerCounts();
    peers.set('a', msg(5, [[X, 10]], [], 60_000));
    peers.set('b', msg(5, [[X, 1]]));
    expect(peers.totals(X, 5, W)).toEqual({ prev: 0, curr: 1 });
  });

  it('prunes contributions older than the previous bucket', () => {
    const peers = new PeerCounts();
    peers.set('old', msg(3, [[X, 1]]));
    peers.set('recent', msg(4, [[Y, 1]]));
    expect(peers.prune(5)).toBe(1);
    expect(peers.peers()).toEqual(['recent']);
    expect([...peers.clients()]).toEqual([Y]);
  });
});
