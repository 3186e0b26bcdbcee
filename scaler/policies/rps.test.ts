import { describe, expect, it } from 'vitest';
import { testApp } from '../../test/helpers/app-config.js';
import type { AppLoad } from '../policy.js';
import { rpsPolicy } from './rps.js';

const load = (rps: number): AppLoad => ({ rps, inflight: 0, waiting: 0, proxies: 1 });

describe('rps policy', () => {
  const spec = testApp('hello', { target_rps_per_replica: 100 });

  it.each([
    [0, 0],
    [0.2, 1],
    [100, 1],
    [100.5, 2],
    [480, 5],
    [500, 5],
    [501, 6],
  ])('%d rps at 100 per replica → %d', (rps, desired) => {
    expect(rpsPolicy.decide({ app: 'hello', now: 0, metrics: load(rps), current: 3, spec })).toMatchObject({ desired, valid: true });
  });

  it('explains its arithmetic', () => {
    expect(rpsPolicy.decide({ app: 'hello', now: 0, metrics: load(480), current: 1, spec }).reason).toBe('rps 480.0 / 100 per replica → 5');
  });

  it('is not valid without metrics and keeps the current target', () => {
    expect(rpsPolicy.decide({ app: 'hello', now: 0, metrics: undefined, current: 3, spec })).toEqual({ desired: 3, reason: 'no live metrics', valid: false });
  });
});
