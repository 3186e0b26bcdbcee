/**
 * Decision latency (issue 6, scenario 6): a proxy's metrics put → the leading Scaler's ScaleJob
 * write, seen by a watcher on the ScaleJob key (so the figure includes watch delivery both ways).
 * Each put alternates the load between 100 and 500 rps with no grace period and no cooldown, so
 * every put changes the target (1 ↔ 5). Puts are sequential: the next one waits for the previous
 * decision. Two rounds: the embedded store in-process, and a Vortex store served over gRPC with the
 * scaler and the "proxy" as etcd3 clients. The bound is p99 < 100 ms; the aim is < 10 ms.
 *
 *   npx tsx loadtests/scaler-latency.ts [--decisions 100]
 *
 * Prints p50/p99/max per round and writes the numbers to loadtests/results/scaler-latency-<time>.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config/defaults.js';
import type { AppConfig } from '../config/resolve.js';
import { Scaler } from '../scaler/scaler.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { EtcdStore } from '../store/etcd/etcd-store.js';
import { serveStore } from '../store/grpc/server.js';
import { keys } from '../store/keys.js';
import { ClientMetrics } from '../store/records/client-metrics.js';
import { Records } from '../store/records/records.js';
import type { Store } from '../store/store.js';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '100' } } });
/** Bounded: at most 10,000 decisions, each given at most DECISION_TIMEOUT_MS. */
const DECISIONS = Math.min(10_000, Math.max(10, Number(values.decisions)));
const WARMUP = 10;
const DECISION_TIMEOUT_MS = 5_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const app: AppConfig = {
  name: 'bench',
  match: { path_prefix: '/' },
  target_rps_per_replica: 100,
  min_replicas: 1,
  max_replicas: 10,
  health: { ...DEFAULTS.app.health },
  drain_timeout: DEFAULTS.app.drain_timeout,
  ratelimiter: { ratelimit: DEFAULTS.ratelimiter.ratelimit, ratewindow: DEFAULTS.ratelimiter.ratewindow },
  backend: { plugin: 'static', upstreams: ['127.0.0.1:9'] },
  scaling: { ...DEFAULTS.cluster.settings, scale_up_grace_period: 0, scale_down_cooldown: 0, scaleupnumber: 10, scaledownnumber: 10 },
};

interface Round {
  store: string;
  decisions: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** From the metrics put's acknowledgement to the ScaleJob seen: the scaler's share. */
  afterPutP50Ms: number;
  afterPutP99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? NaN;
}

/** Runs the measurement with `scalerStore` for the scaler and `clientStore` for the metrics writer and the watcher. */
async function round(label: string, scalerStore: Store, clientStore: Store): Promise<Round> {
  const scaler = new Scaler({ store: scalerStore, id: 'bench-scaler', config: { apps: [app] } });
  const records = new Records(clientStore);
  const lease = (await clientStore.grant(30)).id;
  const watcher = clientStore.watch({ key: keys.scaleJob(app.name) });
  let waiter: { target: number; resolve: () => void } | undefined;
  const watching = (async () => {
    for await (const batch of watcher) {
      for (const event of batch.events) {
        const target = (JSON.parse(event.kv.value.toString()) as { targetReplicas: number }).targetReplicas;
        if (waiter && target === waiter.target) waiter.resolve();
      }
    }
  })();
  try {
    scaler.start();
    for (let deadline = Date.now() + 10_000; !scaler.isLeader; ) {
      if (Date.now() > deadline) throw new Error('the scaler did not win the election within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const latencies: number[] = [];
    const afterPut: number[] = [];
    for (let i = 0; i < WARMUP + DECISIONS; i++) {
      const rps = i % 2 === 0 ? 500 : 100;
      const decided = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`decision ${i} (rps ${rps}) not written within ${DECISION_TIMEOUT_MS} ms`)), DECISION_TIMEOUT_MS);
        waiter = { target: rps / 100, resolve: () => (clearTimeout(timer), resolve()) };
      });
      const start = performance.now();
      await records.put(
        ClientMetrics,
        { id: `${app.name}:p1`, app: app.name, proxyId: 'p1', rps, inflight: 0, p50Ms: 1, p99Ms: 1, errors: {}, rateLimited: 0, waiting: 0, windowMs: 1_000, at: Date.now(), backends: {} },
        { lease },
      );
      const acked = performance.now();
      await decided;
      if (i >= WARMUP) {
        latencies.push(performance.now() - start);
        afterPut.push(performance.now() - acked);
      }
    }
    latencies.sort((a, b) => a - b);
    afterPut.sort((a, b) => a - b);
    const result: Round = {
      store: label,
      decisions: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies[latencies.length - 1]!,
      meanMs: latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length,
      afterPutP50Ms: percentile(afterPut, 0.5),
      afterPutP99Ms: percentile(afterPut, 0.99),
    };
    console.log(
      `${label.padEnd(22)} ${result.decisions} decisions  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  max ${result.maxMs.toFixed(2)} ms` +
        `  (after the put's ack: p50 ${result.afterPutP50Ms.toFixed(2)} ms  p99 ${result.afterPutP99Ms.toFixed(2)} ms)` +
        `  (bound p99 < 100 ms: ${result.p99Ms < 100 ? 'met' : 'MISSED'})`,
    );
    return result;
  } finally {
    watcher.cancel();
    await watching.catch(() => undefined);
    await scaler.close();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vx-scaler-bench-'));
  const rounds: Round[] = [];
  try {
    const embedded = await EmbeddedStore.open({ dataDir: join(dir, 'embedded') });
    try {
      rounds.push(await round('embedded in-process', embedded, embedded));
    } finally {
      await embedded.close();
    }
    const served = await EmbeddedStore.open({ dataDir: join(dir, 'served') });
    const server = await serveStore(served, { port: 0 });
    const scalerClient = new EtcdStore({ endpoints: [server.address] });
    const proxyClient = new EtcdStore({ endpoints: [server.address] });
    try {
      rounds.push(await round('vortex store over gRPC', scalerClient, proxyClient));
    } finally {
      await scalerClient.close();
      await proxyClient.close();
      await server.close();
      await served.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const resultsDir = join(ROOT, 'loadtests/results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `scaler-latency-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ node: process.version, loadavg: loadavg(), warmup: WARMUP, rounds }, null, 2));
  console.log(`results: ${file}`);
}

await main();
