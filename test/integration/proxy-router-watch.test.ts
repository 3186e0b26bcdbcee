/**
 * The proxy fed by a real EmbeddedStore: backends come and go through `router:<app>`, on both engines.
 */
import http from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import { keys } from '../../store/keys.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { testConfig, testProxy } from '../helpers/proxy-harness.js';
import { httpBackend } from '../helpers/upstream-servers.js';

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

for (const engine of ['uws', 'node'] as const) {
  describe(`proxy with router lists from the store (${engine})`, () => {
    it('stops sending to a backend once it leaves router:<app>', async () => {
      const { store } = await openTestStore();
      const counts = [0, 0];
      const backends = await Promise.all(counts.map((_, i) => httpBackend((_req, res) => res.end(String(counts[i]!++)))));
      onTestFinished(() => Promise.all(backends.map((b) => b.close())).then(() => undefined));
      const [a, b] = backends.map((x) => `127.0.0.1:${x.port}`) as [string, string];
      await store.put(keys.router('hello'), JSON.stringify([a, b]));
      const proxy = await testProxy(testConfig(engine, [{ name: 'hello', min_replicas: 1 }]), store);
      for (let i = 0; i < 10; i++) expect(await get(proxy.port)).toBe(200);
      expect(counts).toEqual([5, 5]);

      await store.put(keys.router('hello'), JSON.stringify([a]));
      const app = proxy.state.apps.get('hello')!;
      await eventually(() => expect(app.backends.list.map((x) => x.address)).toEqual([a]));
      for (let i = 0; i < 10; i++) expect(await get(proxy.port)).toBe(200);
      expect(counts).toEqual([15, 5]);
      await eventually(() => expect(app.backends.draining.size === 0 || [...app.backends.draining].every((x) => x.state === 'closed')).toBe(true));
    });
  });
}
