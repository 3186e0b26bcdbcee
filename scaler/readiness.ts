/**
 * The readiness probe (design.md §6): HTTP GET `http://<address><health.path>`; 200 means ready,
 * anything else (another status, a refused connection, no answer within the per-probe timeout) means
 * not yet. A backend joins `router:<app>` only after a 200, and the health monitor uses the same
 * single probe for Running backends.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NotReadyError } from './errors.js';

/** One probe's outcome: ready, or why not (for events and logs). */
export type ProbeResult = { ok: true } | { ok: false; problem: string; timedOut?: true };

/** Probes once; never throws (an abort by `signal` is a not-ok result too). */
export async function probeOnce(address: string, path: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(`http://${address}${path}`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, redirect: 'manual' });
    await response.body?.cancel(); // the body is not needed; free the connection
    return response.status === 200 ? { ok: true } : { ok: false, problem: `status ${response.status}` };
  } catch (err) {
    if (timeout.aborted) return { ok: false, problem: `no answer within ${timeoutMs} ms`, timedOut: true };
    const cause = (err as { cause?: { code?: unknown } }).cause;
    return { ok: false, problem: typeof cause?.code === 'string' ? cause.code : (err as Error).message };
  }
}

/** Options for {@link waitUntilReady}. */
export interface ReadinessOptions {
  /** The health path, starting with "/". */
  path: string;
  /** Each probe's timeout, ms (health.timeout). */
  probeTimeoutMs: number;
  /** Give up after this many ms overall. */
  deadlineMs: number;
  /** Pause between failed probes, ms. Default 100: a starting echo server answers within ~0.1 s of listening. */
  intervalMs?: number;
  /** Aborting rejects with the signal's reason (a died event, a shutdown). */
  signal?: AbortSignal;
}

/** Resolves at the first 200; rejects with NotReadyError at the deadline, or the abort reason. */
export async function waitUntilReady(address: string, options: ReadinessOptions): Promise<void> {
  const { path, probeTimeoutMs, deadlineMs, intervalMs = 100, signal } = options;
  const started = Date.now();
  let last = 'no probe yet';
  for (;;) {
    signal?.throwIfAborted();
    const left = started + deadlineMs - Date.now();
    if (left <= 0) throw new NotReadyError(address, Date.now() - started, last);
    const budget = Math.min(probeTimeoutMs, left);
    const result = await probeOnce(address, path, budget, signal);
    if (result.ok) return;
    // A probe the deadline cut short and that timed out says nothing new: keep the last full answer.
    if (!(result.timedOut && budget < probeTimeoutMs && last !== 'no probe yet')) last = result.problem;
    signal?.throwIfAborted();
    const pause = Math.min(intervalMs, started + deadlineMs - Date.now());
    if (pause > 0) await delay(pause, undefined, signal ? { signal } : {});
  }
}
