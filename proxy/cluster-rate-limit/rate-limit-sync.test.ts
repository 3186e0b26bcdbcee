import { describe, expect, it, onTestFinished } from 'vitest';
import { keys } from '../../store/keys.js';
import type { Store } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import { openTestStore } from '../../test/helpers/embedded-store.js';
import { eventually } from '../../test/helpers/eventually.js';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { flakyStore } from '../../test/helpers/flaky-store.js';
import type { IpParts } from '../ip-address.js';
import { parseIp } from '../ip-address.js';
import { SlidingWindowLimiter } from '../rate-limiter.js';
import { decodeCounts } from './counts-message.js';
import { RateLimitSync } from './rate-limit-sync.js';
import { GLOBAL_SCOPE } from './scopes.js';

const WINDOW = 10_000;
const LIMIT = 20;
const INTERVAL = 250;
const CLIENT = '198.51.100.7';
const ip: IpParts = parseIp(CLIENT)!;

interface Messages {
  warnings: string[];
  infos: string[];
}

const newLimiter = () => new SlidingWindowLimiter({ limit: LIMIT, windowMs: WINDOW, maxClients: 1_000, ipv6Prefix: 64, shared: true });

async function cluster() {
  // Start just after a bucket edge so a test's steps stay inside one bucket.
  const clock = new FakeClock(Math.ceil(1_800_000_000_000 / WINDOW) * WINDOW + 100);
  const { store } = await openTestStore({ clock });
  const proxy = (proxyId: string, via: Store = store) => {
    const held = { limiter: newLimiter() };
    const log: Messages = { warnings: [], infos: [] };
    const logger = { warn: (_f: unknown, m: string) => log.warnings.push(m), info: (_f: unknown, m: string) => log.infos.push(m) };
    const sync = new RateLimitSync({ store: via, limiters: () => new Map([[GLOBAL_SCOPE, held.limiter]]), proxyId, intervalMs: INTERVAL, clock, logger });
    onTestFinished(() => sync.stop());
    sync.start();
    /** How many of `n` requests pass now. */
    const send = (n: number): number => {
      let passed = 0;
      for (let i = 0; i < n; i++) if (held.limiter.check(ip, clock.now())) passed++;
      return passed;
    };
    return { held, sync, send, log };
  };
  /**
   * Moves the clock `ms` forward, one interval at a time as real time would (a single 10 s jump would
   * let every lease expire before its renewal could run), letting every sync finish each cycle.
   */
  const step = async (ms: number, ...syncs: RateLimitSync[]) => {
    for (let left = ms; left > 0; left -= INTERVAL) {
      clock.advance(Math.min(INTERVAL, left));
      await Promise.all(syncs.map((s) => s.idle()));
      await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, store, proxy, step };
}

describe('RateLimitSync', () => {
  it("holds the limit across two proxies, and a re-publish replaces a proxy's counts instead of adding them", async () => {
    const { store, proxy, step } = await cluster();
    const a = proxy('a');
    const b = proxy('b');
    expect(a.send(10)).toBe(10);
    await step(INTERVAL, a.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)).toEqual({ prev: 0, curr: 10 }));
    expect(a.send(5)).toBe(5);
    await step(INTERVAL, a.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)).toEqual({ prev: 0, curr: 15 }));
    expect(b.send(10)).toBe(5);

    const published = await store.get(keys.rateLimit(GLOBAL_SCOPE, 'a'));
    expect(decodeCounts(published!.value)).toMatchObject({ window: WINDOW, curr: [[CLIENT, 15]], prev: [] });
    expect(published!.lease).toBe((await store.timeToLive(published!.lease)).id);
    // Nothing changed at A: no new put.
    const revision = published!.modRevision;
    await step(INTERVAL, a.sync, b.sync);
    expect((await store.get(keys.rateLimit(GLOBAL_SCOPE, 'a')))!.modRevision).toBe(revision);
  });

  it('ages remote counts out with their buckets, with nothing new published', async () => {
    const { proxy, step } = await cluster();
    const a = proxy('a');
    const b = proxy('b');
    a.send(20);
    await step(INTERVAL, a.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(20));
    expect(b.send(1)).toBe(0);
    await step(WINDOW, a.sync, b.sync); // next bucket, 3.5% in: A's 20 still weigh 19.3
    expect(b.send(1)).toBe(0);
    await step(WINDOW / 2, a.sync, b.sync); // 53.5% in: they weigh 9.3, room for 10
    expect(b.send(20)).toBe(10);
    await step(WINDOW, a.sync, b.sync);
    expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)).toEqual({ prev: 0, curr: 0 });
  });

  it("drops a proxy's counts when it stops (revoke) and when it dies (lease expiry)", async () => {
    const { store, proxy, step } = await cluster();
    const flaky = flakyStore(store);
    const a = proxy('a');
    const dying = proxy('dying', flaky.store);
    const b = proxy('b');
    a.send(5);
    dying.send(7);
    await step(INTERVAL, a.sync, dying.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(12));

    await a.sync.stop();
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(7));
    expect(b.sync.peers(GLOBAL_SCOPE)).toEqual(['dying']);

    flaky.setDown(true); // it can renew nothing from now on: its lease (TTL 2 s) runs out
    for (let i = 0; i < 10; i++) await step(INTERVAL, dying.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(0));
    expect(b.sync.peers(GLOBAL_SCOPE)).toEqual([]);
    expect(b.send(20)).toBe(20);
  });

  it('through a store outage: keeps limiting on local and last known remote counts, logs once, publishes again after', async () => {
    const { store, proxy, step } = await cluster();
    const flaky = flakyStore(store);
    const a = proxy('a');
    const b = proxy('b', flaky.store);
    a.send(15);
    await step(INTERVAL, a.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(15));

    flaky.setDown(true);
    expect(b.send(3)).toBe(3);
    for (let i = 0; i < 8; i++) await step(INTERVAL, a.sync, b.sync);
    expect(b.sync.publishFailures).toBeGreaterThan(1);
    expect(b.log.warnings).toEqual([expect.stringMatching(/^cluster rate limit: cannot publish counts/)]);
    expect(b.send(10)).toBe(2); // 15 remote + 3 + 2 own

    flaky.setDown(false);
    await eventually(async () => {
      await step(INTERVAL, a.sync, b.sync);
      expect(b.sync.publishFailures).toBe(0);
      expect(a.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(5);
    });
    expect(b.log.infos).toEqual(['cluster rate limit: publishing counts again']);
    expect((await store.range(prefixRange(keys.rateLimitAll))).kvs.map((kv) => kv.key.toString())).toEqual([
      keys.rateLimit(GLOBAL_SCOPE, 'a'),
      keys.rateLimit(GLOBAL_SCOPE, 'b'),
    ]);
  });

  it('folds everything known into a limiter a reload replaced', async () => {
    const { proxy, step } = await cluster();
    const a = proxy('a');
    const b = proxy('b');
    a.send(12);
    await step(INTERVAL, a.sync, b.sync);
    await eventually(() => expect(b.sync.remoteTotals(GLOBAL_SCOPE, CLIENT)?.curr).toBe(12));
    b.held.limiter = newLimiter();
    await step(INTERVAL, a.sync, b.sync);
    expect(b.send(20)).toBe(8);
  });

  it('validates its options', async () => {
    const { store } = await cluster();
    const limiters = () => new Map();
    expect(() => new RateLimitSync({ store, limiters, proxyId: 'a:b', intervalMs: INTERVAL })).toThrow('proxyId must be non-empty without ":" (got "a:b")');
    expect(() => new RateLimitSync({ store, limiters, proxyId: 'a', intervalMs: 0 })).toThrow('intervalMs must be > 0 (got 0)');
  });
});
