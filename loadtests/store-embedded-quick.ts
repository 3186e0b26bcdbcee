/**
 * Quick in-process benchmark of EmbeddedStore durable puts: puts/s and p50/p99 latency at 1, 16 and
 * 256 puts in flight (256 B values, distinct keys, fdatasync on), each round followed by the same
 * load on a bare group-commit log (frame + crc32 + one writev + one fdatasync per batch, nothing
 * else) as the same-run baseline for this disk and this machine's current load; then put→watch
 * latency at an open-loop 1,000 puts/s. Bounded: each round runs `--seconds` (default 5, max 60).
 *
 *   node --import tsx loadtests/store-embedded-quick.ts [--seconds 5]
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { crc32 } from 'node:zlib';
import { EmbeddedStore } from '../store/embedded/embedded-store.js';
import { prefixRange } from '../store/store.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Math.min(60, Math.max(1, Number(values.seconds)));
const value = Buffer.alloc(256, 'v');

type Put = (key: string) => Promise<unknown>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** Runs `concurrency` closed-loop writers for `seconds` after a 0.5 s warm-up; prints one line. */
async function closedLoop(label: string, concurrency: number, put: Put, syncs: () => number): Promise<void> {
  let seq = 0;
  const latencies: number[] = [];
  const startAt = performance.now() + 500;
  const stopAt = startAt + seconds * 1000;
  let syncsAtStart = 0;
  let cpuAtStart = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  setTimeout(() => {
    syncsAtStart = syncs();
    cpuAtStart = process.cpuUsage();
    loopDelay.enable();
  }, 500);
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let now = performance.now(); now < stopAt; now = performance.now()) {
        await put(`bench/${w}/${(seq++).toString(36)}`);
        if (now >= startAt) latencies.push(performance.now() - now);
      }
    }),
  );
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuAtStart);
  latencies.sort((a, b) => a - b);
  const n = latencies.length;
  console.log(
    `${label.padEnd(9)} C=${String(concurrency).padStart(3)} ${Math.round(n / seconds).toLocaleString('en').padStart(8)} puts/s` +
      `  p50 ${percentile(latencies, 0.5).toFixed(2)} ms  p99 ${percentile(latencies, 0.99).toFixed(2)} ms` +
      `  puts/fsync ${(n / Math.max(1, syncs() - syncsAtStart)).toFixed(1).padStart(5)}` +
      `  cpu ${((cpu.user + cpu.system) / Math.max(1, n)).toFixed(1).padStart(4)} µs/put` +
      `  loop-delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`,
  );
}

async function withDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'vx-store-bench-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function storeRound(concurrency: number): Promise<void> {
  await withDir(async (dir) => {
    const store = await EmbeddedStore.open({ dataDir: dir });
    try {
      await closedLoop('embedded', concurrency, (key) => store.put(key, value), () => store.stats().wal.syncs);
    } finally {
      await store.close();
    }
  });
}

/** The baseline: the least a durable group-committed put can cost here. */
async function bareRound(concurrency: number): Promise<void> {
  await withDir(async (dir) => {
    const handle = await open(join(dir, 'bare.log'), 'a');
    let syncs = 0;
    let queue: Buffer[] = [];
    let waiters: Array<() => void> = [];
    let flushing = false;
    const flush = async (): Promise<void> => {
      flushing = true;
      while (queue.length > 0) {
        const [buffers, done] = [queue, waiters];
        queue = [];
        waiters = [];
        await handle.writev(buffers);
        await handle.datasync();
        syncs++;
        for (const resolve of done) resolve();
      }
      flushing = false;
    };
    const put: Put = (key) => {
      const frame = Buffer.allocUnsafe(8 + key.length + value.length);
      frame.write(key, 8, 'latin1');
      value.copy(frame, 8 + key.length);
      frame.writeUInt32LE(frame.length, 0);
      frame.writeUInt32LE(crc32(frame.subarray(8)), 4);
      queue.push(frame);
      const done = new Promise<void>((resolve) => waiters.push(resolve));
      if (!flushing) void flush();
      return done;
    };
    try {
      await closedLoop('bare log', concurrency, put, () => syncs);
    } finally {
      await handle.close();
    }
  });
}

async function watchLatency(rate: number): Promise<void> {
  await withDir(async (dir) => {
    const store = await EmbeddedStore.open({ dataDir: dir });
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
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const key = `w/${i}`;
      sent.set(key, performance.now());
      void store.put(key, value);
    }
    const giveUp = setTimeout(() => watcher.cancel(), 5000);
    await consumer;
    clearTimeout(giveUp);
    await store.close();
    latencies.sort((a, b) => a - b);
    console.log(
      `put→watch @${rate}/s  events ${latencies.length}/${total}  p50 ${percentile(latencies, 0.5).toFixed(2)} ms  p99 ${percentile(latencies, 0.99).toFixed(2)} ms`,
    );
  });
}

console.log(
  `EmbeddedStore quick bench: Node ${process.version}, ${seconds} s per round, 256 B values, distinct keys; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const concurrency of [1, 16, 256]) {
  await storeRound(concurrency);
  await bareRound(concurrency);
}
await watchLatency(1000);
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
