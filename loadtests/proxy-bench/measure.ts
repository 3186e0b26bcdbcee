/**
 * What the proxy benchmark and the ingress probe share: starting a server pinned to a CPU, driving
 * it with wrk from the other CPU, and reading its CPU time per request from /proc.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK_TICKS_PER_SECOND, readProcStat } from '../../plugins/process/proc-stat.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** How a round loads a server: wrk pinned to `loadCpu`, `warmup` then `duration` seconds. */
export interface Load {
  loadCpu: string;
  warmup: number;
  duration: number;
}

export interface Server {
  name: string;
  port: number;
  /** Process whose tree's CPU counts as the server's. */
  pid: number;
  child: ChildProcess;
}

export interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  /** The user-space part of cpuUsPerReq (the rest is the kernel's: syscalls, loopback TCP). */
  userUsPerReq: number;
  errors: number;
}

export function requireTools(tools: readonly string[]): void {
  for (const tool of tools) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is missing: apt-get install wrk nginx-light util-linux (Debian)`);
    }
  }
}

/** Starts `command` pinned to `cpu` and waits until `port` answers HTTP. */
export async function startServer(name: string, cpu: string, command: string[], port: number, env: Record<string, string> = {}): Promise<Server> {
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

export async function stopServer(server: Server): Promise<void> {
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

function wrk(port: number, conns: number, seconds: number, loadCpu: string): Promise<{ requests: number; durationUs: number; p50Us: number; p99Us: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('timeout', [String(seconds + 15), 'taskset', '-c', loadCpu, 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '-s', join(HERE, 'wrk-report.lua'), `http://127.0.0.1:${port}/`], {
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

/** One round on `server`: a warm-up, then `load.duration` seconds of wrk with the server's CPU time read around it. */
export async function measure(server: Server, conns: number, load: Load): Promise<Sample> {
  const cpuPid = server.pid;
  await wrk(server.port, conns, load.warmup, load.loadCpu);
  const cpuBefore = await treeCpuSeconds(cpuPid);
  const result = await wrk(server.port, conns, load.duration, load.loadCpu);
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

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
export const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
