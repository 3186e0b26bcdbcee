import { describe, expect, it, onTestFinished } from 'vitest';
import { keys } from '../store/keys.js';
import { ClientMetrics, clientMetricsId } from '../store/records/client-metrics.js';
import { Records } from '../store/records/records.js';
import { prefixRange } from '../store/store.js';
import { openTestStore, recordingLogger } from '../test/helpers/embedded-store.js';
import { eventually } from '../test/helpers/eventually.js';
import { flakyStore } from '../test/helpers/flaky-store.js';
import { FakeClock } from '../test/helpers/fake-clock.js';
import { testConfig } from '../test/helpers/proxy-harness.js';
import type { HeldRequest } from './hold-queue.js';
import { ProxyState } from './proxy-state.js';
import { Telemetry, leaseTtlSeconds } from './telemetry.js';

const PROXY = 'p1';

function proxyState(): ProxyState {
  const state = new ProxyState(
    testConfig('node', [
      { name: 'web', path_prefix: '/', upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'] },
      { name: 'lazy', path_prefix: '/lazy', min_replicas: 0 },
    ]),
  );
  onTestFinished(() => state.destroy());
  return state;
}


async function setup(options: { flaky?: boolean } = {}) {
  const clock = new FakeClock();
  const { store: real } = await openTestStore({ clock });
  const flaky = flakyStore(real);
  const store = options.flaky === true ? flaky.store : real;
  const state = proxyState();
  const logger = { ...recordingLogger(), info: () => {} };
  const telemetry = new Telemetry({ store, source: state, proxyId: PROXY, intervalMs: 1000, clock, logger });
  onTestFinished(() => telemetry.stop());
  const records = new Records(real);
  const step = async (ms: number) => {
    clock.advance(ms);
    await telemetry.idle();
    await new Promise((r) => setImmediate(r));
  };
  const read = async (app: string) => (await records.get(ClientMetrics, clientMetricsId(app, PROXY)))?.record;
  const { setDown } = flaky;
  return { clock, real, store, state, telemetry, step, read, logger, setDown };
}

const held = (): HeldRequest => ({ holdDeadline: 0, onBackendReady: () => {}, onHoldTimeout: () => {} });

describe('Telemetry', () => {
  it('publishes one record per app at once, under one lease', async () => {
    const { telemetry, step, read, real } = await setup();
    telemetry.start();
    await step(0);
    const web = await read('web');
    expect(web).toMatchObject({ app: 'web', proxyId: PROXY, rps: 0, inflight: 0, waiting: 0, windowMs: 1000, errors: {} });
    expect(web?.backends).toEqual({ '127.0.0.1:9001': 0, '127.0.0.1:9002': 0 });
    expect(await read('lazy')).toMatchObject({ app: 'lazy', backends: {} });
    const kvs = (await real.range(prefixRange(keys.metricsAll))).kvs;
    expect(new Set(kvs.map((kv) => kv.lease))).toEqual(new Set([telemetry.leaseId]));
    expect(leaseTtlSeconds(1000)).toBe(3);
  });

  it('reports the window: rps, percentiles, errors, rate-limited, in-flight per backend', async () => {
    const { telemetry, step, read, state, clock } = await setup();
    telemetry.start();
    await step(0);
    const web = state.apps.get('web')!;
    for (let i = 0; i < 18; i++) {
      web.stats.countStatus(200);
      web.stats.observeLatency(2.5);
    }
    web.stats.countStatus(502);
    web.stats.observeLatency(200);
    web.stats.countStatus(503);
    web.stats.observeLatency(0.2);
    web.stats.countError('upstream_reset');
    web.stats.countError('no_backend');
    web.stats.countError('rate_limited');
    web.stats.rateLimited++;
    web.stats.inFlight = 3;
    web.backends.list[0]!.inFlight = 2;
    web.backends.list[1]!.inFlight = 1;
    await step(1000);
    expect(await read('web')).toMatchObject({
      rps: 20,
      inflight: 3,
      p50Ms: 3,
      p99Ms: 250,
      errors: { upstream_reset: 1, no_backend: 1, rate_limited: 1 },
      rateLimited: 1,
      windowMs: 1000,
      at: clock.now(),
      backends: { '127.0.0.1:9001': 2, '127.0.0.1:9002': 1 },
    });
    // The next window starts where this one ended: nothing new, so nothing counted.
    web.backends.list[0]!.inFlight = 0;
    web.backends.list[1]!.inFlight = 0;
    web.stats.inFlight = 0;
    await step(1000);
    expect(await read('web')).toMatchObject({ rps: 0, p50Ms: 0, p99Ms: 0, errors: {}, rateLimited: 0, inflight: 0 });
  });

  it('publishes demand at once when a request is held, without waiting for the tick', async () => {
    const { telemetry, step, read, state } = await setup();
    telemetry.start();
    await step(0);
    const before = telemetry.cycles;
    const lazy = state.apps.get('lazy')!;
    const req = held();
    expect(lazy.hold(req, 60_000)).toBe(true);
    onTestFinished(() => lazy.unhold(req));
    await telemetry.idle();
    expect(telemetry.cycles).toBe(before + 1);
    expect(await read('lazy')).toMatchObject({ waiting: 1 });
    // A second held request is no new demand (0 → >0 only); the tick reports the count.
    lazy.hold(held(), 60_000);
    await telemetry.idle();
    expect(telemetry.cycles).toBe(before + 1);
    await step(1000);
    expect(await read('lazy')).toMatchObject({ waiting: 2 });
  });

  it('leaves demand to the back-off tick while the store is failing', async () => {
    const { telemetry, step, state, setDown } = await setup({ flaky: true });
    telemetry.start();
    await step(0);
    setDown(true);
    await step(1000);
    expect(telemetry.failures).toBe(1);
    const lazy = state.apps.get('lazy')!;
    const req = held();
    lazy.hold(req, 60_000);
    onTestFinished(() => lazy.unhold(req));
    await telemetry.idle();
    expect(telemetry.failures).toBe(1);
    setDown(false);
    await step(1000);
    expect(telemetry.failures).toBe(0);
  });

  it('keeps its lease alive across ticks and revokes it on stop, deleting the records', async () => {
    const { telemetry, step, read, real } = await setup();
    telemetry.start();
    await step(0);
    const lease = telemetry.leaseId;
    for (let i = 0; i < 10; i++) await step(1000);
    expect(telemetry.leaseId).toBe(lease);
    expect(await read('web')).toBeDefined();
    await telemetry.stop();
    expect(await read('web')).toBeUndefined();
    expect((await real.range(prefixRange(keys.metricsAll))).kvs).toEqual([]);
  });

  it('deletes the record of an app removed by a reload', async () => {
    const { telemetry, step, read, state } = await setup();
    telemetry.start();
    await step(0);
    state.applyConfig(testConfig('node', [{ name: 'web', upstreams: ['127.0.0.1:9001'] }]));
    await step(1000);
    expect(await read('lazy')).toBeUndefined();
    expect(await read('web')).toMatchObject({ backends: { '127.0.0.1:9001': 0 } });
  });

  it('rides out a store outage with back-off, re-grants a lost lease and reports the whole outage window', async () => {
    const { telemetry, step, read, state, real, setDown, logger } = await setup({ flaky: true });
    telemetry.start();
    await step(0);
    const oldLease = telemetry.leaseId!;
    setDown(true);
    await step(1000);
    expect(telemetry.failures).toBe(1);
    await step(1000);
    expect(telemetry.failures).toBe(2);
    await step(1000); // back-off: the next attempt is 2 s after the last
    expect(telemetry.failures).toBe(2);
    await step(1000);
    expect(telemetry.failures).toBe(3);
    expect(logger.warnings.length).toBe(3);
    // Meanwhile the proxy keeps counting, and the lease (TTL 3 s) expired with its records.
    const web = state.apps.get('web')!;
    for (let i = 0; i < 50; i++) web.stats.countStatus(200);
    await eventually(async () => expect((await real.range(prefixRange(keys.metricsAll))).kvs).toEqual([]));
    setDown(false);
    await step(4000);
    expect(telemetry.failures).toBe(0);
    expect(telemetry.leaseId).not.toBe(oldLease);
    const record = await read('web');
    expect(record).toMatchObject({ windowMs: 8000, rps: 50 / 8 });
    expect(await read('lazy')).toBeDefined();
  });
});
