/**
 * `vortex up` and `vortex proxy` as operators run them: their own process from source, a ready line,
 * traffic through the proxy, the admin endpoints, telemetry in the store, SIGHUP reload, SIGTERM.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import { serveStore } from '../../store/grpc/server.js';
import { keys } from '../../store/keys.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import type { Store } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import { tempDir } from '../helpers/temp-dir.js';
import { httpBackend } from '../helpers/upstream-servers.js';
import { runVortex, startVortex } from '../helpers/vortex-process.js';
import type { VortexProcess } from '../helpers/vortex-process.js';

const running: VortexProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
});

/** A backend answering `name` to every request. */
async function namedBackend(name: string): Promise<string> {
  const backend = await httpBackend((_req, res) => res.end(name));
  onTestFinished(() => backend.close());
  return `127.0.0.1:${backend.port}`;
}

/** The proxy and admin base URLs from a ready line. */
function urls(ready: string): { proxy: string; admin: string } {
  const match = /proxy on (http:\/\/[^,]+), admin on (http:\/\/[^,]+)/.exec(ready);
  if (match === null) throw new Error(`no URLs in ${ready}`);
  return { proxy: match[1]!, admin: match[2]! };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

async function metricsRecords(store: Store, app: string): Promise<ClientMetricsValue[]> {
  const { kvs } = await store.range(prefixRange(keys.metricsOfApp(app)));
  return kvs.map((kv) => JSON.parse(kv.value.toString('utf8')) as ClientMetricsValue);
}

function configDoc(dataDir: string, apps: unknown[], extra: Record<string, unknown> = {}): string {
  return stringify({
    proxy: { listen: '127.0.0.1:0', shutdown_timeout: '2s' },
    admin: { listen: '127.0.0.1:0' },
    store: { data_dir: dataDir },
    telemetry: { interval: '200ms' },
    apps,
    ...extra,
  });
}

const staticApp = (name: string, upstream: string, pathPrefix = '/') => ({ name, match: { path_prefix: pathPrefix }, backend: { plugin: 'static', upstreams: [upstream] } });

describe('vortex up', () => {
  it('serves a static app, /metrics, /readyz and telemetry; SIGHUP adds a route, an invalid file is refused; SIGTERM exits 0', async () => {
    const dir = await tempDir();
    const file = join(dir, 'vortex.yaml');
    const web = await namedBackend('web');
    const api = await namedBackend('api');
    const storePort = await freePort();
    const storeSection = { store: { data_dir: join(dir, 'data'), listen: `127.0.0.1:${storePort}` } };
    await writeFile(file, configDoc(join(dir, 'data'), [staticApp('web', web)], storeSection));
    const up = await startVortex(['up', '-c', file], /^vortex up: proxy on /);
    running.push(up);
    expect(up.ready).toMatch(/^vortex up: proxy on http:\/\/127\.0\.0\.1:\d+, admin on http:\/\/127\.0\.0\.1:\d+, store .*\(etcd v3 API on 127\.0\.0\.1:\d+\)$/);
    const { proxy, admin } = urls(up.ready);

    expect(await get(`${proxy}/api/x`)).toEqual({ status: 200, body: 'web' });
    expect((await get(`${admin}/healthz`)).status).toBe(200);
    expect(await get(`${admin}/readyz`)).toEqual({ status: 200, body: '{"ready":true,"checks":{"proxy":true}}\n' });
    expect((await get(`${admin}/metrics`)).body).toContain('vortex_requests_total{app="web",code="200"} 1');

    const client = new EtcdStore({ endpoints: [`127.0.0.1:${storePort}`] });
    onTestFinished(() => client.close());
    await eventually(async () => expect((await metricsRecords(client, 'web'))[0]).toMatchObject({ app: 'web', inflight: 0 }));

    await writeFile(file, configDoc(join(dir, 'data'), [staticApp('web', web), staticApp('api', api, '/api')], storeSection));
    up.child.kill('SIGHUP');
    await eventually(async () => expect(await get(`${proxy}/api/x`)).toEqual({ status: 200, body: 'api' }));
    await eventually(async () => expect(await metricsRecords(client, 'api')).toHaveLength(1));

    await writeFile(file, 'apps: [\n');
    up.child.kill('SIGHUP');
    await eventually(() => expect(up.stderr()).toContain('SIGHUP: config refused'));
    expect(await get(`${proxy}/api/x`)).toEqual({ status: 200, body: 'api' });
    expect(await get(`${proxy}/`)).toEqual({ status: 200, body: 'web' });

    expect(await up.stop('SIGTERM')).toBe(0);
    expect(up.stderr()).toContain('"msg":"stopped"');
  });
});

describe('vortex reload', () => {
  it('re-reads the file through the admin API: says which apps run and what needs a restart; an invalid file is refused with exit 2 and the old config stays', async () => {
    const dir = await tempDir();
    const file = join(dir, 'vortex.yaml');
    const web = await namedBackend('web');
    const api = await namedBackend('api');
    await writeFile(file, configDoc(join(dir, 'data'), [staticApp('web', web)]));
    const proxyProcess = await startVortex(['proxy', '-c', file], /^vortex proxy: proxy on /);
    running.push(proxyProcess);
    const { proxy, admin } = urls(proxyProcess.ready);

    await writeFile(file, configDoc(join(dir, 'data'), [staticApp('web', web), staticApp('api', api, '/api')], { telemetry: { interval: '2s' } }));
    const done = await runVortex(['reload', '-c', file, '--admin', admin]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toBe(`reloaded ${file}: apps web, api\nthese settings changed but apply only after a restart: telemetry.interval\n`);
    expect(await get(`${proxy}/api/x`)).toEqual({ status: 200, body: 'api' });

    await writeFile(file, 'apps: [\n');
    // Without -c the command reads ./vortex.yaml (the repository's, valid) for nothing but defaults: --admin says where to ask.
    const refused = await runVortex(['reload', '--admin', admin]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`vortex reload: ${file}: invalid YAML`);
    expect(await get(`${proxy}/api/x`)).toEqual({ status: 200, body: 'api' });
  });
});

describe('vortex proxy --store', () => {
  async function remoteStore(): Promise<{ store: Store; endpoint: string }> {
    const { store } = await openTestStore();
    const server = await serveStore(store, { host: '127.0.0.1', port: 0 });
    onTestFinished(() => server.close());
    return { store, endpoint: server.address };
  }

  async function startProxyProcess(endpoint: string, apps: unknown[]): Promise<{ proc: VortexProcess; proxy: string; admin: string }> {
    const dir = await tempDir();
    const file = join(dir, 'vortex.yaml');
    await writeFile(file, configDoc(join(dir, 'unused'), apps));
    const proc = await startVortex(['proxy', '-c', file, '--store', endpoint], /^vortex proxy: proxy on /);
    running.push(proc);
    expect(proc.ready).toContain(`, store ${endpoint}`);
    return { proc, ...urls(proc.ready) };
  }

  it('follows router lists from the remote store, publishes telemetry there, and revokes it on SIGTERM', async () => {
    const { store, endpoint } = await remoteStore();
    const dyn = await namedBackend('dyn');
    const { proc, proxy, admin } = await startProxyProcess(endpoint, [{ name: 'dyn', min_replicas: 1, backend: { plugin: 'docker', image: 'vortex-test/echo:latest' } }]);
    expect((await get(`${proxy}/`)).status).toBe(503);
    await store.put(keys.router('dyn'), JSON.stringify([dyn]));
    await eventually(async () => expect(await get(`${proxy}/`)).toEqual({ status: 200, body: 'dyn' }));
    expect(await get(`${admin}/readyz`)).toEqual({ status: 200, body: '{"ready":true,"checks":{"proxy":true}}\n' });
    await eventually(async () => expect((await metricsRecords(store, 'dyn'))[0]).toMatchObject({ app: 'dyn', backends: { [dyn]: 0 } }));

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(await metricsRecords(store, 'dyn')).toEqual([]);
  });

  it('leaves its records to expire with the lease when it crashes', async () => {
    const { store, endpoint } = await remoteStore();
    const web = await namedBackend('web');
    const { proc } = await startProxyProcess(endpoint, [staticApp('web', web)]);
    await eventually(async () => expect(await metricsRecords(store, 'web')).toHaveLength(1));
    await proc.stop('SIGKILL');
    expect(await metricsRecords(store, 'web')).toHaveLength(1);
    // The lease TTL is 2 s at a 200 ms interval (at least 2 s, three intervals).
    await eventually(async () => expect(await metricsRecords(store, 'web')).toEqual([]), { timeoutMs: 10_000, intervalMs: 200 });
  });
});
