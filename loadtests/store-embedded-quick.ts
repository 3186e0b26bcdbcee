/**
 * Quick in-process benchmark of EmbeddedStore durable puts: puts/s and p50/p99 latency at 1, 16 and
 * 256 puts in flight (256 B values, distinct keys, fdatasync on), then put→watch latency at an
 * open-loop 1,000 puts/s. Bounded: each round runs `--seconds` (default 5) after a 0.5 s warm-up.
 *
 *   node --import tsx loadtests/store-embedded-quick.ts [--seconds 5] [--keys-preload 0]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { prefixRange } from '../store/store.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, 'keys-preload': { type: 'string', default: '0' } } });
const seconds = Math.min(60, Number(values.seconds));
const preload = Math.min(2_000_000, Number(values['keys-preload']));
const value = Buffer.alloc(256, 'v');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function withStore<T>(run: (store: EmbeddedStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vx-store-bench-'));
  const store = await EmbeddedStore.open({ dataDir: dir });
  try {
    return await run(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function preloadKeys(store: EmbeddedStore): Promise<void> {
  for (let i = 0; i < preload; i += 1000) {
    const ops = [];
    for (let j = i; j < Math.min(preload, i + 100); j++) ops.push(store.put(`pre/${j.toString(36)}`, value));
    await Promise.all(ops);
  }
}

async function closedLoop(concurrency: number): Promise<void> {
  await withStore(async (store) => {
    await preloadKeys(store);
    let seq = 0;
    const latencies: number[] = [];
    let measuring = false;
    const stopAt = performance.now() + 500 + seconds * 1000;
    const startAt = performance.now() + 500;
    let syncsAtStart = 0;
    setTimeout(() => {
      measuring = true;
      syncsAtStart = store.stats().wal.syncs;
    }, 500);
    const cpu0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        while (performance.now() < stopAt) {
          const t0 = performance.now();
          await store.put(`bench/${w}/${(seq++).toString(36)}`, value);
          if (measuring) latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = (performance.now() - startAt) / 1000;
    const cpu = process.cpuUsage(cpu0);
    latencies.sort((a, b) => a - b);
    const syncs = store.stats().wal.syncs - syncsAtStart;
    console.log(
      `C=${String(concurrency).padStart(3)}  ${Math.round(latencies.length / elapsed).toLocaleString('en').padStart(8)} puts/s` +
        `  p50 ${percentile(latencies, 0.5).toFixed(2)} ms  p99 ${percentile(latencies, 0.99).toFixed(2)} ms` +
        `  puts/fsync ${(latencies.length / Math.max(1, syncs)).toFixed(1)}  cpu ${Math.round(((cpu.user + cpu.system) / 1e6 / (elapsed + 0.5)) * 100)}%` +
        `  keys ${store.stats().keys.toLocaleString('en')}`,
    );
  });
}

async function watchLatency(rate: number): Promise<void> {
  await withStore(async (store) => {
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const watcher = store.watch(prefixRange('w/'));
    const total = rate * seconds;
    const consumer = (async () => {
      for await (const batch of watcher) {
        for (const event of batch.events) {
          const t0 = sent.get(event.kv.key.toString());
          if (t0 !== undefined) latencies.push(performance.now() - t0);
        }
        if (latencies.length >= total) break;
      }
    })();
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const key = `w/${i}`;
      sent.set(key, performance.now());
      void store.put(key, value);
    }
    const deadline = setTimeout(() => watcher.cancel(), 5000);
    await consumer;
    clearTimeout(deadline);
    latencies.sort((a, b) => a - b);
    console.log(
      `put→watch @${rate}/s  events ${latencies.length}/${total}  p50 ${percentile(latencies, 0.5).toFixed(2)} ms  p99 ${percentile(latencies, 0.99).toFixed(2)} ms`,
    );
  });
}

console.log(`EmbeddedStore quick bench: Node ${process.version}, ${seconds}s per round, 256 B values, preload ${preload} keys`);
for (const c of [1, 16, 256]) await closedLoop(c);
await watchLatency(1000);
