import { describe, expect, it } from 'vitest';
import { RESTART_LIMIT, RESTART_WINDOW_MS, pruneRestarts, restartDelay } from './restart-budget.js';

describe('restart budget', () => {
  it('restarts at once until the limit within the window is used', () => {
    expect(restartDelay([], 0)).toBe(0);
    expect(restartDelay([1, 2, 3, 4], 10)).toBe(0);
  });

  it('then waits until the oldest counted restart leaves the window', () => {
    const history = [1_000, 2_000, 3_000, 4_000, 5_000];
    expect(history).toHaveLength(RESTART_LIMIT);
    expect(restartDelay(history, 6_000)).toBe(1_000 + RESTART_WINDOW_MS - 6_000);
    expect(restartDelay(history, 1_000 + RESTART_WINDOW_MS)).toBe(0);
  });

  it('forgets restarts older than the window', () => {
    const history = [0, 10, RESTART_WINDOW_MS + 5];
    pruneRestarts(history, RESTART_WINDOW_MS + 10);
    expect(history).toEqual([RESTART_WINDOW_MS + 5]);
  });
});
