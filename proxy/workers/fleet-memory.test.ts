import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { ProxyState } from '../proxy-state.js';
import { sumIntoState, responsesByThread } from './fleet-counters.js';
import { FleetMemory } from './fleet-memory.js';
import { createLayout } from './shared-layout.js';
import { ThreadMemory } from './thread-memory.js';

function config(apps: Array<Record<string, unknown>>, ratelimit = 100) {
  return parseConfig(stringify({ ratelimiter: { ratelimit, ratewindow: '10s', max_tracked_clients: 16 }, apps }), 't.yaml', { env: {} });
}
const app = (name: string, extra: Record<string, unknown> = {}) => ({ name, match: { path_prefix: `/${name}` }, backend: { plugin: 'docker', image: 'x' }, ...extra });

/** The main thread's state over FleetMemory, plus one state per simulated worker over the same layout. */
function fleet(c: ReturnType<typeof config>, threads = 2, bounds: { apps?: number; backends?: number } = {}) {
  const warnings: string[] = [];
  const layout = createLayout(threads, bounds.apps, bounds.backends);
  const memory = new FleetMemory(layout, (table, name) => warnings.push(`${table}:${name}`));
  const main = new ProxyState(c, memory);
  const workerMemory = Array.from({ length: threads }, (_, t) => new ThreadMemory(layout, t));
  for (const m of workerMemory) m.apply(memory.snapshot());
  memory.takeUpdate();
  const workers = workerMemory.map((m) => new ProxyState(c, m));
  onTestFinished(() => Promise.all([main, ...workers].map((s) => s.destroy())).then(() => undefined));
  /** Applies a router change the way WorkerFleet does: main first, then the slot news, then every worker. */
  const setRouter = (name: string, addresses: string[]): void => {
    sumIntoState(main, memory.stats(null), memory);
    main.setRouter(name, addresses);
    const update = memory.takeUpdate();
    workerMemory.forEach((m, t) => {
      m.apply(update);
      workers[t]!.setRouter(name, addresses);
    });
  };
  return { layout, memory, main, workers, setRouter, warnings };
}

describe('FleetMemory and ThreadMemory', () => {
  it('give every thread the same round-robin cell, so picks interleave as one counter', () => {
    const f = fleet(config([app('a')]));
    f.setRouter('a', ['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3']);
    const [w0, w1] = f.workers.map((w) => w.apps.get('a')!.backends);
    const picks = [w0!.next(0), w1!.next(0), w1!.next(0), w0!.next(0)].map((b) => b!.address);
    expect(picks).toEqual(['127.0.0.1:1', '127.0.0.1:2', '127.0.0.1:3', '127.0.0.1:1']);
  });

  it('sum every thread\'s in-flight requests and counters into the main state', () => {
    const f = fleet(config([app('a')]));
    f.setRouter('a', ['127.0.0.1:1', '127.0.0.1:2']);
    const [w0, w1] = f.workers.map((w) => w.apps.get('a')!);
    w0!.backends.list[0]!.acquire();
    w1!.backends.list[0]!.acquire();
    w1!.backends.list[1]!.acquire();
    w0!.stats.countStatus(200);
    w1!.stats.countStatus(200);
    w1!.stats.countStatus(503);
    w1!.stats.inFlight = 2;
    const unrouted = f.memory.stats(null);
    f.workers[0]!.memory.stats(null).countStatus(404);
    sumIntoState(f.main, unrouted, f.memory);
    const main = f.main.apps.get('a')!;
    expect(main.backends.list.map((b) => b.inFlight)).toEqual([2, 1]);
    expect(main.stats.byCode[200]).toBe(2);
    expect(main.stats.byClass[5]).toBe(1);
    expect(main.stats.inFlight).toBe(2);
    expect(unrouted.byCode[404]).toBe(1);
    expect(responsesByThread(f.layout)).toEqual([2, 2]);
  });

  it('keeps a draining backend in the main state until no thread has a request on it', () => {
    const f = fleet(config([app('a')]));
    f.setRouter('a', ['127.0.0.1:1']);
    const busy = f.workers[1]!.apps.get('a')!.backends.list[0]!;
    busy.acquire();
    f.setRouter('a', []);
    const unrouted = f.memory.stats(null);
    sumIntoState(f.main, unrouted, f.memory);
    const [copy] = f.main.apps.get('a')!.backends.draining;
    expect(copy?.state).toBe('draining');
    expect(copy?.inFlight).toBe(1);
    busy.release();
    sumIntoState(f.main, unrouted, f.memory);
    expect(copy?.state).toBe('closed');
  });

  it('tells workers about freed backend slots before reusing them', () => {
    const f = fleet(config([app('a')]), 1, { backends: 1 });
    f.setRouter('a', ['127.0.0.1:1']);
    f.setRouter('a', []);
    f.memory.releaseBackend('a\n127.0.0.1:1');
    f.setRouter('a', ['127.0.0.1:2']);
    expect(f.warnings).toEqual([]);
    const reused = f.workers[0]!.apps.get('a')!.backends.list[0]!;
    reused.acquire();
    sumIntoState(f.main, f.memory.stats(null), f.memory);
    expect(f.main.apps.get('a')!.backends.list[0]!.inFlight).toBe(1);
  });

  it('at a bound, warns and serves the name from private memory', () => {
    const f = fleet(config([app('a'), app('b')]), 2, { apps: 1, backends: 1 });
    expect(f.warnings).toEqual(['apps:b']);
    f.setRouter('a', ['127.0.0.1:1', '127.0.0.1:2']);
    expect(f.warnings).toEqual(['apps:b', 'backends:a\n127.0.0.1:2']);
    const [w0, w1] = f.workers.map((w) => w.apps.get('b')!.backends);
    f.setRouter('b', ['127.0.0.1:1', '127.0.0.1:2']);
    // b's counter is private to each thread: both start at the first backend.
    expect([w0!.next(0)!.address, w1!.next(0)!.address]).toEqual(['127.0.0.1:1', '127.0.0.1:1']);
  });

  it('shares one table per limiter, a new one when a reload changes it, and drops tables no limiter uses', () => {
    const limited = app('a', { ratelimiter: { ratelimit: 5, ratewindow: '1s' } });
    const f = fleet(config([limited]));
    const client = { v6: false, hi: 0, lo: 0x0a000001, tail: [0, 0] as [number, number] };
    const [w0, w1] = f.workers;
    expect(w0!.globalLimiter.check(client, 1)).toBe(true);
    for (let i = 0; i < 4; i++) expect(w1!.apps.get('a')!.limiter!.check(client, 1)).toBe(true);
    expect(w0!.apps.get('a')!.limiter!.check(client, 1)).toBe(true);
    expect(w1!.apps.get('a')!.limiter!.check(client, 1)).toBe(false);

    const globalBefore = w1!.globalLimiter;
    const tablesBefore = new Map(f.memory.snapshot().limiters);
    const next = config([app('a', { ratelimiter: { ratelimit: 6, ratewindow: '1s' } })]);
    f.main.applyConfig(next);
    f.memory.pruneLimiters(new Set(['global', 'app:a']));
    const update = f.memory.takeUpdate();
    const tablesAfter = new Map(update.limiters);
    expect([...tablesAfter.keys()].sort()).toEqual(['app:a', 'global']);
    expect(tablesAfter.get('global')).toBe(tablesBefore.get('global'));
    expect(tablesAfter.get('app:a')).not.toBe(tablesBefore.get('app:a'));
    f.workers.forEach((w) => {
      (w.memory as ThreadMemory).apply(update);
      w.applyConfig(next);
    });
    // A fresh table for the changed limit; the unchanged global limiter (and its table) stays.
    expect(w0!.apps.get('a')!.limiter!.check(client, 1)).toBe(true);
    expect(w1!.globalLimiter).toBe(globalBefore);
  });

  it('gives a worker started later the tables the others use, even when only max_tracked_clients changed since', () => {
    const limited = (maxClients: number) =>
      parseConfig(stringify({ ratelimiter: { ratelimit: 3, ratewindow: '10s', max_tracked_clients: maxClients }, apps: [app('a')] }), 't.yaml', { env: {} });
    const f = fleet(limited(16), 1);
    const client = { v6: false, hi: 0, lo: 0x0a000001, tail: [0, 0] as [number, number] };
    for (let i = 0; i < 3; i++) expect(f.workers[0]!.globalLimiter.check(client, 1)).toBe(true);
    // The limit stays, so the main state keeps its limiter and table (as one thread would).
    f.main.applyConfig(limited(64));
    expect(f.memory.takeUpdate().limiters).toBeNull();
    const late = new ThreadMemory(f.layout, 0);
    late.apply(f.memory.snapshot());
    const restarted = new ProxyState(limited(64), late);
    onTestFinished(() => restarted.destroy());
    expect(restarted.globalLimiter.check(client, 1)).toBe(false);
  });
});
