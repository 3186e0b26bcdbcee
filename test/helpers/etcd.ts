/**
 * Starts a real etcd (Debian's etcd-server, /usr/bin/etcd) for a test: free 127.0.0.1 client and peer
 * ports, a temp data dir, a wait until /health answers, and a stop that kills it and removes the dir.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-port.js';

/** Where Debian's etcd-server package installs etcd; override with VORTEX_ETCD_BIN. */
export const ETCD_BIN = process.env.VORTEX_ETCD_BIN ?? '/usr/bin/etcd';

/** How long etcd may take to report healthy, in ms. */
const START_TIMEOUT_MS = 20_000;
/** How long etcd may take to exit after SIGTERM before it gets SIGKILL, in ms. */
const STOP_TIMEOUT_MS = 5_000;

/** A running etcd member. */
export interface EtcdProcess {
  /** `127.0.0.1:<port>` for clients. */
  endpoint: string;
  dataDir: string;
  /** The etcd process, for CPU accounting in benchmarks. */
  pid: number | undefined;
  /** Kills etcd and removes its data dir; safe to call twice. */
  stop(): Promise<void>;
}

async function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Runs etcd under a small shell guardian that holds our stdin pipe: when the pipe closes — stop()
 * ended it, or the test process died, even by SIGKILL or a timed-out hook — the guardian stops etcd
 * and removes its data dir, so no etcd outlives the test run. It prints etcd's pid first.
 */
const GUARDIAN = [
  'dir="$1"; shift',
  '"$@" >/dev/null & pid=$!',
  'echo "$pid"',
  'read -r _ || true',
  // Our stderr may be a dead pipe by now; the shell's "Terminated" notice must not SIGPIPE it.
  'exec 2>/dev/null',
  'kill "$pid"',
  'wait "$pid"',
  'rm -rf "$dir"',
].join('\n');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a single-member etcd on free ports and waits until it is healthy. */
export async function startEtcd(): Promise<EtcdProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vortex-etcd-'));
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcdArgs = [
    '--name', 'vortex-test',
    '--data-dir', dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `vortex-test=${peer}`,
    '--initial-cluster-state', 'new',
    '--logger', 'zap',
    '--log-level', 'error',
  ];
  const guardian = spawn('/bin/sh', ['-c', GUARDIAN, 'etcd-guardian', dataDir, ETCD_BIN, ...etcdArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  guardian.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
  });
  const etcdPid = await new Promise<number>((resolve, reject) => {
    guardian.stdout.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString('utf8'), 10)));
    guardian.once('error', reject);
    guardian.once('exit', () => reject(new Error(`etcd guardian exited at once:\n${stderr}`)));
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    guardian.stdin.end();
    if (!(await waitExit(guardian, STOP_TIMEOUT_MS))) {
      if (alive(etcdPid)) process.kill(etcdPid, 'SIGKILL');
      guardian.kill('SIGKILL');
      await waitExit(guardian, STOP_TIMEOUT_MS);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!alive(etcdPid)) {
      await stop();
      throw new Error(`etcd exited before becoming healthy:\n${stderr}`);
    }
    try {
      const res = await fetch(`${client}/health`);
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not become healthy within ${START_TIMEOUT_MS} ms:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { endpoint: `127.0.0.1:${clientPort}`, dataDir, pid: etcdPid, stop };
}
