import { describe, expect, it, onTestFinished } from 'vitest';
import type { AppConfig } from '../config/resolve.js';
import { LeaderElection } from '../store/election.js';
import { keys } from '../store/keys.js';
import type { ClientMetricsValue } from '../store/records/client-metrics.js';
import { Records } from '../store/records/records.js';
import { ScaleEvent } from '../store/records/scale-event.js';
import type { ManualScaleValue, ScaleJobValue } from '../store/records/scale-job.js';
import { ScaleJob } from '../store/records/scale-job.js';
import type { Store } from '../store/store.js';
import { testApp } from '../test/helpers/app-config.js';
import { openTestStore } from '../test/helpers/embedded-store.js';
import { eventually } from '../test/helpers/eventually.js';
import { FakeClock } from '../test/helpers/fake-clock.js';
import { AppDecider } from './decider.js';
import { EventSequence } from './event-log.js';
import { MetricsView } from './metrics-view.js';

interface Rig {
  store: Store;
  records: Records;
  clock: FakeClock;
  view: MetricsView;
  election: LeaderElection;
  decider: AppDecider;
  warnings: string[];
  /** A report from proxy `p1` arriving now. */
  report(fields: Partial<ClientMetricsValue>): void;
  job(): Promise<ScaleJobValue | undefined>;
  events(): Promise<string[]>;
}

async function rig(spec: AppConfig, seed: { job?: ScaleJobValue; manual?: ManualScaleValue } = {}): Promise<Rig> {
  const { store } = await openTestStore();
  const records = new Records(store);
  if (seed.job) await records.put(ScaleJob, seed.job);
  const clock = new FakeClock();
  const view = new MetricsView();
  view.watchApp(spec.name);
  const election = new LeaderElection(store, { key: keys.scalerLeader, id: 'scaler-a', ttlSeconds: 5, retryMs: 2_000 });
  election.start();
  onTestFinished(() => election.stop());
  await eventually(() => expect(election.isLeader).toBe(true));
  const warnings: string[] = [];
  const logger = { info: () => undefined, warn: (_fields: Record<string, unknown>, message: string) => void warnings.push(message) };
  const decider = new AppDecider({ spec, store, fence: election, view, clock, events: new EventSequence(), logger, issuedBy: 'scaler-a', seed });
  onTestFinished(() => decider.stop());
  return {
    store,
    records,
    clock,
    view,
    election,
    decider,
    warnings,
    report(fields) {
      const metrics = { id: `${spec.name}:p1`, app: spec.name, proxyId: 'p1', rps: 0, inflight: 0, p50Ms: 1, p99Ms: 1, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: clock.now(), backends: {}, ...fields };
      view.put(keys.metrics(spec.name, 'p1'), metrics, clock.now());
    },
    job: async () => (await records.get(ScaleJob, spec.name))?.record,
    events: async () => (await records.list(ScaleEvent)).map((stored) => stored.record.message),
  };
}

/** Lets pending writes land (the clock is fake, the store is real). */
async function settle(r: Rig): Promise<void> {
  await r.decider.settled();
}

describe('AppDecider', () => {
  it('starts an app without a ScaleJob at min_replicas, with an event', async () => {
    const r = await rig(testApp('hello', { min_replicas: 2 }));
    r.report({ rps: 0 });
    r.decider.decide();
    await settle(r);
    expect(await r.job()).toEqual({ app: 'hello', targetReplicas: 2, reason: 'rps 0.0 / 100 per replica → 0; min_replicas 2', issuedAt: r.clock.now(), issuedBy: 'scaler-a' });
    expect(await r.events()).toEqual(['none → 2: rps 0.0 / 100 per replica → 0; min_replicas 2']);
  });

  it('scales up when the grace period ends, on a timer set for exactly then', async () => {
    const start = new FakeClock().now();
    const r = await rig(testApp('hello'), { job: { app: 'hello', targetReplicas: 1, reason: 'seed', issuedAt: start - 60_000 } });
    r.report({ rps: 480 });
    r.decider.decide();
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(1);
    r.clock.advance(999);
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(1);
    r.clock.advance(1);
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 5, reason: 'rps 480.0 / 100 per replica → 5', issuedAt: start + 1_000 });
    expect(await r.events()).toEqual(['1 → 5: rps 480.0 / 100 per replica → 5']);
  });

  it('writes only when the target changes', async () => {
    const r = await rig(testApp('hello'), { job: { app: 'hello', targetReplicas: 3, reason: 'seed', issuedAt: 0 } });
    const before = await r.store.get(keys.scaleJob('hello'));
    for (let i = 0; i < 20; i++) {
      r.report({ rps: 250 + i });
      r.decider.decide();
      r.clock.advance(100);
    }
    await settle(r);
    expect((await r.store.get(keys.scaleJob('hello')))?.modRevision).toBe(before?.modRevision);
    expect(await r.events()).toEqual([]);
  });

  it('coalesces decisions made while a write is in flight into one write of the newest target', async () => {
    const r = await rig(testApp('hello', { scaling: { scale_up_grace_period: 0, scale_down_cooldown: 0, scaleupnumber: 100, scaledownnumber: 100 } }), {
      job: { app: 'hello', targetReplicas: 1, reason: 'seed', issuedAt: 0 },
    });
    for (const rps of [500, 700, 300, 100, 800]) {
      r.report({ rps });
      r.decider.decide();
    }
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(8);
    expect(await r.events()).toEqual(['1 → 5: rps 500.0 / 100 per replica → 5', '5 → 8: rps 800.0 / 100 per replica → 8']);
  });

  it('resumes from the stored ScaleJob: cooldown counts from its issuedAt', async () => {
    const now = new FakeClock().now();
    const r = await rig(testApp('hello'), { job: { app: 'hello', targetReplicas: 4, reason: 'earlier leader', issuedAt: now - 1_000 } });
    r.report({ rps: 50 });
    r.decider.decide();
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(4);
    for (let i = 0; i < 3; i++) {
      r.clock.advance(1_000);
      r.report({ rps: 50 });
    }
    r.clock.advance(999);
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(4);
    r.clock.advance(1);
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 3, reason: 'rps 50.0 / 100 per replica → 1; step -1' });
  });

  it('goes to zero after scale_to_zero_after counted from the last request, not from the scale-up', async () => {
    const spec = testApp('idle', { min_replicas: 0, scaling: { scale_to_zero_after: 300_000 } });
    const r = await rig(spec, { job: { app: 'idle', targetReplicas: 0, reason: 'seed', issuedAt: 0 } });
    const t0 = r.clock.now();
    r.report({ waiting: 1 });
    r.decider.decide();
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 1, reason: 'rps 0.0 / 100 per replica → 0; 1 held at zero replicas → 1 at once', issuedAt: t0 });
    // Traffic for a minute after the scale-up, then silence (proxies still report every second).
    for (let t = 1_000; t <= 60_000; t += 1_000) {
      r.clock.advance(1_000);
      r.report({ rps: t < 60_000 ? 3 : 0 });
      r.decider.decide();
    }
    const lastRequest = t0 + 59_000;
    r.clock.advance(lastRequest + 300_000 - 1 - r.clock.now());
    r.report({ rps: 0 });
    r.decider.decide();
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(1);
    r.clock.advance(1);
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 0, reason: 'rps 0.0 / 100 per replica → 0; no request for 5m → 0', issuedAt: lastRequest + 300_000 });
  });

  it('counts idle time from its own start when it has seen no request (a new leader knows no history)', async () => {
    const spec = testApp('idle', { min_replicas: 0, scaling: { scale_to_zero_after: 60_000 } });
    const r = await rig(spec, { job: { app: 'idle', targetReplicas: 1, reason: 'earlier leader', issuedAt: 0 } });
    const startedAt = r.clock.now();
    for (let t = 0; t < 60_000; t += 1_000) {
      r.report({ rps: 0 });
      r.decider.decide();
      r.clock.advance(1_000);
    }
    r.report({ rps: 0 });
    r.decider.decide();
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 0, issuedAt: startedAt + 60_000 });
  });

  it('obeys a ManualScale until it is deleted, then the policy resumes', async () => {
    const r = await rig(testApp('hello', { max_replicas: 5 }), { job: { app: 'hello', targetReplicas: 2, reason: 'seed', issuedAt: 0 } });
    r.report({ rps: 200 });
    r.decider.setManual({ app: 'hello', replicas: 7, setAt: 1 });
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 7, reason: 'manual 7' });
    r.report({ rps: 900 });
    r.decider.decide();
    r.clock.advance(10_000);
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(7);
    r.report({ rps: 900 });
    r.decider.setManual(undefined);
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 5, reason: 'rps 900.0 / 100 per replica → 9; max_replicas 5' });
  });

  it('applies a config reload at once', async () => {
    const r = await rig(testApp('hello'), { job: { app: 'hello', targetReplicas: 3, reason: 'seed', issuedAt: 0 } });
    r.report({ rps: 300 });
    r.decider.setSpec(testApp('hello', { min_replicas: 4, max_replicas: 8 }));
    await settle(r);
    expect(await r.job()).toMatchObject({ targetReplicas: 4, reason: 'rps 300.0 / 100 per replica → 3; min_replicas 4' });
  });

  it('writes nothing once leadership is lost: the txn is fenced', async () => {
    const r = await rig(testApp('hello', { scaling: { scale_up_grace_period: 0 } }), { job: { app: 'hello', targetReplicas: 1, reason: 'seed', issuedAt: 0 } });
    await r.election.stop();
    r.report({ rps: 400 });
    r.decider.decide();
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(1);
    expect(await r.events()).toEqual([]);
    expect(r.warnings).toEqual(['scale decision not written']);
  });

  it('stop() clears the timer', async () => {
    const r = await rig(testApp('hello'), { job: { app: 'hello', targetReplicas: 1, reason: 'seed', issuedAt: 0 } });
    r.report({ rps: 480 });
    r.decider.decide();
    await r.decider.stop();
    r.clock.advance(5_000);
    await settle(r);
    expect((await r.job())?.targetReplicas).toBe(1);
  });
});
