/**
 * 100 MB through the upstream client in each direction with bounded memory. The backend runs in a
 * child process so this process's RSS is the client's own. The 64 MB bound is a correctness bound
 * (nothing buffers a whole body), not a speed assertion.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamPool } from '../../proxy/upstream/index.js';
import type { ResponseHead, UpstreamError, UpstreamHandler } from '../../proxy/upstream/index.js';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = 64 * 1024;
const RSS_BOUND = 64 * 1024 * 1024;

// GET streams TOTAL bytes (chunk i filled with i % 251) honouring backpressure; POST reads slowly
// and answers "<bytes> <sha256>" of what it read.
const BACKEND = `
const http = require('node:http');
const { createHash } = require('node:crypto');
const [TOTAL, CHUNK] = [${TOTAL}, ${CHUNK}];
http.createServer((req, res) => {
  if (req.method === 'POST') {
    const h = createHash('sha256');
    let n = 0;
    let mark = 0;
    req.on('data', (d) => {
      n += d.length;
      h.update(d);
      // A reader slower than the writer, so a client that ignored backpressure would pile up memory.
      if (n - mark >= 1048576) { mark = n; req.pause(); setTimeout(() => req.resume(), 2); }
    });
    req.on('end', () => res.end(n + ' ' + h.digest('hex')));
    return;
  }
  res.writeHead(200, { 'content-length': String(TOTAL) });
  let i = 0;
  const pump = () => {
    while (i * CHUNK < TOTAL) {
      const ok = res.write(Buffer.alloc(CHUNK, i++ % 251));
      if (!ok) return res.once('drain', pump);
    }
    res.end();
  };
  pump();
}).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });
`;

let child: ChildProcess;
let port = 0;

beforeAll(async () => {
  child = spawn(process.execPath, ['-e', BACKEND], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve) => child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
});

afterAll(() => {
  child.kill();
});

// A full GC before taking the baseline, so garbage left by an earlier test cannot hide growth.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Tracks the highest RSS seen, sampled on every chunk, above a baseline taken after a full GC. */
class RssProbe {
  readonly base = (collectGarbage(), process.memoryUsage.rss());
  peak = this.base;
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
}

/** Hashes a response body, pausing on every 8th piece for a timer tick, like a slow client socket. */
class HashingReader implements UpstreamHandler {
  readonly hash = createHash('sha256');
  bytes = 0;
  status = 0;
  /** onData calls that arrived while paused: must stay 0. */
  whilePaused = 0;
  resume: () => void = () => undefined;
  readonly done: Promise<void>;
  private paused = false;
  private settle!: () => void;
  private fail!: (err: UpstreamError) => void;
  private pieces = 0;

  constructor(private readonly rss: RssProbe) {
    this.done = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
  }
  onHead(head: ResponseHead): void {
    this.status = head.status;
  }
  onData(chunk: Buffer): boolean {
    if (this.paused) this.whilePaused++;
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.rss.sample();
    if (++this.pieces % 8 !== 0) return true;
    this.paused = true;
    setTimeout(() => {
      this.paused = false;
      this.resume();
    }, 1);
    return false;
  }
  onEnd(): void {
    this.settle();
  }
  onError(err: UpstreamError): void {
    this.fail(err);
  }
}

describe('upstream client: 100 MB each way', () => {
  it('downloads 100 MB with backpressure and bounded memory', async () => {
    const rss = new RssProbe();
    const pool = new UpstreamPool({ host: '127.0.0.1', port });
    const reader = new HashingReader(rss);
    const req = pool.request({ method: 'GET', path: '/', headers: [] }, reader);
    reader.resume = () => req.resume();
    await reader.done;
    await pool.close();
    const want = createHash('sha256');
    for (let i = 0; i * CHUNK < TOTAL; i++) want.update(Buffer.alloc(CHUNK, i % 251));
    expect(reader.status).toBe(200);
    expect(reader.bytes).toBe(TOTAL);
    expect(reader.hash.digest('hex')).toBe(want.digest('hex'));
    expect(reader.whilePaused).toBe(0);
    expect(rss.peak - rss.base).toBeLessThan(RSS_BOUND);
  });

  it('uploads 100 MB with backpressure and bounded memory', async () => {
    const rss = new RssProbe();
    const pool = new UpstreamPool({ host: '127.0.0.1', port });
    const want = createHash('sha256');
    let answer = '';
    let drains = 0;
    let i = 0;
    let settle: () => void = () => undefined;
    let fail: (err: UpstreamError) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    const req = pool.request({ method: 'POST', path: '/', headers: [], bodyLength: TOTAL }, {
      onHead: () => undefined,
      onData: (chunk) => {
        answer += chunk.toString();
        return true;
      },
      onEnd: () => settle(),
      onError: (err) => fail(err),
      onDrain: () => {
        drains++;
        pump();
      },
    });
    // Fresh chunks each time: write() keeps the chunk by reference, like a uWS onData copy.
    function pump(): void {
      while (i * CHUNK < TOTAL) {
        const chunk = Buffer.alloc(CHUNK, i++ % 251);
        want.update(chunk);
        rss.sample();
        if (!req.write(chunk)) return;
      }
      req.end();
    }
    pump();
    await done;
    await pool.close();
    expect(answer).toBe(`${TOTAL} ${want.digest('hex')}`);
    expect(drains).toBeGreaterThan(0);
    expect(rss.peak - rss.base).toBeLessThan(RSS_BOUND);
  });
});
