/**
 * The reconciler with the process provider running the echo server, on a real EmbeddedStore:
 * scale up through the readiness probe into router:<app>, scale down by draining (out of the router
 * first, stopped only once the proxies report the backend idle), self-healing after a kill from
 * outside, adoption after a restart, and a broken command reported and retried without a crash.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../../config/resolve.js';
import { ProcessProvider } from '../../plugins/process/process-provider.js';
import type { ProviderContext } from '../../plugins/provider.js';
import { StaticProvider } from '../../plugins/static/static-provider.js';
import type { ReconcilerOptions } from '../../scaler/reconciler.js';
import { ContainerRecord } from '../../store/records/container-record.js';
import { appConfigOf } from '../helpers/app-config.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/free-port.js';
import type { ReconcilerHarness } from '../helpers/reconciler-harness.js';
import { containers, echoId, events, reconcilerHarness, reportInflight, router, scaleTo, settledAt, WAIT } from '../helpers/reconciler-harness.js';
import { tempDir } from '../helpers/temp-dir.js';

const echoServer = fileURLToPath(new URL('../images/echo/server.js', import.meta.url));
const quiet: ProviderContext['logger'] = { info: () => undefined, warn: () => undefined };

function echoApp(name: string, command: string[] = [process.execPath, echoServer]): AppConfig {
  return appConfigOf({
    name,
    min_replicas: 0,
    health: { path: '/healthz', interval: '500ms', timeout: '500ms' },
    drain_timeout: '20s',
    backend: { plugin: 'process', command, stop_timeout: '2s' },
  });
}

function processHarness(apps: AppConfig[], options: Partial<ReconcilerOptions> = {}): Promise<ReconcilerHarness> {
  return (async () => {
    const stateDir = await tempDir('vx-reconciler-');
    const startingPort = await freePort();
    return reconcilerHarness(apps, () => new ProcessProvider({ context: { apps, startingPort, stateDir, logger: quiet }, pollIntervalMs: 100 }), options);
  })();
}

describe('reconciler with the process provider', () => {
  it('ScaleJob 3 → three Running backends in router:<app> that answer; ScaleJob 1 → two drain: out of the router first, stopped once idle', async () => {
    const h = await processHarness([echoApp('echo')]);
    await scaleTo(h, 'echo', 3);
    const three = await settledAt(h, 'echo', 3);
    for (const record of three) expect(await echoId(record.address)).toBe(record.id);

    // A proxy has a request in flight on every backend: draining must wait for it.
    await reportInflight(h, 'echo', Object.fromEntries(three.map((record) => [record.address, 1])));
    await scaleTo(h, 'echo', 1);
    const draining = await eventually(async () => {
      const records = await containers(h, 'echo');
      const out = records.filter((record) => record.status === 'Draining');
      expect(out).toHaveLength(2);
      expect(await router(h, 'echo')).toEqual(records.filter((record) => record.status === 'Running').map((record) => record.address));
      return out;
    }, WAIT);
    // Out of the router, yet still running and answering: the in-flight request holds them.
    for (const record of draining) expect(await echoId(record.address)).toBe(record.id);
    // The newest two were chosen.
    const oldest = [...three].sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id))[0]!;
    expect(draining.map((record) => record.id)).not.toContain(oldest.id);

    await reportInflight(h, 'echo', Object.fromEntries(three.map((record) => [record.address, 0])));
    const [kept] = await settledAt(h, 'echo', 1);
    expect(kept!.id).toBe(oldest.id);
    for (const record of draining) expect(await echoId(record.address)).toBeUndefined();
    const kinds = (await events(h, 'echo')).map((event) => event.kind);
    expect(kinds.filter((kind) => kind === 'drain')).toHaveLength(2);
    expect(kinds.filter((kind) => kind === 'stop')).toHaveLength(2);
  });

  it('a backend killed from outside leaves router:<app> and is replaced', async () => {
    const h = await processHarness([echoApp('heal')]);
    await scaleTo(h, 'heal', 2);
    const before = await settledAt(h, 'heal', 2);
    const victim = before[0]!;
    const instance = (await h.provider.list('heal')).find((candidate) => candidate.instanceId === victim.id)!;
    process.kill(Number(instance.labels.pid), 'SIGKILL');

    await eventually(async () => expect(await router(h, 'heal')).not.toContain(victim.address), WAIT);
    const after = await eventually(async () => {
      const records = await settledAt(h, 'heal', 2);
      expect(records.map((record) => record.id)).not.toContain(victim.id);
      return records;
    }, WAIT);
    for (const record of after) expect(await echoId(record.address)).toBe(record.id);
    const healing = (await events(h, 'heal')).filter((event) => event.instanceId === victim.id).map((event) => event.kind);
    expect(healing).toEqual(expect.arrayContaining(['died', 'replace']));
  });

  it('a Running backend that fails its health probes leaves router:<app> and is replaced', async () => {
    const h = await processHarness([echoApp('sick')]);
    await scaleTo(h, 'sick', 1);
    const [sick] = await settledAt(h, 'sick', 1);
    const response = await fetch(`http://${sick!.address}/__health/fail`, { method: 'POST', signal: AbortSignal.timeout(1_000) });
    expect(response.status).toBe(200);
    await eventually(async () => {
      const records = await settledAt(h, 'sick', 1);
      expect(records[0]!.id).not.toBe(sick!.id);
    }, WAIT);
    expect(await echoId(sick!.address)).toBeUndefined(); // stopped, not just unrouted
    const kinds = (await events(h, 'sick')).filter((event) => event.instanceId === sick!.id).map((event) => event.kind);
    expect(kinds).toEqual(expect.arrayContaining(['died', 'replace']));
  });

  it('a static app: router:<app> lists the configured upstreams that answer their health probe, and follows them', async () => {
    let healthy = true;
    const server = createServer((req, res) => void res.writeHead(req.url === '/healthz' && healthy ? 200 : 503).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const up = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const down = `127.0.0.1:${await freePort()}`;
    const app = appConfigOf({ name: 'fixed', health: { path: '/healthz', interval: '200ms', timeout: '200ms' }, backend: { plugin: 'static', upstreams: [up, down] } });
    await reconcilerHarness([app], () => new StaticProvider({ apps: [app], startingPort: 0, stateDir: '/nonexistent', logger: quiet })).then(async (h) => {
      await eventually(async () => expect(await router(h, 'fixed')).toEqual([up]), WAIT);
      healthy = false;
      await eventually(async () => expect(await router(h, 'fixed')).toEqual([]), WAIT);
      healthy = true;
      await eventually(async () => expect(await router(h, 'fixed')).toEqual([up]), WAIT);
      expect(await containers(h, 'fixed')).toEqual([]);
    });
  });

  it('a restarted reconciler adopts what runs: no duplicate, no orphan, stale records dropped, a removed app stopped', async () => {
    const h = await processHarness([echoApp('adopt')], { stopStrays: true });
    await scaleTo(h, 'adopt', 2);
    const before = await settledAt(h, 'adopt', 2);
    await h.reconciler.close();
    // While no reconciler runs: a record whose instance never existed, and an instance nobody recorded.
    await h.records.put(ContainerRecord, { id: 'adopt-stale', app: 'adopt', status: 'Running', address: '127.0.0.1:1', plugin: 'process', startedAt: 1 });
    await h.provider.start({ app: 'adopt', instanceId: 'adopt-unrecorded', config: echoApp('adopt') });
    const retired = await h.provider.start({ app: 'retired', instanceId: 'retired-1', config: echoApp('retired') });
    onTestFinished(() => h.provider.stop(retired, { graceMs: 0 }));
    await h.restart();
    expect(await h.provider.list('retired')).toEqual([]);
    expect(await echoId(retired.address)).toBeUndefined();

    const after = await eventually(async () => {
      const records = await settledAt(h, 'adopt', 2);
      expect(records.map((record) => record.id).sort()).toEqual(before.map((record) => record.id).sort());
      return records;
    }, WAIT);
    for (const record of after) expect(await echoId(record.address)).toBe(record.id);
    const kinds = (await events(h, 'adopt')).map((event) => `${event.kind}:${event.instanceId ?? ''}`);
    expect(kinds).toEqual(expect.arrayContaining(['orphan:adopt-stale', ...before.map((record) => `adopt:${record.id}`)]));
  });

  it('a command that cannot start is an error event with its code, retried with backoff; the other app is served', async () => {
    const h = await processHarness([echoApp('broken', ['/nonexistent/vortex-no-such-binary']), echoApp('fine')]);
    await scaleTo(h, 'broken', 1);
    await scaleTo(h, 'fine', 1);
    const errors = await eventually(async () => {
      const found = (await events(h, 'broken')).filter((event) => event.kind === 'error');
      expect(found.length).toBeGreaterThanOrEqual(3);
      return found;
    }, WAIT);
    expect(errors.every((event) => event.code === 'VX_PROVIDER_START_FAILED')).toBe(true);
    expect(await containers(h, 'broken')).toEqual([]);
    expect(await router(h, 'broken')).toEqual([]);
    await settledAt(h, 'fine', 1);
  });

  it('an instance that exits before it is ready is reported and retried, not routed', async () => {
    const h = await processHarness([echoApp('crashy', [process.execPath, '-e', 'setTimeout(() => process.exit(3), 200)'])]);
    await scaleTo(h, 'crashy', 1);
    await eventually(async () => {
      const found = (await events(h, 'crashy')).filter((event) => event.kind === 'error');
      expect(found.length).toBeGreaterThanOrEqual(2);
    }, WAIT);
    expect(await router(h, 'crashy')).toEqual([]);
  });
});
