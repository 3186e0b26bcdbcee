import { describe, expect, it } from 'vitest';
import { RetryBackoff } from './retry-backoff.js';

describe('RetryBackoff', () => {
  it('doubles from base up to max, per key, and resets on success', () => {
    const backoff = new RetryBackoff({ baseMs: 100, maxMs: 500 });
    expect([0, 1, 2, 3, 4].map(() => backoff.fail('a', 0))).toEqual([100, 200, 400, 500, 500]);
    expect(backoff.waitMs('a', 200)).toBe(300);
    expect(backoff.waitMs('b', 0)).toBe(0);
    expect(backoff.failures('a')).toBe(5);
    backoff.succeed('a');
    expect(backoff.waitMs('a', 0)).toBe(0);
    expect(backoff.fail('a', 0)).toBe(100);
  });

  it('refuses a base of 0 or a max below base', () => {
    expect(() => new RetryBackoff({ baseMs: 0, maxMs: 10 })).toThrow('RetryBackoff: baseMs (0) must be > 0 and maxMs (10) ≥ baseMs');
    expect(() => new RetryBackoff({ baseMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
