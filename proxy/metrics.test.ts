import { describe, expect, it, onTestFinished } from 'vitest';
import { testConfig } from '../test/helpers/proxy-harness.js';
import { AppStats } from './app-stats.js';
import { UNROUTED_APP, createProxyMetrics } from './metrics.js';
import { ProxyState } from './proxy-state.js';

const UPSTREAMS = ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'];

function proxyState(): ProxyState {
  const state = new ProxyState(testConfig('node', [{ name: 'web', upstreams: UPSTREAMS }, { name: 'api', path_prefix: '/api', min_replicas: 0 }]));
  onTestFinished(() => state.destroy());
  return state;
}

/** The sample lines of the exposition, `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('createProxyMetrics', () => {
  it('copies the counters at scrape time', async () => {
    const state = proxyState();
    const registry = createProxyMetrics(state);
    const web = state.apps.get('web')!;
    for (let i = 0; i < 3; i++) web.stats.countStatus(200);
    web.stats.countStatus(502);
    web.stats.countError('upstream_connect_failed');
    web.stats.countError('rate_limited');
    web.stats.rateLimited++;
    web.stats.inFlight = 2;
    state.apps.get('api')!.stats.waiting = 4;
    web.stats.observeLatency(0.4);
    web.stats.observeLatency(4);
    web.stats.observeLatency(90_000);

    const s = samples(await registry.metrics());
    expect(s.get('vortex_requests_total{app="web",code="200"}')).toBe(3);
    expect(s.get('vortex_requests_total{app="web",code="502"}')).toBe(1);
    expect(s.get('vortex_upstream_errors_total{app="web",reason="connect_failed"}')).toBe(1);
    expect(s.get('vortex_upstream_errors_total{app="api",reason="reset"}')).toBe(0);
    expect(s.get('vortex_proxy_errors_total{app="web",kind="rate_limited"}')).toBe(1);
    expect(s.get('vortex_ratelimited_total{app="web"}')).toBe(1);
    expect(s.get('vortex_inflight_requests{app="web"}')).toBe(2);
    expect(s.get('vortex_waiting_requests{app="api"}')).toBe(4);
    expect(s.get('vortex_request_duration_seconds_bucket{app="web",le="0.0005"}')).toBe(1);
    expect(s.get('vortex_request_duration_seconds_bucket{app="web",le="0.005"}')).toBe(2);
    expect(s.get('vortex_request_duration_seconds_bucket{app="web",le="60"}')).toBe(2);
    expect(s.get('vortex_request_duration_seconds_bucket{app="web",le="+Inf"}')).toBe(3);
    expect(s.get('vortex_request_duration_seconds_count{app="web"}')).toBe(3);
    expect(s.get('vortex_request_duration_seconds_sum{app="web"}')).toBeCloseTo(90.0044, 6);
    expect(s.get('process_resident_memory_bytes')).toBeGreaterThan(0);

    // Counters follow the plain numbers on the next scrape, not a copy from the first.
    web.stats.countStatus(200);
    const again = samples(await registry.metrics());
    expect(again.get('vortex_requests_total{app="web",code="200"}')).toBe(4);
  });

  it('counts backends by state, with the seed\'s vortex_active_nodes as the ready ones', async () => {
    const state = proxyState();
    const registry = createProxyMetrics(state);
    const web = state.apps.get('web')!;
    web.backends.list[0]!.markRefused(performance.now());
    const leaving = web.backends.list[2]!;
    leaving.inFlight = 1;
    state.setRouter('web', UPSTREAMS.slice(0, 2));
    onTestFinished(() => leaving.release());

    const s = samples(await registry.metrics());
    expect(s.get('vortex_backends{app="web",state="ready"}')).toBe(1);
    expect(s.get('vortex_backends{app="web",state="backoff"}')).toBe(1);
    expect(s.get('vortex_backends{app="web",state="draining"}')).toBe(1);
    expect(s.get('vortex_active_nodes{app="web"}')).toBe(1);
    expect(s.get('vortex_active_nodes{app="api"}')).toBe(0);
  });

  it('exposes requests that reached no app as app="_unrouted"', async () => {
    const state = proxyState();
    const unrouted = new AppStats();
    unrouted.countStatus(404);
    unrouted.countError('no_route');
    unrouted.observeLatency(0.1);
    const s = samples(await createProxyMetrics(state, unrouted).metrics());
    expect(s.get(`vortex_requests_total{app="${UNROUTED_APP}",code="404"}`)).toBe(1);
    expect(s.get(`vortex_proxy_errors_total{app="${UNROUTED_APP}",kind="no_route"}`)).toBe(1);
    expect(s.get(`vortex_request_duration_seconds_count{app="${UNROUTED_APP}"}`)).toBe(1);
    expect(s.has(`vortex_backends{app="${UNROUTED_APP}",state="ready"}`)).toBe(false);
  });

  it('drops the series of an app removed by a reload', async () => {
    const state = proxyState();
    const registry = createProxyMetrics(state);
    state.apps.get('api')!.stats.countStatus(503);
    expect(samples(await registry.metrics()).get('vortex_requests_total{app="api",code="503"}')).toBe(1);
    state.applyConfig(testConfig('node', [{ name: 'web', upstreams: UPSTREAMS }]));
    const text = await registry.metrics();
    expect(text).not.toContain('app="api"');
    expect(text).toContain('app="web"');
  });
});
