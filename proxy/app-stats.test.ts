import { describe, expect, it } from 'vitest';
import { AppStats, LATENCY_BUCKETS_MS, latencyQuantile } from './app-stats.js';
import { ERROR_INDEX } from './forward/error-response.js';
import { UPGRADE_INDEX } from './websocket/upgrade-outcomes.js';

describe('AppStats', () => {
  it('keeps WebSocket upgrades and the open gauge in its block: summed with it, the gauge cleared after a crash', () => {
    const worker = new AppStats();
    worker.countUpgrade('upgraded');
    worker.countUpgrade('upgraded');
    worker.countUpgrade('lost');
    worker.websocketsOpen = 2;
    worker.inFlight = 2;
    const main = new AppStats();
    main.addBlock(worker.block);
    main.addBlock(worker.block);
    expect([main.websocketUpgrades[UPGRADE_INDEX.upgraded], main.websocketUpgrades[UPGRADE_INDEX.lost], main.websocketsOpen]).toEqual([4, 2, 4]);
    worker.clearGauges();
    expect([worker.websocketsOpen, worker.inFlight, worker.websocketUpgrades[UPGRADE_INDEX.upgraded]]).toEqual([0, 0, 2]);
  });

  it('counts statuses by code and class, and errors by kind', () => {
    const s = new AppStats();
    s.countStatus(200);
    s.countStatus(204);
    s.countStatus(503);
    s.countStatus(42);
    expect(s.byCode[200]).toBe(1);
    expect(s.byClass[2]).toBe(2);
    expect(s.byClass[5]).toBe(1);
    s.countError('no_backend');
    expect(s.errors[ERROR_INDEX.no_backend]).toBe(1);
  });

  it('puts latencies in buckets by upper bound', () => {
    const s = new AppStats();
    s.observeLatency(0.5);
    s.observeLatency(0.6);
    s.observeLatency(1e9);
    expect(s.latencyCounts[0]).toBe(1);
    expect(s.latencyCounts[1]).toBe(1);
    expect(s.latencyCounts[LATENCY_BUCKETS_MS.length]).toBe(1);
    expect(s.latencySumMs).toBeCloseTo(1e9 + 1.1);
  });
});

describe('latencyQuantile', () => {
  it('returns undefined without data and the bucket bound otherwise', () => {
    expect(latencyQuantile(new Float64Array(LATENCY_BUCKETS_MS.length + 1), 0.5)).toBeUndefined();
    const s = new AppStats();
    for (let i = 0; i < 98; i++) s.observeLatency(1);
    s.observeLatency(40);
    s.observeLatency(40);
    expect(latencyQuantile(s.latencyCounts, 0.5)).toBe(1);
    expect(latencyQuantile(s.latencyCounts, 0.99)).toBe(50);
  });
});
