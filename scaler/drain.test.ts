import { describe, expect, it } from 'vitest';
import type { ClientMetricsValue } from '../store/records/client-metrics.js';
import type { Stored } from '../store/records/records.js';
import { drained } from './drain.js';

function report(modRevision: number, backends: Record<string, number>): Stored<ClientMetricsValue> {
  const record: ClientMetricsValue = { id: 'a:p', app: 'a', proxyId: 'p', rps: 0, inflight: 0, p50Ms: 0, p99Ms: 0, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1000, at: 0, backends };
  return { record, modRevision, lease: '0' };
}

describe('drained', () => {
  const address = '127.0.0.1:3001';
  it.each([
    { desc: 'no proxies: nothing can be in flight', reports: [], expected: true },
    { desc: 'every proxy reported after the router change, all 0', reports: [report(11, { [address]: 0 }), report(12, {})], expected: true },
    { desc: 'a request still in flight on one proxy', reports: [report(11, { [address]: 0 }), report(12, { [address]: 1 })], expected: false },
    { desc: 'a proxy has not reported since the router change', reports: [report(10, { [address]: 0 }), report(12, {})], expected: false },
    { desc: 'in-flight on other backends does not matter', reports: [report(11, { '127.0.0.1:3002': 7 })], expected: true },
  ])('$desc', ({ reports, expected }) => {
    expect(drained(reports, address, 10)).toBe(expected);
  });
});
