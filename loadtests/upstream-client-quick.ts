/**
 * Quick comparison of the upstream client against undici's Pool.dispatch on a local node:http
 * backend: requests/s and CPU µs per request of this process (the client), with 50 requests in
 * flight, in interleaved timed rounds. The backend runs in a child process, pinned to CPU 1 and the
 * client to CPU 0 when `taskset` exists. Bounded: ROUNDS x 2 clients x SECONDS.
 *
 *   npx tsx loadtests/upstream-client-quick.ts [seconds=3] [rounds=3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { UpstreamPool } from '../proxy/upstream/index.js';
import type { UpstreamError, UpstreamHandler } from '../proxy/upstream/index.js';
import { median } from './proxy-bench/measure.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 3);
const IN_FLIGHT = 50;
const CONNECTIONS = 50;
// Headers shaped like what the proxy forwards.
const HEADERS = ['host', 'example.com', 'user-agent', 'wrk', 'accept', '*/*', 'x-forwarded-for', '10.0.0.1', 'x-forwarded-proto', 'http'];

const BACKEND = `require('node:http').createServer({ keepAliveTimeout: 60000 }, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('ok\\n');
}).listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;

interface Client {
  readonly name: string;
  /** Starts one request; calls `done` when it completed (or failed). */
  send(done: (ok: boolean) => void): void;
  close(): Promise<void>;
}

class OwnHandler implements UpstreamHandler {
  constructor(private readonly done: (ok: boolean) => void) {}
  onHead(): void {}
  onData(): boolean {
    return true;
  }
  onEnd(): void {
    this.done(true);
  }
  onError(_err: UpstreamError): void {
    this.done(false);
  }
}

function ownClient(port: number): Client {
  const pool = new UpstreamPool({ host: '127.0.0.1', port, maxConnections: CONNECTIONS, idleTimeoutMs: 30_000 });
  return {
    name: 'vortex upstream',
    send: (done) => void pool.request({ method: 'GET', path: '/', headers: HEADERS }, new OwnHandler(done)),
    close: () => pool.close(),
  };
}

class UndiciHandler implements Dispatcher.DispatchHandler {
  constructor(private readonly done: (ok: boolean) => void) {}
  onRequestStart(): void {}
  onResponseStart(): void {}
  onResponseData(): void {}
  onResponseEnd(): void {
    this.done(true);
  }
  onResponseError(): void {
    this.done(false);
  }
}

function undiciClient(port: number): Client {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30_000 });
  return {
    name: 'undici Pool.dispatch',
    send: (done) => void pool.dispatch({ method: 'GET', path: '/', headers: HEADERS }, new UndiciHandler(done)),
    close: () => pool.close(),
  };
}

interface Result {
  requests: number;
  failures: number;
  seconds: number;
  cpuMicros: number;
  userMicros: number;
}

function run(client: Client, seconds: number): Promise<Result> {
  return new Promise((resolve) => {
    let requests = 0;
    let failures = 0;
    let inFlight = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const deadline = started + seconds * 1000;
    const done = (ok: boolean): void => {
      inFlight--;
      if (ok) requests++;
      else failures++;
      if (performance.now() < deadline) next();
      else if (inFlight === 0) {
        const used = process.cpuUsage(cpu);
        resolve({ requests, failures, seconds: (performance.now() - started) / 1000, cpuMicros: used.user + used.system, userMicros: used.user });
      }
    };
    const next = (): void => {
      inFlight++;
      client.send(done);
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

async function main(): Promise<void> {
  const pinned = spawnSync('taskset', ['-V']).status === 0;
  if (pinned) spawnSync('taskset', ['-p', '-c', '0', String(process.pid)]);
  const command = pinned ? 'taskset' : process.execPath;
  const args = pinned ? ['-c', '1', process.execPath, '-e', BACKEND] : ['-e', BACKEND];
  const backend = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => backend.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const clients = [ownClient(port), undiciClient(port)];
    for (const c of clients) await run(c, 0.5); // warm-up: JIT, connections
    const rows = new Map<string, Result[]>(clients.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of round % 2 === 0 ? clients : [...clients].reverse()) rows.get(c.name)?.push(await run(c, SECONDS));
    }
    for (const c of clients) await c.close();
    console.log(`node ${process.version}, ${IN_FLIGHT} in flight, ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s, pinned: ${pinned}`);
    console.log('client                  req/s (median)   CPU µs/req (median)   of which user   failures');
    for (const [name, results] of rows) {
      const rps = median(results.map((r) => r.requests / r.seconds));
      const cpu = median(results.map((r) => r.cpuMicros / r.requests));
      const user = median(results.map((r) => r.userMicros / r.requests));
      const failures = results.reduce((n, r) => n + r.failures, 0);
      console.log(`${name.padEnd(22)}  ${rps.toFixed(0).padStart(13)}   ${cpu.toFixed(2).padStart(19)}   ${user.toFixed(2).padStart(13)}   ${failures}`);
    }
    // Paired per round: the machine is shared and noisy, so compare within a round.
    const own = rows.get('vortex upstream') ?? [];
    const undici = rows.get('undici Pool.dispatch') ?? [];
    const paired = own.map((r, i) => r.cpuMicros / r.requests / ((undici[i]?.cpuMicros ?? NaN) / (undici[i]?.requests ?? NaN)));
    console.log(`CPU per request, vortex upstream / undici, per round: ${paired.map((x) => x.toFixed(2)).join(' ')}; median ${median(paired).toFixed(2)}`);
  } finally {
    backend.kill();
  }
}

await main();
