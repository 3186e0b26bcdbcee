/**
 * Signals for a whole process group. Every instance is started `detached`, so it leads its own group
 * (pgid = its pid) and whatever it spawns (a shell's children, worker processes) stays in that group:
 * signalling -pgid reaches the whole tree, and nothing outside it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { InstanceStatus } from '../provider.js';
import { readProcStat } from './proc-stat.js';

/** How often to look whether a signalled group is gone, ms. */
const POLL_MS = 20;
/** After SIGKILL the kernel needs only a moment; this bounds the wait for it, ms. */
const KILL_WAIT_MS = 5_000;

/** Whether any process of group `pgid` still exists. */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (cannot be ours, but it does exist).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupExists(pgid)) {
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`. Resolves true once the group is gone. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<boolean> {
  if (!groupExists(pgid)) return true;
  signalGroup(pgid, 'SIGTERM');
  if (await waitGone(pgid, graceMs)) return true;
  signalGroup(pgid, 'SIGKILL');
  return waitGone(pgid, KILL_WAIT_MS);
}

/**
 * Whether `pid` is still the process started at `procStartTime`: it exists, is not a zombie, and has
 * the same start time (a different one means the pid was reused by an unrelated process).
 */
export async function pidStatus(pid: number, procStartTime: string): Promise<InstanceStatus & { reused?: boolean }> {
  const stat = await readProcStat(pid);
  if (stat === undefined) return { alive: false, reason: 'exited' };
  if (stat.startTime !== procStartTime) return { alive: false, reason: `exited (pid ${pid} now belongs to another process)`, reused: true };
  if (stat.state === 'Z' || stat.state === 'X') return { alive: false, reason: 'exited' };
  return { alive: true };
}
