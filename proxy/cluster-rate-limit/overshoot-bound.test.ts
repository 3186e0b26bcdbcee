/**
 * The overshoot bound of docs/proxy.md ("Rate limiting across proxies"), checked on a simulated
 * cluster built from the real parts (limiters, publication, PeerCounts, fold) on a 1 ms timeline:
 * each proxy publishes every `syncMs` (phases spread), the others fold the message `latencyMs` later,
 * and one client sends `rate` requests per second to every proxy. The cluster-wide sliding-window
 * estimate (all proxies' admissions, previous bucket weighted by its overlap) must never exceed
 *
 *   limit + (P − 1) × (min(a(D), limit) + 2 × (minCount − 1)),   D = syncMs + latencyMs,
 *
 * where a(D) is what one proxy can admit in D ms (here ⌊rate × D / 1000⌋ + 1).
 */
import { describe, expect, it } from 'vitest';
import type { IpParts } from '../ip-address.js';
import { SlidingWindowLimiter } from '../rate-limiter.js';
import { PeerCounts } from './peer-counts.js';
import type { CountsMessage } from './counts-message.js';
import { foldRemoteCounts } from './fold.js';
import { buildPublication, minCount } from './publication.js';

interface Scenario {
  proxies: number;
  limit: number;
  windowMs: number;
  syncMs: number;
  latencyMs: number;
  /** Requests per second the client sends to EACH proxy. */
  rate: number;
  minShare: number;
  /** false: scope local, nothing exchanged. */
  exchange: boolean;
}

const CLIENT: IpParts = { v6: false, hi: 0, lo: 0xc6336407, tail: [0, 0] };
const DURATION_MS = 35_000;

/** The bound the docs state. */
function bound(s: Scenario): number {
  const perProxy = Math.floor((s.rate * (s.syncMs + s.latencyMs)) / 1000) + 1;
  return s.limit + (s.proxies - 1) * (Math.min(perProxy, s.limit) + 2 * (minCount(s.limit, s.minShare) - 1));
}

/** The highest cluster-wide estimate seen, and the requests admitted in all. */
function simulate(s: Scenario): { maxEstimate: number; admitted: number } {
  const limiters = Array.from({ length: s.proxies }, () => new SlidingWindowLimiter({ limit: s.limit, windowMs: s.windowMs, maxClients: 16, ipv6Prefix: 64, shared: true }));
  const peers = limiters.map(() => new PeerCounts());
  const inFlight: Array<{ at: number; from: number; message: CountsMessage }> = [];
  const perBucket = new Map<number, number>();
  let maxEstimate = 0;
  let admitted = 0;
  for (let t = 0; t < DURATION_MS; t++) {
    while (inFlight.length > 0 && inFlight[0]!.at <= t) {
      const { from, message } = inFlight.shift()!;
      limiters.forEach((limiter, q) => {
        if (q !== from) foldRemoteCounts(limiter, peers[q]!, peers[q]!.set(`p${from}`, message), t);
      });
    }
    limiters.forEach((limiter, p) => {
      const phase = Math.floor((p * 1000) / s.proxies);
      const due = Math.floor(((t + phase + 1) * s.rate) / 1000) - Math.floor(((t + phase) * s.rate) / 1000);
      for (let i = 0; i < due; i++) {
        if (!limiter.check(CLIENT, t)) continue;
        admitted++;
        const bucket = Math.floor(t / s.windowMs);
        perBucket.set(bucket, (perBucket.get(bucket) ?? 0) + 1);
      }
      if (s.exchange && (t + Math.floor((p * s.syncMs) / s.proxies)) % s.syncMs === 0) {
        inFlight.push({ at: t + s.latencyMs, from: p, message: buildPublication(limiter, t, { minShare: s.minShare, maxEntries: 1_000 }) });
      }
    });
    const bucket = Math.floor(t / s.windowMs);
    const overlap = 1 - (t - bucket * s.windowMs) / s.windowMs;
    maxEstimate = Math.max(maxEstimate, (perBucket.get(bucket - 1) ?? 0) * overlap + (perBucket.get(bucket) ?? 0));
  }
  return { maxEstimate, admitted };
}

const base: Scenario = { proxies: 3, limit: 100, windowMs: 10_000, syncMs: 250, latencyMs: 20, rate: 50, minShare: 0.01, exchange: true };

describe('cluster rate limit: the overshoot bound', () => {
  it.each([
    ['3 proxies, 50/s each, defaults', base],
    ['2 proxies, limit 20, 100 ms sync, 100/s each', { ...base, proxies: 2, limit: 20, syncMs: 100, latencyMs: 5, rate: 100 }],
    ['4 proxies, limit 1000 (minCount 10), 50 ms latency, 300/s each', { ...base, proxies: 4, limit: 1_000, latencyMs: 50, rate: 300 }],
    ['5 proxies, 2 s window, 400/s each', { ...base, proxies: 5, windowMs: 2_000, rate: 400 }],
    ['3 proxies flooded at 5000/s each: the burst term saturates at the limit', { ...base, rate: 5_000 }],
  ])('%s', (_name, scenario: Scenario) => {
    const { maxEstimate } = simulate(scenario);
    expect(maxEstimate).toBeLessThanOrEqual(bound(scenario));
    // The overshoot is real (the bound is not vacuous)…
    expect(maxEstimate).toBeGreaterThan(scenario.limit);
    // …and sharing keeps it well under what P proxies limiting alone let through.
    const alone = simulate({ ...scenario, exchange: false }).maxEstimate;
    if (scenario.rate < 1_000) expect(maxEstimate - scenario.limit).toBeLessThan((alone - scenario.limit) / 2);
  });

  it('scope local: each proxy admits the whole limit, P × limit in all', () => {
    const { maxEstimate } = simulate({ ...base, exchange: false, rate: 200 });
    expect(maxEstimate).toBeGreaterThan(2.9 * base.limit);
    expect(maxEstimate).toBeLessThanOrEqual(3 * base.limit + 3);
  });
});
