/**
 * The leading Scaler on a real store, driven only by records as proxies and operators write them:
 * scale from zero on a held request (issue 6, scenario 6b, the scaler's half), load summed over
 * proxies with a dead proxy's numbers vanishing with its lease, and a manual target that holds until
 * its key is deleted.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../../config/resolve.js';
import { Scaler } from '../../scaler/scaler.js';
import { keys } from '../../store/keys.js';
import type { ClientMetricsValue } from '../../store/records/client-metrics.js';
import { ClientMetrics } from '../../store/records/client-metrics.js';
import { Records } from '../../store/records/records.js';
import { ScaleEvent } from '../../store/records/scale-event.js';
import { ManualScale, ScaleJob } from '../../store/records/scale-job.js';
import type { Store } from '../../store/store.js';
import { testApp } from '../helpers/app-config.js';
import { openTestStore } from '../helpers/embedded-store.js';
import { eventually } from '../helpers/eventually.js';

async function leadingScaler(store: Store, apps: AppConfig[]): Promise<Scaler> {
  const scaler = new Scaler({ store, id: 'scaler-a', config: { apps } });
  onTestFinished(() => scaler.close());
  scaler.start();
  await eventually(() => expect(scaler.isLeader).toBe(true));
  return scaler;
}

/** Publishes one proxy's report for `app` under `lease`, as the proxy's telemetry does. */
async function report(records: Records, app: string, proxyId: string, lease: string, fields: Partial<ClientMetricsValue>): Promise<void> {
  await records.put(
    ClientMetrics,
    { id: `${app}:${proxyId}`, app, proxyId, rps: 0, inflight: 0, p50Ms: 1, p99Ms: 2, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: Date.now(), backends: {}, ...fields },
    { lease },
  );
}

async function target(records: Records, app: string): Promise<number | undefined> {
  return (await records.get(ScaleJob, app))?.record.targetReplicas;
}

describe('scaler decisions through the store', () => {
  it('a held request at zero replicas sets the target to 1 at once, with no grace period', async () => {
    const { store } = await openTestStore();
    const records = new Records(store);
    // A one-minute grace period: only the wake-from-zero rule can answer within the wait below.
    await leadingScaler(store, [testApp('cold', { min_replicas: 0, scaling: { scale_up_grace_period: 60_000 } })]);
    await eventually(async () => expect(await target(records, 'cold')).toBe(0));
    const lease = (await store.grant(5)).id;
    await report(records, 'cold', 'proxy-1', lease, { waiting: 1 });
    await eventually(async () => expect((await records.get(ScaleJob, 'cold'))?.record).toMatchObject({ targetReplicas: 1, issuedBy: 'scaler-a' }), { timeoutMs: 2_000 });
    const events = (await records.list(ScaleEvent)).map((stored) => stored.record.message);
    expect(events).toEqual(['none → 0: no live metrics; hold at 0', '0 → 1: rps 0.0 / 100 per replica → 0; 1 held at zero replicas → 1 at once']);
  });

  it('sums the load of every proxy, and a dead proxy’s load vanishes with its lease', async () => {
    const { store } = await openTestStore();
    const records = new Records(store);
    await leadingScaler(store, [testApp('hello', { min_replicas: 1, scaling: { scale_up_grace_period: 0, scale_down_cooldown: 0, scaledownnumber: 10 } })]);
    const [lease1, lease2] = [(await store.grant(5)).id, (await store.grant(5)).id];
    await report(records, 'hello', 'proxy-1', lease1, { rps: 250 });
    await report(records, 'hello', 'proxy-2', lease2, { rps: 250 });
    await eventually(async () => expect(await target(records, 'hello')).toBe(5));
    await store.revoke(lease2);
    await eventually(async () => expect(await target(records, 'hello')).toBe(3));
  });

  it('a ManualScale holds until its key is deleted, then the policy decides again', async () => {
    const { store } = await openTestStore();
    const records = new Records(store);
    await leadingScaler(store, [testApp('hello', { scaling: { scale_up_grace_period: 0, scale_down_cooldown: 0 } })]);
    const lease = (await store.grant(5)).id;
    await report(records, 'hello', 'proxy-1', lease, { rps: 200 });
    await eventually(async () => expect(await target(records, 'hello')).toBe(2));
    await records.put(ManualScale, { app: 'hello', replicas: 6, setAt: Date.now() });
    await eventually(async () => expect((await records.get(ScaleJob, 'hello'))?.record).toMatchObject({ targetReplicas: 6, reason: 'manual 6' }));
    await report(records, 'hello', 'proxy-1', lease, { rps: 900 });
    await records.delete(ManualScale, 'hello');
    await eventually(async () => expect(await target(records, 'hello')).toBe(9));
  });

  it('a new leader resumes from the stored ScaleJob instead of starting over', async () => {
    const { store } = await openTestStore();
    const records = new Records(store);
    await records.put(ScaleJob, { app: 'hello', targetReplicas: 4, reason: 'earlier leader', issuedAt: Date.now(), issuedBy: 'scaler-old' });
    await store.put(keys.metrics('hello', 'not-json'), 'garbage');
    await leadingScaler(store, [testApp('hello', { scaling: { scale_down_cooldown: 60_000 } })]);
    const lease = (await store.grant(5)).id;
    await report(records, 'hello', 'proxy-1', lease, { rps: 10 });
    // Within the earlier leader's cooldown nothing may shrink the app; a write would show as a new event.
    await report(records, 'hello', 'proxy-1', lease, { rps: 20 });
    await eventually(async () => expect((await records.get(ClientMetrics, 'hello:proxy-1'))?.record.rps).toBe(20));
    expect((await records.get(ScaleJob, 'hello'))?.record).toMatchObject({ targetReplicas: 4, issuedBy: 'scaler-old' });
    expect(await records.list(ScaleEvent)).toEqual([]);
  });
});
