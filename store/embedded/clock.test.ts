import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('caps delays at setTimeout range instead of letting Node turn them into 1 ms', () => {
    vi.useFakeTimers();
    const fired: number[] = [];
    systemClock.setTimer(() => fired.push(Date.now()), 9_000_000_000 * 1000); // etcd's max lease TTL
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(2 ** 31);
    expect(fired).toHaveLength(1);
  });
});
