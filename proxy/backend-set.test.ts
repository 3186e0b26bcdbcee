import { describe, expect, it, onTestFinished } from 'vitest';
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from './backend.js';
import { BackendSet } from './backend-set.js';

function set(addresses: string[]): BackendSet {
  const s = new BackendSet({});
  s.setAddresses(addresses);
  onTestFinished(() => s.destroyAll());
  return s;
}

const picks = (s: BackendSet, n: number, now = 0): string[] => Array.from({ length: n }, () => s.next(now)!.address);

describe('BackendSet', () => {
  it('returns null when empty', () => {
    expect(set([]).next(0)).toBeNull();
  });

  it('goes round-robin with one counter', () => {
    expect(picks(set(['h:1', 'h:2', 'h:3']), 6)).toEqual(['h:1', 'h:2', 'h:3', 'h:1', 'h:2', 'h:3']);
  });

  it('reuses Backend objects for addresses that stay and drains removed ones', () => {
    const s = set(['h:1', 'h:2']);
    const [one, two] = s.list;
    one!.inFlight = 1;
    s.setAddresses(['h:1', 'h:3', 'h:3']);
    expect(s.list.map((b) => b.address)).toEqual(['h:1', 'h:3']);
    expect(s.list[0]).toBe(one);
    expect(two!.state).toBe('closed');
    s.setAddresses(['h:3']);
    expect(one!.state).toBe('draining');
    expect(s.draining.has(one!)).toBe(true);
    one!.release();
    expect(one!.state).toBe('closed');
  });

  it('skips a backend in back-off, and falls back to it when all are backing off', () => {
    const s = set(['h:1', 'h:2']);
    const [one, two] = s.list;
    one!.markRefused(1000);
    expect(one!.backoffUntil).toBe(1000 + BACKOFF_INITIAL_MS);
    expect(picks(s, 3, 1500)).toEqual(['h:2', 'h:2', 'h:2']);
    two!.markRefused(1500);
    expect(s.next(1600)).not.toBeNull();
    expect(picks(s, 2, 1000 + BACKOFF_INITIAL_MS)).toContain('h:1');
  });

  it('doubles the back-off up to the maximum and resets it on success', () => {
    const s = set(['h:1']);
    const b = s.list[0]!;
    let now = 0;
    for (let i = 0; i < 10; i++) b.markRefused(now);
    expect(b.backoffUntil - now).toBe(BACKOFF_MAX_MS);
    expect(b.refusals).toBe(10);
    b.markHealthy();
    expect(b.backoffUntil).toBe(0);
    now = 5;
    b.markRefused(now);
    expect(b.backoffUntil - now).toBe(BACKOFF_INITIAL_MS);
  });

  it('skips the excluded backend on a retry', () => {
    const s = set(['h:1', 'h:2']);
    const first = s.next(0)!;
    expect(s.next(0, first)).not.toBe(first);
    expect(set(['h:1']).next(0, null)).not.toBeNull();
    const single = set(['h:9']);
    expect(single.next(0, single.list[0])).toBeNull();
  });
});
