/**
 * Proxy benchmark: wrk against Vortex (`vortex up`, rate limiter and telemetry on), the backend
 * directly, nginx (1 worker, upstream keep-alive) and http-proxy-3, in one run with interleaved
 * rounds. The server under test is pinned to PROXY_CPU, wrk and the backend to LOAD_CPU. For every
 * round it records req/s, p50/p99 and the server's CPU µs per request (from /proc), and computes the
 * ratios to nginx per round: throughput, and CPU cost (nginx µs/req ÷ ours), the steadier figure on a
 * noisy machine. Then it holds IDLE_CONNS idle keep-alive connections on Vortex and reports its RSS.
 * Prints medians and writes JSON to loadtests/results/. Every load is bounded in time, to 127.0.0.1.
 *
 *   npm run bench:proxy                         # ROUNDS=3 DURATION=10 CONNS="50 200"
 *   ROUNDS=1 DURATION=3 CONNS=50 npm run bench:proxy
 *   npm run bench:proxy -- --workers 2          # proxy.workers for Vortex (give it the cores: PROXY_CPU=0,1)
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '../plugins/process/proc-stat.js';
import { freePorts } from '../test/helpers/free-port.js';
import { backendConfig, proxyConfig } from './proxy-bench/nginx-configs.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 10);
const WARMUP = Number(process.env.WARMUP ?? 2);
const CONNS = (process.env.CONNS ?? '50 200').split(/\s+/).filter(Boolean).map(Number);
const PROXY_CPU = process.env.PROXY_CPU ?? '0';
const LOAD_CPU = process.env.LOAD_CPU ?? '1';
const IDLE_CONNS = Number(process.env.IDLE_CONNS ?? 10_000);
/** `proxy.workers` for Vortex: `--workers N` (or WORKERS), default 1. */
const WORKERS = parseArgs({ options: { workers: { type: 'string' } } }).values.workers ?? process.env.WORKERS ?? '1';
const TARGETS = (process.env.TARGETS ?? 'direct nginx vortex http-proxy-3').split(/\s+/).filter(Boolean);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = join(ROOT, 'loadtests/proxy-bench');

interface Server {
  name: string;
  port: number;
  /** Process whose tree's CPU counts as the server's. */
  pid: number;
  child: ChildProcess;
}

interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  /** The user-space part of cpuUsPerReq (the rest is the kernel's: syscalls, loopback TCP). */
  userUsPerReq: number;
  errors: number;
}

function requireTools(): void {
  for (const tool of ['wrk', 'nginx', 'taskset']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: apt-get install wrk nginx-light util-linux (Debian)`);
    }
  }
}

/** Starts `command` pinned to `cpu` and waits until `port` answers HTTP. */
async function startServer(name: string, cpu: string, command: string[], port: number, env: Record<string, string> = {}): Promise<Server> {
  const child = spawn('taskset', ['-c', cpu, ...command], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer on ${port} within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { name, port, pid: child.pid!, child };
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** utime + stime, and utime alone, in seconds over a process and its children (nginx master + worker, taskset → node). */
async function treeCpuSeconds(pid: number): Promise<{ total: number; user: number }> {
  const pids = [pid, ...spawnSync('pgrep', ['-P', String(pid)]).stdout.toString().split('\n').filter(Boolean).map(Number)];
  let ticks = 0;
  let userTicks = 0;
  // A child that exited between the listing and the read counts nothing.
  for (const p of pids) {
    const stat = await readProcStat(p);
    ticks += stat?.cpuTicks ?? 0;
    userTicks += stat?.userTicks ?? 0;
  }
  return { total: ticks / CLOCK_TICKS_PER_SECOND, user: userTicks / CLOCK_TICKS_PER_SECOND };
}

function wrk(port: number, conns: number, seconds: number): Promise<{ requests: number; durationUs: number; p50Us: number; p99Us: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('timeout', [String(seconds + 15), 'taskset', '-c', LOAD_CPU, 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '-s', join(HERE, 'wrk-report.lua'), `http://127.0.0.1:${port}/`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith('JSON '));
      if (!line) return reject(new Error(`wrk printed no report:\n${out}`));
      const r = JSON.parse(line.slice(5)) as Record<string, number>;
      resolve({
        requests: r.requests!,
        durationUs: r.duration_us!,
        p50Us: r.p50_us!,
        p99Us: r.p99_us!,
        errors: r.err_connect! + r.err_read! + r.err_write! + r.err_status! + r.err_timeout!,
      });
    });
  });
}

async function measure(server: Server, cpuPid: number, conns: number): Promise<Sample> {
  await wrk(server.port, conns, WARMUP);
  const cpuBefore = await treeCpuSeconds(cpuPid);
  const result = await wrk(server.port, conns, DURATION);
  const cpuAfter = await treeCpuSeconds(cpuPid);
  return {
    rps: result.requests / (result.durationUs / 1e6),
    p50Ms: result.p50Us / 1000,
    p99Ms: result.p99Us / 1000,
    cpuUsPerReq: ((cpuAfter.total - cpuBefore.total) * 1e6) / result.requests,
    userUsPerReq: ((cpuAfter.user - cpuBefore.user) * 1e6) / result.requests,
    errors: result.errors,
  };
}

function vortexConfig(port: number, adminPort: number, backendPort: number, dataDir: string): string {
  return `# generated by loadtests/bench-proxy.ts
proxy:
  listen: 127.0.0.1:${port}
  workers: ${WORKERS}
  trusted_proxies: [127.0.0.1/32]
admin:
  listen: 127.0.0.1:${adminPort}
store:
  backend: embedded
  data_dir: ${dataDir}
telemetry:
  interval: 1s
ratelimiter:
  ratelimit: 100000000
  ratewindow: 10s
apps:
  - name: bench
    backend: { plugin: static, upstreams: ["127.0.0.1:${backendPort}"] }
`;
}

/** Opens `count` keep-alive connections, sends one request on each, leaves them idle, returns the proxy's RSS. */
async function idleConnections(port: number, pid: number, count: number): Promise<{ held: number; rssMb: number; baseRssMb: number }> {
  const rss = async () => Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  const baseRssMb = await rss();
  const sockets: Socket[] = [];
  let held = 0;
  const batch = 500;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, () => {
        return new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          sockets.push(socket);
          socket.setTimeout(30_000, () => resolve());
          socket.once('error', () => resolve());
          socket.once('connect', () => socket.write('GET / HTTP/1.1\r\nHost: bench\r\n\r\n'));
          socket.once('data', () => {
            held++;
            resolve();
          });
        });
      }),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const rssMb = await rss();
  for (const socket of sockets) socket.destroy();
  return { held, rssMb, baseRssMb };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

async function main(): Promise<void> {
  requireTools();
  const work = await mkdtemp(join(tmpdir(), 'vortex-bench-proxy-'));
  const [backendPort, nginxPort, vortexPort, adminPort, hp3Port] = (await freePorts(5)) as [number, number, number, number, number];
  for (const dir of ['backend', 'nginx']) await mkdir(join(work, dir), { recursive: true });
  await writeFile(join(work, 'backend/nginx.conf'), backendConfig(backendPort));
  await writeFile(join(work, 'nginx/nginx.conf'), proxyConfig(nginxPort, backendPort));
  await writeFile(join(work, 'vortex.yaml'), vortexConfig(vortexPort, adminPort, backendPort, join(work, 'data')));

  const servers: Server[] = [];
  const results: Record<string, Record<number, Sample[]>> = {};
  let idle: Awaited<ReturnType<typeof idleConnections>> | undefined;
  try {
    const backend = await startServer('backend', LOAD_CPU, ['nginx', '-p', join(work, 'backend/'), '-c', 'nginx.conf'], backendPort);
    servers.push(backend);
    const byName: Record<string, Server> = {};
    if (TARGETS.includes('nginx')) byName.nginx = await startServer('nginx', PROXY_CPU, ['nginx', '-p', join(work, 'nginx/'), '-c', 'nginx.conf'], nginxPort);
    if (TARGETS.includes('vortex')) {
      byName.vortex = await startServer('vortex', PROXY_CPU, [join(ROOT, 'bin/vortex.js'), 'up', '-c', join(work, 'vortex.yaml')], vortexPort, { VORTEX_LOG_LEVEL: 'warn' });
    }
    if (TARGETS.includes('http-proxy-3')) {
      byName['http-proxy-3'] = await startServer('http-proxy-3', PROXY_CPU, [process.execPath, '--import', 'tsx', join(HERE, 'http-proxy-3.ts')], hp3Port, {
        PORT: String(hp3Port),
        TARGET: `http://127.0.0.1:${backendPort}`,
      });
    }
    servers.push(...Object.values(byName));
    if (TARGETS.includes('direct')) byName.direct = backend;

    for (let round = 1; round <= ROUNDS; round++) {
      for (const conns of CONNS) {
        for (const name of TARGETS) {
          const server = byName[name];
          if (!server) continue;
          // For "direct" the backend is the server: it moves to the proxy core for the run.
          if (name === 'direct') spawnSync('taskset', ['-a', '-p', '-c', PROXY_CPU, String(server.pid)]);
          const sample = await measure(server, server.pid, conns);
          if (name === 'direct') spawnSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(server.pid)]);
          ((results[name] ??= {})[conns] ??= []).push(sample);
          process.stderr.write(`round ${round} c${conns} ${name}: ${fmt(sample.rps)} req/s, p99 ${fmt(sample.p99Ms, 2)} ms, ${fmt(sample.cpuUsPerReq, 1)} µs/req (user ${fmt(sample.userUsPerReq, 1)})\n`);
        }
      }
    }
    if (byName.vortex && IDLE_CONNS > 0) idle = await idleConnections(vortexPort, byName.vortex.pid, IDLE_CONNS);
  } finally {
    for (const server of servers.reverse()) await stopServer(server);
    await rm(work, { recursive: true, force: true });
  }

  const lines = [
    `Proxy benchmark: wrk -t1, ${ROUNDS} interleaved rounds × ${DURATION} s, server on CPU ${PROXY_CPU}, wrk + backend on CPU ${LOAD_CPU}; medians. Node ${process.version}. Vortex proxy.workers: ${WORKERS}.`,
  ];
  for (const conns of CONNS) {
    lines.push('', `-c${conns}`, '', '| server | req/s | ×nginx (req/s) | ×nginx (CPU cost) | ×direct | p50 ms | p99 ms | CPU µs/req | of which user | errors |', '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const name of TARGETS) {
      const samples = results[name]?.[conns];
      if (!samples) continue;
      const perRound = (other: string, pick: (a: Sample, b: Sample) => number) =>
        median(samples.map((s, i) => { const o = results[other]?.[conns]?.[i]; return o ? pick(s, o) : NaN; }));
      lines.push(
        `| ${name} | ${fmt(median(samples.map((s) => s.rps)))} | ${fmt(perRound('nginx', (s, n) => s.rps / n.rps), 2)} | ${fmt(perRound('nginx', (s, n) => n.cpuUsPerReq / s.cpuUsPerReq), 2)} | ${fmt(perRound('direct', (s, d) => s.rps / d.rps), 2)} | ${fmt(median(samples.map((s) => s.p50Ms)), 2)} | ${fmt(median(samples.map((s) => s.p99Ms)), 2)} | ${fmt(median(samples.map((s) => s.cpuUsPerReq)), 1)} | ${fmt(median(samples.map((s) => s.userUsPerReq)), 1)} | ${samples.reduce((n, s) => n + s.errors, 0)} |`,
      );
    }
  }
  if (idle) lines.push('', `Idle keep-alive connections on Vortex: ${idle.held} held, RSS ${fmt(idle.rssMb)} MB (${fmt(idle.baseRssMb)} MB before).`);
  console.log(lines.join('\n'));
  const resultsDir = join(ROOT, 'loadtests/results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `proxy-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ rounds: ROUNDS, duration: DURATION, conns: CONNS, workers: WORKERS, node: process.version, results, idle }, null, 2));
  console.log(`\nwrote ${file}`);
}

await main();
