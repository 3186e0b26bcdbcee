import { describe, expect, it } from 'vitest';
import { testApp } from '../../test/helpers/app-config.js';
import { policyFor } from '../policy-registry.js';
import { concurrencyPolicy } from './concurrency.js';

describe('concurrency policy', () => {
  const spec = testApp('hello', { scaling: { policy: 'concurrency', target_concurrency_per_replica: 10 } });
  const decide = (inflight: number, rps = 0) =>
    concurrencyPolicy.decide({ app: 'hello', now: 0, metrics: { rps, inflight, waiting: 0, proxies: 2 }, current: 2, spec });

  it.each([
    [0, 0],
    [1, 1],
    [10, 1],
    [11, 2],
    [95, 10],
  ])('%d in flight at 10 per replica → %d', (inflight, desired) => {
    expect(decide(inflight)).toMatchObject({ desired, valid: true });
  });

  it('ignores the request rate', () => {
    expect(decide(10, 5_000).desired).toBe(1);
  });

  it('is not valid without metrics', () => {
    expect(concurrencyPolicy.decide({ app: 'hello', now: 0, metrics: undefined, current: 2, spec }).valid).toBe(false);
  });
});

describe('policyFor', () => {
  it('finds the built-ins by their vortex.yaml names', () => {
    expect(policyFor('rps').name).toBe('rps');
    expect(policyFor('concurrency')).toBe(concurrencyPolicy);
  });

  it('refuses an unknown name with a stable code', () => {
    expect(() => policyFor('cpu')).toThrow(expect.objectContaining({ code: 'VX_SCALER_UNKNOWN_POLICY', message: 'scaler: unknown scaling policy "cpu" (known: rps, concurrency)' }));
  });
});
