/**
 * /proc/<pid>/stat (Linux, proc(5)): the few fields that tell whether a pid is still the process we
 * started. A pid is reused once its process is gone, so "a process with this pid exists" is not
 * enough; the start time (field 22, clock ticks since boot) is fixed for a process's life and
 * differs for any later process that gets the same pid.
 */
import { readFile } from 'node:fs/promises';

/** The fields Vortex reads. */
export interface ProcStat {
  pid: number;
  /** One letter: R running, S sleeping, D disk wait, Z zombie, T stopped, X dead, ... */
  state: string;
  /** Process group id: equal to pid for a group leader (a `detached` child). */
  pgrp: number;
  /** Field 22: start time in clock ticks after boot; compared as a string, never converted. */
  startTime: string;
  /** Fields 14 + 15: CPU time used so far (user + system), in clock ticks (USER_HZ, 100 per second on Linux). */
  cpuTicks: number;
  /** Field 14 alone: the user-space part of cpuTicks. */
  userTicks: number;
}

/** Clock ticks per second in /proc times (USER_HZ), fixed at 100 on Linux. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Parses the text of /proc/<pid>/stat. Field 2 is the command name in parentheses and may itself hold
 * spaces and ")", so fields are counted from the last ")". Undefined when the text is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // After ")": field 3 (state) is rest[0], so field N is rest[N - 3].
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTime = rest[19];
  const userTicks = Number(rest[11]);
  const cpuTicks = userTicks + Number(rest[12]);
  if (!Number.isInteger(pid) || state === undefined || !Number.isInteger(pgrp) || startTime === undefined || !/^\d+$/.test(startTime)) return undefined;
  if (!Number.isInteger(cpuTicks)) return undefined;
  return { pid, state, pgrp, startTime, cpuTicks, userTicks };
}

/** The stat of a live (or zombie) pid; undefined when no such process exists. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw err;
  }
}
