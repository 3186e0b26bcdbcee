/**
 * Telemetry end to end in one process: a real proxy (node engine) with a real backend, a real
 * EmbeddedStore in a temp dir, and the Telemetry publisher on the system clock.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startProxy } from '../../proxy/proxy-server.js';
import { Telemetry } from '../../proxy/telemetry.js';
import { keys } from '../../store/keys.js';
import { ClientMetrics, clientMetricsId } from '../../store/records/client-metrics.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import { Records } from '../../store/records/records.js';
import type { Store } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { testConfig } from '../helpers/proxy-harness.js';
import { httpBackend } from '../helpers/upstream-servers.js';

const PROXY_ID = 'itest-proxy';

async function running(store: Store, apps: Parameters<typeof testConfig>[1], intervalMs: number) {
  const proxy = await startProxy({ config: testConfig('node', apps), store });
  onTestFinished(() => proxy.destroy());
  const telemetry = new Telemetry({ store, source: proxy.state, proxyId: PROXY_ID, intervalMs });
  onTestFinished(() => telemetry.stop());
  telemetry.start();
  const records = new Records(store);
  const read = async (app: string): Promise<ClientMetricsValue | undefined> => (await records.get(ClientMetrics, clientMetricsId(app, PROXY_ID)))?.record;
  return { proxy, telemetry, read, base: `http://127.0.0.1:${proxy.port}` };
}

describe('proxy telemetry against a real store', () => {
  it('publishes what the proxy served, in-flight per backend, and revokes the records on close', async () => {
    const { store } = await openTestStore();
    let release: (() => void) | null = null;
    const backend = await httpBackend((req, res) => {
      if (req.url === '/slow') release = () => res.end('slow');
      else res.end('ok');
    });
    onTestFinished(() => backend.close());
    const address = `127.0.0.1:${backend.port}`;
    const { telemetry, read, base } = await running(store, [{ name: 'web', upstreams: [address] }], 300);

    for (let i = 0; i < 30; i++) expect((await fetch(`${base}/x`)).status).toBe(200);
    const slow = fetch(`${base}/slow`);
    // The proxy counts the request in flight from when it picks the backend; wait until it arrived there.
    await eventually(() => expect(release).not.toBeNull());
    // Sum the windows until every request shows up; each record covers only its own window.
    const seen = await eventually(async () => {
      const record = await read('web');
      expect(record?.inflight).toBe(1);
      expect(record?.backends).toEqual({ [address]: 1 });
      return record!;
    });
    expect(seen).toMatchObject({ app: 'web', proxyId: PROXY_ID, waiting: 0, errors: {} });
    expect(seen.windowMs).toBeGreaterThan(0);
    release!();
    expect((await slow).status).toBe(200);
    await eventually(async () => expect(await read('web')).toMatchObject({ inflight: 0, backends: { [address]: 0 } }));

    await telemetry.stop();
    expect(await read('web')).toBeUndefined();
    expect((await store.range(prefixRange(keys.metricsAll))).kvs).toEqual([]);
  });

  it('counts a whole burst across windows: the rps of the records adds up to the requests served', async () => {
    const { store } = await openTestStore();
    const backend = await httpBackend((_req, res) => res.end('ok'));
    onTestFinished(() => backend.close());
    const { read, base, telemetry } = await running(store, [{ name: 'web', upstreams: [`127.0.0.1:${backend.port}`] }], 200);
    const watcher = store.watch({ key: keys.metrics('web', PROXY_ID) });
    onTestFinished(() => watcher.cancel());
    let counted = 0;
    const collect = (async () => {
      for await (const batch of watcher) {
        for (const event of batch.events) {
          if (event.type !== 'put') continue;
          const record = JSON.parse(event.kv.value.toString('utf8')) as ClientMetricsValue;
          counted += Math.round((record.rps * record.windowMs) / 1000);
        }
      }
    })();
    for (let i = 0; i < 25; i++) expect((await fetch(`${base}/`)).status).toBe(200);
    await eventually(() => expect(counted).toBe(25), { timeoutMs: 5000 });
    await telemetry.stop();
    watcher.cancel();
    await collect;
    expect(await read('web')).toBeUndefined();
  });

  it('signals demand at once when a request is held for an app scaling from zero', async () => {
    const { store } = await openTestStore();
    const backend = await httpBackend((_req, res) => res.end('woke up'));
    onTestFinished(() => backend.close());
    // A 60 s interval: only the demand hook can publish `waiting` within the test's deadline.
    const { read, base, telemetry } = await running(store, [{ name: 'lazy', min_replicas: 0 }], 60_000);
    await eventually(async () => expect(await read('lazy')).toMatchObject({ waiting: 0 }));
    const cycles = telemetry.cycles;
    const held = fetch(`${base}/`);
    await eventually(async () => expect(await read('lazy')).toMatchObject({ waiting: 1 }), { timeoutMs: 3000 });
    expect(telemetry.cycles).toBe(cycles + 1);
    await store.put(keys.router('lazy'), JSON.stringify([`127.0.0.1:${backend.port}`]));
    const res = await held;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('woke up');
  });
});
