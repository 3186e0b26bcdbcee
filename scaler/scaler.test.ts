import { describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../config/resolve.js';
import { ClientMetrics } from '../store/records/client-metrics.js';
import { Records } from '../store/records/records.js';
import { ScaleJob } from '../store/records/scale-job.js';
import { testApp } from '../test/helpers/app-config.js';
import { openTestStore } from '../test/helpers/embedded-store.js';
import { eventually } from '../test/helpers/eventually.js';
import { Scaler } from './scaler.js';

const instant = { scale_up_grace_period: 0, scale_down_cooldown: 0, scaledownnumber: 10 };

async function setup(apps: AppConfig[]) {
  const { store } = await openTestStore();
  const records = new Records(store);
  const scaler = new Scaler({ store, id: 'scaler-a', config: { apps } });
  onTestFinished(() => scaler.close());
  scaler.start();
  await eventually(() => expect(scaler.isLeader).toBe(true));
  const lease = (await store.grant(10)).id;
  const report = (app: string, rps: number) =>
    records.put(ClientMetrics, { id: `${app}:p1`, app, proxyId: 'p1', rps, inflight: 0, p50Ms: 1, p99Ms: 1, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: Date.now(), backends: {} }, { lease });
  const target = async (app: string) => (await records.get(ScaleJob, app))?.record.targetReplicas;
  return { store, records, scaler, report, target };
}

describe('Scaler.applyConfig', () => {
  it('starts deciding for an added app, from its own ScaleJob', async () => {
    const s = await setup([testApp('one', { scaling: instant })]);
    await eventually(async () => expect(await s.target('one')).toBe(1));
    await s.records.put(ScaleJob, { app: 'two', targetReplicas: 3, reason: 'earlier', issuedAt: Date.now() });
    s.scaler.applyConfig({ apps: [testApp('one', { scaling: instant }), testApp('two', { scaling: instant })] });
    await s.report('two', 700);
    await eventually(async () => expect(await s.target('two')).toBe(7));
  });

  it('stops deciding for a removed app and leaves its ScaleJob alone', async () => {
    const s = await setup([testApp('one', { scaling: instant }), testApp('two', { scaling: instant })]);
    await s.report('two', 200);
    await eventually(async () => expect(await s.target('two')).toBe(2));
    s.scaler.applyConfig({ apps: [testApp('one', { scaling: instant })] });
    await s.report('two', 900);
    await s.report('one', 300);
    // Reports are decided in order: once "one" moved, "two"'s report was seen and ignored.
    await eventually(async () => expect(await s.target('one')).toBe(3));
    expect(await s.target('two')).toBe(2);
  });

  it('applies changed limits at once', async () => {
    const s = await setup([testApp('one', { max_replicas: 10, scaling: instant })]);
    await s.report('one', 800);
    await eventually(async () => expect(await s.target('one')).toBe(8));
    s.scaler.applyConfig({ apps: [testApp('one', { max_replicas: 4, scaling: instant })] });
    await eventually(async () => expect((await s.records.get(ScaleJob, 'one'))?.record).toMatchObject({ targetReplicas: 4, reason: 'rps 800.0 / 100 per replica → 8; max_replicas 4' }));
  });

  it('refuses a config naming an unknown policy without changing anything', async () => {
    const s = await setup([testApp('one', { scaling: instant })]);
    const bad = testApp('two', { scaling: { ...instant, policy: 'cpu' as 'rps' } });
    expect(() => s.scaler.applyConfig({ apps: [bad] })).toThrow(expect.objectContaining({ code: 'VX_SCALER_UNKNOWN_POLICY' }));
    await s.report('one', 400);
    await eventually(async () => expect(await s.target('one')).toBe(4));
  });

  it('does no leader work after close()', async () => {
    const s = await setup([testApp('one', { scaling: instant })]);
    await eventually(async () => expect(await s.target('one')).toBe(1));
    await s.scaler.close();
    expect(s.scaler.isLeader).toBe(false);
    const before = await s.store.get('vortex:queue:scale:one');
    await s.report('one', 900);
    await s.report('one', 950);
    expect((await s.store.get('vortex:queue:scale:one'))?.modRevision).toBe(before?.modRevision);
  });
});
