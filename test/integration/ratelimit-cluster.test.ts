/**
 * `ratelimiter.scope: cluster` end to end: two real proxies (node engine) in one process on one
 * EmbeddedStore, a real backend, the client picked from X-Forwarded-For (127.0.0.1 is trusted).
 * Limit 20 per 10 s: what proxy A admitted is refused at proxy B once B folded A's counts.
 */
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { registerRateLimitSyncMetrics } from '../../proxy/cluster-rate-limit/sync-metrics.js';
import { GLOBAL_SCOPE, appScope } from '../../proxy/cluster-rate-limit/scopes.js';
import { startProxy } from '../../proxy/proxy-server.js';
import type { ProxyLogger, RunningProxy } from '../../proxy/proxy-server.js';
import { keys } from '../../store/keys.js';
import type { Store } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { testConfig } from '../helpers/proxy-harness.js';
import type { TestApp } from '../helpers/proxy-harness.js';
import { httpBackend } from '../helpers/upstream-servers.js';

const CLIENT = '198.51.100.7';

async function backendApp(appLimit?: { ratelimit: number; ratewindow: string }): Promise<TestApp> {
  const backend = await httpBackend((_req, res) => res.end('ok'));
  onTestFinished(() => backend.close());
  return { name: 'web', upstreams: [`127.0.0.1:${backend.port}`], ...(appLimit === undefined ? {} : { ratelimiter: appLimit }) };
}

async function proxyOn(store: Store, proxyId: string, app: TestApp, scope: 'local' | 'cluster', logger?: ProxyLogger, workers = 1): Promise<RunningProxy> {
  const config = testConfig(workers > 1 ? 'uws' : 'node', [app], {
    proxy: { trusted_proxies: ['127.0.0.1/32'], workers },
    ratelimiter: { ratelimit: 20, ratewindow: '10s', scope, sync_interval: '100ms' },
  });
  const proxy = await startProxy({ config, store, proxyId, ...(logger === undefined ? {} : { logger }) });
  onTestFinished(() => proxy.destroy());
  return proxy;
}

/** Sends `n` requests from `client` one after another; returns how many got each status. */
async function send(proxy: RunningProxy, n: number, client = CLIENT): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  for (let i = 0; i < n; i++) {
    const response = await fetch(`http://127.0.0.1:${proxy.port}/`, { headers: { 'x-forwarded-for': client }, signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  }
  return statuses;
}

/**
 * What `proxy` knows the other proxies admitted for `client`, over both buckets: the clock is real, so
 * a 10 s bucket edge can pass between a send and the check, moving the counts from `curr` to `prev`.
 */
function remote(proxy: RunningProxy, scope = GLOBAL_SCOPE, client = CLIENT): number | undefined {
  const totals = proxy.rateLimitSync?.remoteTotals(scope, client);
  return totals === undefined ? undefined : totals.prev + totals.curr;
}

describe('rate limiting across proxies (scope: cluster)', () => {
  it("holds the limit across two proxies; a closed proxy's counts vanish with its lease", async () => {
    const { store } = await openTestStore();
    const app = await backendApp();
    const a = await proxyOn(store, 'proxy-a', app, 'cluster');
    const b = await proxyOn(store, 'proxy-b', app, 'cluster');

    expect(await send(a, 15)).toEqual({ 200: 15 });
    await eventually(() => expect(remote(b)).toBe(15));
    // 15 remote + 5 own = 20. A 10 s bucket edge passing during the test fades A's 15 by its elapsed
    // share, so up to one more may pass (the edge would have to be over 0.7 s ago for a second one).
    const atB = await send(b, 10);
    expect(atB[200]).toBeGreaterThanOrEqual(5);
    expect(atB[200]).toBeLessThanOrEqual(6);
    expect(atB[429]).toBe(10 - atB[200]!);
    // And A sees B's admissions in turn.
    await eventually(() => expect(remote(a)).toBe(atB[200]));
    expect((await send(a, 3))[429]).toBe(3);

    const published = (await store.range(prefixRange(keys.rateLimitAll))).kvs.map((kv) => kv.key.toString());
    expect(published).toEqual([keys.rateLimit(GLOBAL_SCOPE, 'proxy-a'), keys.rateLimit(GLOBAL_SCOPE, 'proxy-b')]);
    const registry = new Registry();
    registerRateLimitSyncMetrics(registry, b.rateLimitSync!);
    const exposition = await registry.metrics();
    expect(exposition).toMatch(/^vortex_ratelimit_sync_published_total [1-9]/m);
    expect(exposition).toMatch(/^vortex_ratelimit_sync_folded_total [1-9]/m);
    expect(exposition).toMatch(/^vortex_ratelimit_sync_publish_failures_total 0$/m);

    await a.close();
    await eventually(() => expect(remote(b)).toBe(0));
    expect(b.rateLimitSync?.peers(GLOBAL_SCOPE)).toEqual([]);
    expect((await send(b, 20))[200]).toBe(20 - atB[200]!);
  });

  it('with worker threads: what every worker admits is published, and what the other proxy admits reaches every worker', async () => {
    const { store } = await openTestStore();
    const app = await backendApp();
    const a = await proxyOn(store, 'proxy-a', app, 'cluster', undefined, 2);
    const b = await proxyOn(store, 'proxy-b', app, 'cluster');

    // Fresh connections each time (fetch's pool is per origin, so force new ones): both workers serve some.
    expect(await send(a, 12)).toEqual({ 200: 12 });
    await eventually(() => expect(remote(b)).toBe(12));
    const atB = await send(b, 10);
    expect(atB[200]).toBeGreaterThanOrEqual(8);
    expect(atB[200]).toBeLessThanOrEqual(9);
    await eventually(() => expect(remote(a)).toBe(atB[200]));
    // Whichever worker takes them, A now refuses: the folded counts live in the table both share.
    expect((await send(a, 4))[429]).toBe(4);
  });

  it('with scope: local each proxy counts alone, so B admits the full limit again', async () => {
    const { store } = await openTestStore();
    const app = await backendApp();
    const a = await proxyOn(store, 'proxy-a', app, 'local');
    const b = await proxyOn(store, 'proxy-b', app, 'local');
    expect(a.rateLimitSync).toBeNull();
    expect(await send(a, 15)).toEqual({ 200: 15 });
    expect(await send(b, 21)).toEqual({ 200: 20, 429: 1 });
    expect((await store.range(prefixRange(keys.rateLimitAll))).kvs).toEqual([]);
  });

  it("shares an app's own limiter under its own scope", async () => {
    const { store } = await openTestStore();
    const app = await backendApp({ ratelimit: 6, ratewindow: '10s' });
    const a = await proxyOn(store, 'proxy-a', app, 'cluster');
    const b = await proxyOn(store, 'proxy-b', app, 'cluster');
    expect(await send(a, 4)).toEqual({ 200: 4 });
    await eventually(() => expect(remote(b, appScope('web'))).toBe(4));
    const atB = await send(b, 4);
    expect(atB[200]).toBeGreaterThanOrEqual(2);
    expect(atB[200]).toBeLessThanOrEqual(3);
    expect(remote(b, GLOBAL_SCOPE)).toBe(4);
  });

  it('keeps serving and limiting locally when the store goes away mid-run, and says so once', async () => {
    const { store } = await openTestStore();
    const app = await backendApp();
    const warnings: string[] = [];
    const logger: ProxyLogger = { info: () => {}, warn: (_fields, message) => warnings.push(message) };
    const a = await proxyOn(store, 'proxy-a', app, 'cluster', logger);
    const b = await proxyOn(store, 'proxy-b', app, 'cluster');
    expect(await send(a, 15)).toEqual({ 200: 15 });
    await eventually(() => expect(remote(b)).toBe(15));

    await store.close();
    await eventually(() => expect(a.rateLimitSync?.publishFailures).toBeGreaterThan(1));
    // Still limited with what B last knew of A, and A limits on its own counts.
    const atB = await send(b, 10);
    expect(atB[200]).toBeLessThanOrEqual(6);
    // 15 own + 5 = 20; a bucket edge in between fades the 15 and lets one more through, as above.
    const atA = await send(a, 10);
    expect(atA[200]).toBeGreaterThanOrEqual(5);
    expect(atA[200]).toBeLessThanOrEqual(6);
    expect(atA[429]).toBe(10 - atA[200]!);
    // A fresh client is served in full, then refused, at each proxy alone.
    expect(await send(a, 21, '203.0.113.9')).toEqual({ 200: 20, 429: 1 });
    expect(await send(b, 21, '203.0.113.9')).toEqual({ 200: 20, 429: 1 });
    expect(warnings.filter((m) => m.startsWith('cluster rate limit: cannot publish'))).toHaveLength(1);
  });
});
