/**
 * The /metrics exposition of a proxy that served real traffic passes `promtool check metrics`
 * (Debian package `prometheus`). Without promtool the test is skipped with one line saying so,
 * unless VORTEX_REQUIRE_PROMTOOL=1 (CI), where a missing promtool is a failure.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { registerProbes } from '../../proxy/admin-probes.js';
import { startAdminServer } from '../../proxy/admin-server.js';
import { createProxyMetrics } from '../../proxy/metrics.js';
import { registerControlPlaneMetrics } from '../../scaler/metrics.js';
import { Records } from '../../store/records/records.js';
import { ScaleJob } from '../../store/records/scale-job.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { freePort } from '../helpers/free-port.js';
import { testConfig, testProxy } from '../helpers/proxy-harness.js';
import { httpBackend } from '../helpers/upstream-servers.js';
import { openClient, refusedStatus, wsBackend } from '../helpers/ws-backend.js';

const required = process.env.VORTEX_REQUIRE_PROMTOOL === '1';
const found = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!found && !required) console.warn('SKIP metrics-promtool: promtool not found (apt-get install prometheus); set VORTEX_REQUIRE_PROMTOOL=1 to make this a failure');

describe('/metrics exposition', () => {
  it('is found when required', () => {
    expect(found || !required, 'VORTEX_REQUIRE_PROMTOOL=1 but promtool is not on PATH (apt-get install prometheus)').toBe(true);
  });

  it.skipIf(!found)('passes promtool check metrics after real traffic', async () => {
    const backend = await httpBackend((req, res) => {
      res.statusCode = req.url === '/web/missing' ? 404 : 200;
      res.end('x');
    });
    onTestFinished(() => backend.close());
    const chat = await wsBackend();
    const closedPort = await freePort();
    const proxy = await testProxy(
      testConfig('node', [
        { name: 'web', path_prefix: '/web', upstreams: [`127.0.0.1:${backend.port}`] },
        { name: 'broken', path_prefix: '/broken', upstreams: [`127.0.0.1:${closedPort}`] },
        { name: 'lazy', path_prefix: '/lazy', min_replicas: 0 },
        { name: 'chat', path_prefix: '/chat', upstreams: [chat.address] },
      ]),
    );
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => admin.close());
    const { store } = await openTestStore();
    await new Records(store).put(ScaleJob, { app: 'web', targetReplicas: 3, reason: 'test', issuedAt: Date.now() });
    const registry = createProxyMetrics(proxy.state, proxy.core.unrouted);
    registerControlPlaneMetrics(registry, { store, isLeader: () => true, storeStats: () => store.stats() });
    registerProbes(admin, { registry, checks: [] });
    const base = `http://127.0.0.1:${proxy.port}`;
    for (const path of ['/web', '/web/a', '/web/missing', '/broken/x', '/nowhere']) await (await fetch(`${base}${path}`)).arrayBuffer();
    await openClient(proxy.port, '/chat');
    expect((await refusedStatus(openClient(proxy.port, '/web/missing'))).status).toBe(404);

    const text = await (await fetch(`http://127.0.0.1:${admin.port}/metrics`)).text();
    expect(text).toContain('vortex_requests_total{app="web",code="200"} 2');
    expect(text).toContain('vortex_requests_total{app="web",code="404"} 2');
    expect(text).toContain('vortex_upstream_errors_total{app="broken",reason="connect_failed"} 1');
    expect(text).toContain('vortex_active_nodes{app="lazy"} 0');
    expect(text).toContain('vortex_requests_total{app="_unrouted",code="404"} 1');
    expect(text).toContain('vortex_websocket_upgrades_total{app="chat",outcome="upgraded"} 1');
    expect(text).toContain('vortex_websocket_upgrades_total{app="web",outcome="refused"} 1');
    expect(text).toContain('vortex_websockets_open{app="chat"} 1');
    expect(text).toContain('vortex_scaler_leader 1');
    expect(text).toContain('vortex_desired_replicas{app="web"} 3');
    expect(text).toMatch(/vortex_store_revision [1-9]/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });
});
