import { describe, expect, it } from 'vitest';
import { eventually } from '../test/helpers/eventually.js';
import { HOLD_QUEUE_LIMIT, HoldQueue } from './hold-queue.js';
import type { HeldRequest } from './hold-queue.js';

function held(log: string[], name: string): HeldRequest {
  return { holdDeadline: 0, onBackendReady: () => log.push(`${name}:ready`), onHoldTimeout: () => log.push(`${name}:timeout`) };
}

describe('HoldQueue', () => {
  it('releases every held request, oldest first, and reports the count', () => {
    const counts: number[] = [];
    const log: string[] = [];
    const q = new HoldQueue((n) => counts.push(n));
    q.hold(held(log, 'a'), 60_000);
    q.hold(held(log, 'b'), 60_000);
    q.releaseAll();
    expect(log).toEqual(['a:ready', 'b:ready']);
    expect(counts).toEqual([1, 2, 0]);
  });

  it('times requests out in order', async () => {
    const log: string[] = [];
    const q = new HoldQueue(() => undefined);
    q.hold(held(log, 'a'), 20);
    q.hold(held(log, 'b'), 40);
    await eventually(() => expect(log).toEqual(['a:timeout', 'b:timeout']));
    expect(q.length).toBe(0);
  });

  it('forgets a removed request', () => {
    const log: string[] = [];
    const q = new HoldQueue(() => undefined);
    const a = held(log, 'a');
    q.hold(a, 60_000);
    q.remove(a);
    q.releaseAll();
    expect(log).toEqual([]);
  });

  it('refuses beyond its bound', () => {
    const q = new HoldQueue(() => undefined);
    const log: string[] = [];
    for (let i = 0; i < HOLD_QUEUE_LIMIT; i++) expect(q.hold(held(log, String(i)), 60_000)).toBe(true);
    expect(q.hold(held(log, 'over'), 60_000)).toBe(false);
    q.expireAll();
    expect(log).toHaveLength(HOLD_QUEUE_LIMIT);
  });
});
