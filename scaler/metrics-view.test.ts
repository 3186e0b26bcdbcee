import { describe, expect, it } from 'vitest';
import { keys } from '../store/keys.js';
import type { ClientMetricsValue } from '../store/records/client-metrics.js';
import { MetricsView, STALE_WINDOWS } from './metrics-view.js';

function report(app: string, proxyId: string, fields: Partial<ClientMetricsValue> = {}): [string, ClientMetricsValue] {
  const metrics: ClientMetricsValue = {
    id: `${app}:${proxyId}`,
    app,
    proxyId,
    rps: 0,
    inflight: 0,
    p50Ms: 1,
    p99Ms: 2,
    errors: {},
    rateLimited: 0,
    waiting: 0,
    windowMs: 1_000,
    at: 0,
    backends: {},
    ...fields,
  };
  return [keys.metrics(app, proxyId), metrics];
}

describe('MetricsView', () => {
  it('sums the reports of every proxy of an app', () => {
    const view = new MetricsView();
    view.watchApp('hello');
    view.put(...report('hello', 'p1', { rps: 120, inflight: 3, waiting: 1 }), 1_000);
    view.put(...report('hello', 'p2', { rps: 80.5, inflight: 2 }), 1_000);
    expect(view.load('hello', 1_500)).toEqual({ rps: 200.5, inflight: 5, waiting: 1, proxies: 2 });
  });

  it('keeps only the latest report per proxy, and drops one whose key was deleted', () => {
    const view = new MetricsView();
    view.watchApp('hello');
    view.put(...report('hello', 'p1', { rps: 100 }), 0);
    view.put(...report('hello', 'p1', { rps: 30 }), 1_000);
    view.put(...report('hello', 'p2', { rps: 5 }), 1_000);
    expect(view.load('hello', 1_000)?.rps).toBe(35);
    expect(view.delete('hello', keys.metrics('hello', 'p2'))).toBe(true);
    expect(view.load('hello', 1_000)?.rps).toBe(30);
  });

  it('leaves out a silent proxy after a few of its windows, and has no data when all are silent', () => {
    const view = new MetricsView();
    view.watchApp('hello');
    view.put(...report('hello', 'p1', { rps: 100, windowMs: 1_000 }), 0);
    view.put(...report('hello', 'p2', { rps: 7, windowMs: 2_000 }), 0);
    expect(view.load('hello', STALE_WINDOWS * 1_000)?.rps).toBe(107);
    expect(view.load('hello', STALE_WINDOWS * 1_000 + 1)).toEqual({ rps: 7, inflight: 0, waiting: 0, proxies: 1 });
    expect(view.load('hello', STALE_WINDOWS * 2_000 + 1)).toBeUndefined();
  });

  it('keeps nothing for apps it does not watch', () => {
    const view = new MetricsView();
    view.watchApp('hello');
    expect(view.put(...report('other', 'p1', { rps: 100 }), 0)).toBe(false);
    expect(view.load('other', 0)).toBeUndefined();
    view.put(...report('hello', 'p1', { rps: 1 }), 0);
    view.unwatchApp('hello');
    expect(view.load('hello', 0)).toBeUndefined();
  });

  it('tracks the last request on its own clock, from rps, in flight or held requests', () => {
    const view = new MetricsView();
    view.watchApp('hello');
    view.put(...report('hello', 'p1', { at: 99_999_999 }), 1_000);
    expect(view.lastRequestAt('hello')).toBeUndefined();
    view.put(...report('hello', 'p1', { rps: 0.1 }), 2_000);
    expect(view.lastRequestAt('hello')).toBe(2_000);
    view.put(...report('hello', 'p1', { inflight: 1 }), 3_000);
    view.put(...report('hello', 'p2', { waiting: 1 }), 4_000);
    view.put(...report('hello', 'p1'), 5_000);
    expect(view.lastRequestAt('hello')).toBe(4_000);
    view.clear();
    expect([view.lastRequestAt('hello'), view.load('hello', 5_000)]).toEqual([undefined, undefined]);
  });
});
