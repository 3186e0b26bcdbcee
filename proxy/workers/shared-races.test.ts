import { describe, expect, it, onTestFinished } from 'vitest';
import { churnClient } from '../../test/fixtures/workers/churn-clients.js';
import type { RaceJob, RaceResult } from '../../test/fixtures/workers/shared-race-worker.js';
import { SlidingWindowLimiter } from '../rate-limiter.js';
import { spawnModuleWorker } from './worker-script.js';

const FIXTURE = new URL('../../test/fixtures/workers/shared-race-worker.ts', import.meta.url);

/** Runs `job` in `threads` real worker threads that start together; resolves with each one's report. */
async function race(threads: number, job: (sync: SharedArrayBuffer, index: number) => RaceJob): Promise<RaceResult[]> {
  const sync = new SharedArrayBuffer(16);
  const workers = Array.from({ length: threads }, (_, index) => spawnModuleWorker(FIXTURE, { workerData: job(sync, index) }));
  // These threads hold no uWS listener, so terminate() is safe for them.
  onTestFinished(() => Promise.all(workers.map((w) => w.terminate())).then(() => undefined));
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<RaceResult>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
}

describe('shared memory from two worker threads at once', () => {
  it('round-robin: one Atomics counter spreads the picks of both threads exactly evenly', async () => {
    const counter = new SharedArrayBuffer(4);
    const backends = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'];
    const reports = await race(2, (sync) => ({ kind: 'round-robin', sync, threads: 2, counter, backends, picks: 30_000 }));
    const total: Record<string, number> = {};
    for (const report of reports) {
      let picked = 0;
      for (const [address, n] of Object.entries(report.picks!)) {
        total[address] = (total[address] ?? 0) + n;
        picked += n;
      }
      expect(picked).toBe(30_000);
    }
    // Every pick took a distinct counter value 0..59,999: each backend got exactly a third.
    expect(total).toEqual({ '10.0.0.1:80': 20_000, '10.0.0.2:80': 20_000, '10.0.0.3:80': 20_000 });
    expect(Atomics.load(new Uint32Array(counter), 0)).toBe(60_000);
  });

  it('limiter: counts from both threads add up, so exactly `limit` of one client\'s requests pass', async () => {
    const table = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(64));
    const reports = await race(2, (sync) => ({ kind: 'limit', sync, threads: 2, table, limit: 1_000, maxClients: 64, now: 1_800_000, clients: 1, checks: 5_000 }));
    expect(reports.reduce((n, r) => n + r.allowed!, 0)).toBe(1_000);
    expect(reports.map((r) => r.allowedAfter)).toEqual([0, 0]);
  });

  it('limiter: racing slot claims for the same new clients lose no client and tear no key', async () => {
    const clients = 2_000;
    const table = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(4_096));
    const reports = await race(2, (sync) => ({ kind: 'limit', sync, threads: 2, table, limit: 1, maxClients: 4_096, now: 1_800_000, clients, checks: 1 }));
    const allowed = reports.reduce((n, r) => n + r.allowed!, 0);
    // Each client passes once; a client whose first two requests claimed two slots at the same
    // instant (the documented benign race) may pass once per slot, never more.
    expect(allowed).toBeGreaterThanOrEqual(clients);
    expect(allowed).toBeLessThanOrEqual(2 * clients);
    // Afterwards every client is found with its count, from either thread: no key was torn or lost.
    expect(reports.map((r) => r.allowedAfter)).toEqual([0, 0]);
  });

  it('limiter: two threads claiming slots for different new clients at once never share a slot', async () => {
    // Each round, 2 × 3 new clients in a 16-slot table whose older slots are idle by then, both
    // threads released together: they often go for the same free slot at the same moment. Six
    // clients cannot fill an 8-slot probe window, so no slot is ever evicted: every client is new
    // and must pass its one request, unless a slot went to both threads.
    const table = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(8));
    const reports = await race(2, (sync, index) => ({ kind: 'claim', sync, threads: 2, table, maxClients: 8, clients: 3, rounds: 4_000, salt: index + 1 }));
    expect(reports.map((r) => r.allowed)).toEqual([12_000, 12_000]);
  });

  it('limiter: two threads evicting and claiming the same slots non-stop leave only whole keys', async () => {
    const maxClients = 8; // 16 slots for 2 × 64 clients: nearly every check claims or evicts
    const table = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(maxClients));
    await race(2, (sync, index) => ({ kind: 'churn', sync, threads: 2, table, maxClients, clients: 64, checks: 200_000, salt: index + 1 }));
    const real = new Set<string>();
    for (const salt of [1, 2]) for (let i = 0; i < 64; i++) {
      const c = churnClient(salt, i);
      real.add([c.hi, c.lo, c.tail[0], c.tail[1]].join(','));
    }
    // Slot layout (rate-limiter.ts): 8 Uint32 words a slot, tag first (kind in its low 2 bits), then the four key words.
    const words = new Uint32Array(table, 0, 16 * 8);
    let occupied = 0;
    for (let slot = 0; slot < 16; slot++) {
      const w = slot * 8;
      const kind = words[w]! & 3;
      expect(kind, `slot ${slot} tag`).not.toBe(3); // never left mid-claim
      if (kind !== 2) continue;
      occupied++;
      expect(real.has([words[w + 1], words[w + 2], words[w + 3], words[w + 4]].join(',')), `slot ${slot} holds a torn key`).toBe(true);
    }
    expect(occupied).toBeGreaterThan(0);
  });
});
