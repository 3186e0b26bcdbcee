/**
 * The readiness probe (design.md §6): HTTP GET `http://<address><health.path>`; 200 means ready,
 * anything else (another status, a refused connection, no answer within the per-probe timeout) means
 * not yet. A backend joins `router:<app>` only after a 200, and the health monitor uses the same
 * single probe for Running backends.
 */
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { NotReadyError } from './errors.js';

/** One probe's outcome: ready, or why not (for events and logs). */
export type ProbeResult = { ok: true } | { ok: false; problem: string; timedOut?: true };

/**
 * Probes once; never throws (an abort by `signal` is a not-ok result too). node:http rather than
 * fetch: the first fetch loads Node's bundled undici and web streams, ~14 MB of RSS in every
 * `vortex up`, for one GET whose body is never read. Each probe has its own connection (no agent),
 * so a backend that died between probes cannot answer through a pooled socket.
 */
export function probeOnce(address: string, path: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let response: IncomingMessage | null = null;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // The body is not needed: the connection goes with it.
      response?.destroy();
      request?.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, problem: `aborted: ${String(signal?.reason)}` });
    const timer = setTimeout(() => finish({ ok: false, problem: `no answer within ${timeoutMs} ms`, timedOut: true }), timeoutMs);
    let request: ReturnType<typeof get> | null = null;
    try {
      request = get(`http://${address}${path}`, { agent: false }, (res) => {
        response = res;
        res.on('error', () => {}); // destroyed on purpose in finish()
        finish(res.statusCode === 200 ? { ok: true } : { ok: false, problem: `status ${res.statusCode}` });
      });
    } catch (err) {
      // An address or path that does not make a URL.
      finish({ ok: false, problem: (err as Error).message });
      return;
    }
    request.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, problem: err.code ?? err.message }));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
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
