import { describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../config/resolve.js';
import { StaticProvider } from '../plugins/static/static-provider.js';
import type { BackendProvider, ProviderEvent } from '../plugins/provider.js';
import type { ContainerRecordValue } from '../store/records/container-record.js';
import { testApp } from '../test/helpers/app-config.js';
import { eventually } from '../test/helpers/eventually.js';
import { HealthMonitor } from './health-monitor.js';
import type { HealthMonitorOptions } from './health-monitor.js';
import type { ProbeResult } from './readiness.js';

const app: AppConfig = testApp('hello', { health: { path: '/healthz', interval: 20, timeout: 10 } });
const record: ContainerRecordValue = { id: 'hello-a', app: 'hello', status: 'Running', address: '127.0.0.1:3001', plugin: 'process', startedAt: 0 };
const quiet = { info: () => undefined, warn: () => undefined };

/** A monitor whose probe answers from `script` (then keeps the last answer), collecting reports and ticks. */
function monitor(script: boolean[], options: Partial<HealthMonitorOptions> = {}) {
  const reports: string[] = [];
  let ticks = 0;
  let probes = 0;
  const m = new HealthMonitor({
    apps: [app],
    providers: new Map(),
    // As the reconciler does: a reported backend is no longer Running.
    running: () => Promise.resolve(reports.length === 0 ? [record] : []),
    probe: (): Promise<ProbeResult> => {
      const ok = script[Math.min(probes++, script.length - 1)]!;
      return Promise.resolve(ok ? { ok: true } : { ok: false, problem: 'status 503' });
    },
    report: (appName, instanceId, kind, reason) => void reports.push(`${appName}/${instanceId} ${kind}: ${reason}`),
    tick: () => void ticks++,
    logger: quiet,
    ...options,
  });
  onTestFinished(() => m.close());
  return { m, reports, ticks: () => ticks, probes: () => probes };
}

describe('HealthMonitor', () => {
  it('reports a Running backend after unhealthyThreshold failed probes in a row, and ticks every interval', async () => {
    const { m, reports, ticks } = monitor([true, false, false]);
    m.start();
    await eventually(() => expect(reports).toEqual(['hello/hello-a unhealthy: 2 failed health probes (status 503)']), { timeoutMs: 2_000 });
    expect(ticks()).toBeGreaterThanOrEqual(3);
  });

  it('a passing probe in between resets the count', async () => {
    const { m, reports, probes } = monitor([false, true, false, true, false, true, false, true]);
    m.start();
    await eventually(() => expect(probes()).toBeGreaterThanOrEqual(8), { timeoutMs: 2_000 });
    await m.close();
    expect(reports).toEqual([]);
  });

  it("reports a provider's died event for an app it serves at once", async () => {
    const died: ProviderEvent = { type: 'died', instanceId: 'hello-b', id: 'x', app: 'hello', exitCode: 137, at: 0 };
    const base = new StaticProvider({ apps: [], startingPort: 0, stateDir: '/nonexistent', logger: quiet });
    const provider: BackendProvider = Object.assign(Object.create(base) as BackendProvider, {
      async *events(signal: AbortSignal) {
        yield died;
        yield { ...died, app: 'other' }; // not this provider's app in the monitor's map: ignored
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    const { m, reports } = monitor([true], { providers: new Map([['hello', provider]]), apps: [{ ...app, health: { ...app.health, interval: 60_000 } }] });
    m.start();
    await eventually(() => expect(reports).toEqual(['hello/hello-b died: exited with code 137']), { timeoutMs: 2_000 });
  });
});
