/**
 * `proxy.workers: 2` end to end: two uWS worker threads on one port in front of real backends, the
 * shared round-robin counter, the shared limiter table, the counters the main thread sums for
 * /metrics and telemetry, the scale-from-zero demand signal, graceful close, and a crashed worker.
 */
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import type { ProxyLogger } from '../../proxy/proxy-server.js';
import { createProxyMetrics } from '../../proxy/metrics.js';
import { Telemetry } from '../../proxy/telemetry.js';
import { roundRobinCell } from '../../proxy/workers/shared-layout.js';
import { keys } from '../../store/keys.js';
import { ClientMetrics, clientMetricsId } from '../../store/records/client-metrics.js';
import { Records } from '../../store/records/records.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { testConfig, testProxy } from '../helpers/proxy-harness.js';
import type { TestApp } from '../helpers/proxy-harness.js';
import { tempDir } from '../helpers/temp-dir.js';
import { httpBackend, startBackend } from '../helpers/upstream-servers.js';
import { startVortex } from '../helpers/vortex-process.js';

/** Keep-alive connections the load spreads over: with SO_REUSEPORT each lands on either worker. */
const CONNECTIONS = 32;

/** `n` GETs to `path` over CONNECTIONS keep-alive connections; resolves with the status and body of each. */
async function load(port: number, n: number, path = '/'): Promise<Array<{ status: number; body: string }>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    return await Promise.all(Array.from({ length: n }, () => get(port, path, agent)));
  } finally {
    agent.destroy();
  }
}

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, ...(agent === undefined ? {} : { agent }), timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

/** A backend answering with its name; counts what it served. */
async function namedBackend(name: string): Promise<{ address: string; served: () => number }> {
  let served = 0;
  const backend = await startBackend(
    httpBackend((_req, res) => {
      served++;
      res.end(name);
    }),
  );
  return { address: `127.0.0.1:${backend.port}`, served: () => served };
}

function recordingLogger(): ProxyLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (_f, m) => lines.push(m), warn: (_f, m) => lines.push(m) };
}

async function workersProxy(apps: TestApp[], extra: Parameters<typeof testConfig>[2] = {}, logger?: ProxyLogger) {
  const config = testConfig('uws', apps, { ...extra, proxy: { workers: 2, ...extra.proxy } });
  const { store } = await openTestStore();
  const proxy = await testProxy(config, store, logger);
  expect(proxy.workers?.threads()).toHaveLength(2);
  return { proxy, store };
}

describe('proxy.workers: 2', () => {
  it('balances three backends exactly evenly across both workers, and /metrics and telemetry count every request', async () => {
    const backends = await Promise.all(['b0', 'b1', 'b2'].map(namedBackend));
    const { proxy, store } = await workersProxy([{ name: 'web', upstreams: backends.map((b) => b.address) }]);
    const telemetry = new Telemetry({ store, source: proxy.state, proxyId: 'p', intervalMs: 200 });
    onTestFinished(() => telemetry.stop());
    telemetry.start();
    const watcher = store.watch({ key: keys.metrics('web', 'p') });
    onTestFinished(() => watcher.cancel());
    let published = 0;
    void (async () => {
      for await (const batch of watcher) {
        for (const event of batch.events) {
          if (event.type !== 'put') continue;
          const record = ClientMetrics.schema.parse(JSON.parse(event.kv.value.toString('utf8')));
          published += Math.round((record.rps * record.windowMs) / 1000);
        }
      }
    })();

    const replies = await load(proxy.port, 600);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    // Both workers took connections (the kernel spreads them; 32 all on one side is a 2^-31 event).
    const perWorker = proxy.workers!.responsesByWorker();
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(600);
    // One Atomics counter for the app: the 600 picks took the values 0..599 whichever worker made
    // them, so each backend got exactly 600 / 3 (no retries: every backend answers).
    expect(backends.map((b) => b.served())).toEqual([200, 200, 200]);
    const fleet = proxy.workers!;
    expect(Atomics.load(roundRobinCell(fleet.layout, fleet.memory.apps.get('web')!), 0)).toBe(600);
    expect(replies.filter((r) => r.body === 'b0')).toHaveLength(200);

    const metrics = await createProxyMetrics(proxy.state, proxy.core.unrouted).metrics();
    expect(metrics).toContain('vortex_requests_total{app="web",code="200"} 600');
    expect(metrics).toContain('vortex_request_duration_seconds_count{app="web"} 600');
    await eventually(() => expect(published).toBe(600), { timeoutMs: 10_000 });
    const record = await new Records(store).get(ClientMetrics, clientMetricsId('web', 'p'));
    expect(record?.record.backends).toEqual(Object.fromEntries(backends.map((b) => [b.address, 0])));
  });

  it('holds the per-IP limit across workers: exactly 50 of 200 requests pass, the rest get 429', async () => {
    const backend = await namedBackend('b');
    const { proxy } = await workersProxy([{ name: 'web', upstreams: [backend.address] }], { ratelimiter: { ratelimit: 50, ratewindow: '24h' } });
    const replies = await load(proxy.port, 200);
    const byStatus = replies.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ 200: 50, 429: 150 });
    expect(proxy.workers!.responsesByWorker().every((n) => n > 0)).toBe(true);
    expect(backend.served()).toBe(50);
  });

  it('publishes a request held for an app at zero at once, and sends it on when a backend appears', async () => {
    const backend = await namedBackend('late');
    const { proxy, store } = await workersProxy([{ name: 'zero' }]);
    // A long interval: after the first tick only the demand signal can publish before the deadline.
    const telemetry = new Telemetry({ store, source: proxy.state, proxyId: 'p', intervalMs: 60_000 });
    onTestFinished(() => telemetry.stop());
    telemetry.start();
    const records = new Records(store);
    await eventually(async () => expect((await records.get(ClientMetrics, clientMetricsId('zero', 'p')))?.record.waiting).toBe(0));

    const held = get(proxy.port, '/');
    await eventually(async () => expect((await records.get(ClientMetrics, clientMetricsId('zero', 'p')))?.record.waiting).toBe(1), { timeoutMs: 3_000 });
    await store.put(keys.router('zero'), Buffer.from(JSON.stringify([backend.address])));
    expect(await held).toEqual({ status: 200, body: 'late' });
  });

  it('close() stops accepting on every worker and waits for a slow in-flight request', async () => {
    let release: (() => void) | null = null;
    const backend = await startBackend(
      httpBackend((req, res) => {
        if (req.url === '/slow') release = () => res.end('slow');
        else res.end('ok');
      }),
    );
    const { proxy } = await workersProxy([{ name: 'web', upstreams: [`127.0.0.1:${backend.port}`] }]);
    const slow = get(proxy.port, '/slow');
    await eventually(() => expect(release).not.toBeNull());
    let closed = false;
    const closing = proxy.close().then(() => (closed = true));
    // Every worker closed its listener: new connections are refused while the slow request runs.
    await eventually(async () => expect(get(proxy.port, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' }));
    expect(closed).toBe(false);
    expect(proxy.ready()).toBe(false);
    release!();
    expect(await slow).toEqual({ status: 200, body: 'slow' });
    await closing;
    expect(proxy.workers!.threads().every((t) => t.worker === null)).toBe(true);
  });

  it('restarts a worker that crashed, without taking the process down', async () => {
    const backend = await namedBackend('b');
    const logger = recordingLogger();
    const { proxy } = await workersProxy([{ name: 'web', upstreams: [backend.address] }], {}, logger);
    const victim = proxy.workers!.threads()[0]!.worker!;
    // A malformed router message (a bug in the main thread) throws inside the worker's handler.
    victim.postMessage({ type: 'router', version: 99, app: 'web', addresses: null, slots: { released: [], apps: [], backends: [], limiters: null } });
    await eventually(() => expect(proxy.workers!.threads()[0]).toMatchObject({ listening: true, restarts: 1 }));
    expect(proxy.workers!.threads()[0]!.worker).not.toBe(victim);
    expect(logger.lines).toContain('proxy worker hit an uncaught error; it closed its listener and exits');
    expect(logger.lines).toContain('proxy worker exited; restarting it');
    const replies = await load(proxy.port, 60);
    expect(replies.every((r) => r.status === 200 && r.body === 'b')).toBe(true);
  });
});

describe('one port, one proxy', () => {
  it('a second proxy on a port in use fails to listen, with or without workers', async () => {
    const backend = await namedBackend('b');
    const apps = [{ name: 'web', upstreams: [backend.address] }];
    const single = await testProxy(testConfig('uws', apps));
    const listen = { listen: `127.0.0.1:${single.port}` };
    await expect(testProxy(testConfig('uws', apps, { proxy: listen }))).rejects.toThrow(`uWS could not listen on 127.0.0.1:${single.port}`);
    await expect(testProxy(testConfig('uws', apps, { proxy: { ...listen, workers: 2 } }))).rejects.toThrow('EADDRINUSE');
    await single.close();

    const { proxy: fleet } = await workersProxy(apps);
    const taken = { listen: `127.0.0.1:${fleet.port}` };
    await expect(testProxy(testConfig('uws', apps, { proxy: taken }))).rejects.toThrow(`uWS could not listen on 127.0.0.1:${fleet.port}`);
    await expect(testProxy(testConfig('uws', apps, { proxy: { ...taken, workers: 2 } }))).rejects.toThrow('EADDRINUSE');
    expect((await load(fleet.port, 10)).every((r) => r.body === 'b')).toBe(true);
  });
});

describe('vortex up with proxy.workers: 2', () => {
  it('serves through the workers, reloads them on SIGHUP, and exits 0 on SIGTERM', async () => {
    const dir = await tempDir();
    const file = join(dir, 'vortex.yaml');
    const web = await namedBackend('web');
    const api = await namedBackend('api');
    const doc = (apps: unknown[]): string =>
      stringify({
        proxy: { listen: '127.0.0.1:0', workers: 2, shutdown_timeout: '2s' },
        admin: { listen: '127.0.0.1:0' },
        store: { data_dir: join(dir, 'data') },
        apps,
      });
    const staticApp = (name: string, upstream: string, prefix: string) => ({ name, match: { path_prefix: prefix }, backend: { plugin: 'static', upstreams: [upstream] } });
    await writeFile(file, doc([staticApp('web', web.address, '/')]));
    const up = await startVortex(['up', '-c', file], /^vortex up: proxy on /);
    onTestFinished(() => up.stop('SIGKILL').then(() => undefined));
    const [, proxyUrl, adminUrl] = /proxy on (http:\/\/[^,]+), admin on (http:\/\/[^,]+)/.exec(up.ready)!;
    const port = Number(new URL(proxyUrl!).port);
    expect((await load(port, 40, '/api/x')).every((r) => r.body === 'web')).toBe(true);
    const metrics = await (await fetch(`${adminUrl!}/metrics`)).text();
    expect(metrics).toContain('vortex_requests_total{app="web",code="200"} 40');

    await writeFile(file, doc([staticApp('web', web.address, '/'), staticApp('api', api.address, '/api')]));
    up.child.kill('SIGHUP');
    // Every worker applied the reload: all of many requests over many connections reach the new app.
    await eventually(async () => expect((await load(port, 40, '/api/x')).every((r) => r.body === 'api')).toBe(true));

    expect(await up.stop('SIGTERM')).toBe(0);
    expect(up.stderr()).toContain('"msg":"stopped"');
  });
});
