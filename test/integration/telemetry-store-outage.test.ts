/**
 * A store outage seen by a proxy on a remote store (EtcdStore over gRPC to a served EmbeddedStore):
 * traffic goes on, /readyz turns 503 while the router watch is down, telemetry fails with back-off,
 * and both recover when the store server returns on the same address.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { registerProbes } from '../../proxy/admin-probes.js';
import { startAdminServer } from '../../proxy/admin-server.js';
import { createProxyMetrics } from '../../proxy/metrics.js';
import { startProxy } from '../../proxy/proxy-server.js';
import { RETRY_MAX_MS, Telemetry } from '../../proxy/telemetry.js';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import { serveStore } from '../../store/grpc/server.js';
import type { StoreServer } from '../../store/grpc/server.js';
import { keys } from '../../store/keys.js';
import { prefixRange } from '../../store/store.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';
import { testConfig } from '../helpers/proxy-harness.js';
import { httpBackend } from '../helpers/upstream-servers.js';

describe('telemetry and readiness through a store outage', () => {
  it('keeps serving, reports not ready, and resumes publishing when the store returns', async () => {
    const { store: embedded } = await openTestStore();
    let server: StoreServer | null = await serveStore(embedded, { host: '127.0.0.1', port: 0 });
    const port = server.port;
    onTestFinished(() => server?.close());
    const backend = await httpBackend((_req, res) => res.end('ok'));
    onTestFinished(() => backend.close());
    const remote = new EtcdStore({ endpoints: [`127.0.0.1:${port}`], callTimeoutMs: 1000 });
    onTestFinished(() => remote.close());

    const proxy = await startProxy({ config: testConfig('node', [{ name: 'web', upstreams: [`127.0.0.1:${backend.port}`] }]), store: remote });
    onTestFinished(() => proxy.destroy());
    const telemetry = new Telemetry({ store: remote, source: proxy.state, proxyId: 'outage', intervalMs: 200 });
    onTestFinished(() => telemetry.stop());
    telemetry.start();
    const admin = await startAdminServer({ host: '127.0.0.1', port: 0 });
    onTestFinished(() => admin.close());
    registerProbes(admin, { registry: createProxyMetrics(proxy.state), checks: [{ name: 'proxy', ok: () => proxy.ready() }] });
    const readyz = async () => (await fetch(`http://127.0.0.1:${admin.port}/readyz`)).status;
    const served = async () => (await fetch(`http://127.0.0.1:${proxy.port}/`)).status;
    const records = async () => (await embedded.range(prefixRange(keys.metricsAll))).kvs.length;

    await eventually(async () => expect(await records()).toBe(1));
    expect(await readyz()).toBe(200);

    await server.close();
    server = null;
    await eventually(async () => expect(await readyz()).toBe(503), { timeoutMs: 10_000 });
    await eventually(() => expect(telemetry.failures).toBeGreaterThan(0), { timeoutMs: 10_000 });
    expect(await served()).toBe(200);

    // The lease expires while the store is unreachable from the proxy (TTL 2 s at a 200 ms interval).
    await eventually(async () => expect(await records()).toBe(0), { timeoutMs: 10_000, intervalMs: 200 });

    server = await serveStore(embedded, { host: '127.0.0.1', port });
    await eventually(async () => expect(await readyz()).toBe(200), { timeoutMs: 20_000, intervalMs: 200 });
    await eventually(async () => expect(await records()).toBe(1), { timeoutMs: 20_000, intervalMs: 200 });
    // The record can land in a cycle that still fails afterwards (its sweep, or a reply slower than the
    // 1 s call timeout on a busy machine); the next cycle, at most RETRY_MAX_MS later, completes.
    await eventually(() => expect(telemetry.failures).toBe(0), { timeoutMs: RETRY_MAX_MS + 5_000, intervalMs: 200 });
    expect(await served()).toBe(200);
  });
});
