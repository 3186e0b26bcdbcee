/**
 * Store benchmark: durable puts per second and put latency at 1, 16 and 256 puts in flight (256-byte
 * values, distinct keys, fsync on), and put→watch-event latency at 1,000 puts/s, for
 *   - the EmbeddedStore in this process,
 *   - `vortex store` (the embedded store behind the gRPC server, its own process), via EtcdStore,
 *   - a real etcd (Debian etcd-server, fresh data dir), via the same EtcdStore client,
 * in interleaved rounds (every target once per round, so machine noise hits all of them alike). It
 * prints the median of the rounds with ratios to etcd and writes the raw numbers as JSON to
 * loadtests/results/. Server CPU per put comes from /proc for the two server processes.
 *
 *   npm run bench:store                       # ROUNDS=3 SECONDS=3 by default
 *   ROUNDS=5 SECONDS=5 npm run bench:store
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '../plugins/process/proc-stat.js';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { EtcdStore } from '../store/etcd/etcd-store.js';
import type { Store } from '../store/store.js';
import { prefixRange } from '../store/store.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { freePort } from '../test/helpers/free-port.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 3);
const WARMUP_MS = 500;
const CONCURRENCY = [1, 16, 256];
const WATCH_RATE = 1_000;
const VALUE = Buffer.alloc(256, 'v');
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Target {
  name: 'embedded' | 'vortex-grpc' | 'etcd';
  store: Store;
  /** Server process for CPU accounting; undefined = this process. */
  pid?: number;
  stop(): Promise<void>;
}

interface PutCell {
  putsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerPut: number;
}

interface WatchCell {
  sent: number;
  received: number;
  p50Ms: number;
  p99Ms: number;
}

type RoundResult = Record<string, Record<string, PutCell> & { watch?: WatchCell }>;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  }
  const stat = await readProcStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return stat.cpuTicks / CLOCK_TICKS_PER_SECOND;
}

/** Closed loop: `concurrency` workers each put distinct keys back to back for SECONDS. */
async function putLoad(target: Target, concurrency: number, round: number): Promise<PutCell> {
  const prefix = `bench/${round}/${concurrency}/`;
  let sequence = 0;
  const latencies: number[] = [];
  let measuring = false;
  let stopAt = Infinity;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const key = `${prefix}${sequence++}`;
      const started = performance.now();
      await target.store.put(key, VALUE);
      if (measuring) latencies.push(performance.now() - started);
    }
  };
  stopAt = Date.now() + WARMUP_MS + SECONDS * 1000;
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  const cpuStart = await cpuSeconds(target.pid);
  const started = performance.now();
  await Promise.all(workers);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await cpuSeconds(target.pid)) - cpuStart;
  await target.store.delete(prefixRange(prefix));
  latencies.sort((a, b) => a - b);
  return {
    putsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuUsPerPut: (cpu * 1e6) / latencies.length,
  };
}

/** Open loop at WATCH_RATE puts/s; each event's latency is measured from its put's start. */
async function watchLatency(target: Target, round: number): Promise<WatchCell> {
  const prefix = `watch/${round}/`;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const watcher = target.store.watch({ ...prefixRange(prefix) });
  const total = WATCH_RATE * SECONDS;
  const reading = (async () => {
    for await (const batch of watcher) {
      const now = performance.now();
      for (const event of batch.events) {
        const started = sentAt.get(event.kv.key.toString());
        if (started !== undefined && event.type === 'put') latencies.push(now - started);
      }
      if (latencies.length >= total) return;
    }
  })();
  // Give the watch time to be registered before the first put.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const began = performance.now();
  const puts: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / WATCH_RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const key = `${prefix}${i}`;
    sentAt.set(key, performance.now());
    puts.push(target.store.put(key, VALUE));
  }
  await Promise.all(puts);
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  watcher.cancel();
  await target.store.delete(prefixRange(prefix));
  latencies.sort((a, b) => a - b);
  return { sent: total, received: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

async function startEmbedded(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vortex-bench-embedded-'));
  const store = await EmbeddedStore.open({ dataDir });
  return { name: 'embedded', store, stop: () => store.close().finally(() => rm(dataDir, { recursive: true, force: true })) };
}

async function startVortexStore(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vortex-bench-grpc-'));
  const address = `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, [join(ROOT, 'bin/vortex.js'), 'store', '--listen', address, '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('serving') && resolve());
    child.once('exit', (code) => reject(new Error(`vortex store exited with ${code}; run npm run build first`)));
  });
  const store = new EtcdStore({ endpoints: [address] });
  return {
    name: 'vortex-grpc',
    store,
    pid: child.pid,
    stop: async () => {
      await store.close();
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function startRealEtcd(): Promise<Target> {
  const etcd = await startEtcd();
  const store = new EtcdStore({ endpoints: [etcd.endpoint] });
  return {
    name: 'etcd',
    store,
    pid: etcd.pid,
    stop: async () => {
      await store.close();
      await etcd.stop();
    },
  };
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
}

function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';
}

async function main(): Promise<void> {
  const rounds: RoundResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const result: RoundResult = {};
    // Fresh stores every round: etcd slows down as its bbolt file grows, so compare like with like.
    for (const start of [startEmbedded, startVortexStore, startRealEtcd]) {
      const target = await start();
      try {
        const cells: Record<string, PutCell> & { watch?: WatchCell } = {};
        for (const concurrency of CONCURRENCY) cells[`c${concurrency}`] = await putLoad(target, concurrency, round);
        cells.watch = await watchLatency(target, round);
        result[target.name] = cells;
        process.stderr.write(`round ${round}/${ROUNDS} ${target.name}: ${CONCURRENCY.map((c) => `c${c} ${fmt(cells[`c${c}`]!.putsPerSecond)}/s`).join(', ')}\n`);
      } finally {
        await target.stop();
      }
    }
    rounds.push(result);
  }

  const targets = ['embedded', 'vortex-grpc', 'etcd'] as const;
  const summary: Record<string, Record<string, number>> = {};
  for (const name of targets) {
    const row: Record<string, number> = {};
    for (const c of CONCURRENCY) {
      for (const field of ['putsPerSecond', 'p50Ms', 'p99Ms', 'cpuUsPerPut'] as const) row[`c${c}.${field}`] = median(rounds.map((r) => r[name]![`c${c}`]![field]));
    }
    for (const field of ['p50Ms', 'p99Ms', 'received', 'sent'] as const) row[`watch.${field}`] = median(rounds.map((r) => r[name]!.watch![field]));
    summary[name] = row;
  }

  const lines = [
    `Store benchmark: ${ROUNDS} interleaved rounds × ${SECONDS} s per cell, 256 B values, fsync on; medians. Node ${process.version}.`,
    '',
    '| store | in flight | puts/s | ×etcd | p50 ms | p99 ms | server CPU µs/put |',
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const name of targets) {
    for (const c of CONCURRENCY) {
      const row = summary[name]!;
      const ratio = row[`c${c}.putsPerSecond`]! / summary.etcd![`c${c}.putsPerSecond`]!;
      lines.push(
        `| ${name} | ${c} | ${fmt(row[`c${c}.putsPerSecond`]!)} | ${fmt(ratio, 2)} | ${fmt(row[`c${c}.p50Ms`]!, 2)} | ${fmt(row[`c${c}.p99Ms`]!, 2)} | ${fmt(row[`c${c}.cpuUsPerPut`]!)} |`,
      );
    }
  }
  lines.push('', `| store | put→watch p50 ms | p99 ms | events received / sent (at ${WATCH_RATE}/s) |`, '|---|--:|--:|--:|');
  for (const name of targets) {
    const row = summary[name]!;
    lines.push(`| ${name} | ${fmt(row['watch.p50Ms']!, 2)} | ${fmt(row['watch.p99Ms']!, 2)} | ${fmt(row['watch.received']!)} / ${fmt(row['watch.sent']!)} |`);
  }
  lines.push('', `CPU for embedded is this whole process (store and load generator); for the others, the server process only.`);
  console.log(lines.join('\n'));

  const resultsDir = join(ROOT, 'loadtests/results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `store-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, node: process.version, summary, raw: rounds }, null, 2));
  console.log(`\nwrote ${file}`);
}

await main();
