import { setTimeout as delay } from 'node:timers/promises';

/** Options for {@link eventually}. */
export interface EventuallyOptions {
  /** Give up this many milliseconds after the call. Default 5000. */
  timeoutMs?: number;
  /** Wait this many milliseconds between attempts. Default 50. */
  intervalMs?: number;
}

/** The deadline passed while an attempt was still running. */
export class EventuallyTimeoutError extends Error {
  readonly code = 'VX_TEST_EVENTUALLY_TIMEOUT';
}

const NO_ATTEMPT_FINISHED = Symbol('no attempt finished');

/**
 * Polls `check` until it resolves, and returns its value. At the deadline it throws the last error
 * `check` threw, so a failed assertion reads as itself. The deadline is hard: an attempt still running
 * then is abandoned (the check should bound its own I/O, e.g. `fetch` with `AbortSignal.timeout`).
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 5000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = NO_ATTEMPT_FINISHED;
  for (;;) {
    const timer = new AbortController();
    const attempt = Promise.resolve()
      .then(check)
      .then((value) => ({ finished: true as const, value }));
    const deadlineHit = delay(Math.max(deadline - Date.now(), 0), { finished: false as const }, { signal: timer.signal });
    try {
      const outcome = await Promise.race([attempt, deadlineHit]);
      if (!outcome.finished) throw stillRunning(timeoutMs, lastError);
      return outcome.value;
    } catch (err) {
      if (err instanceof EventuallyTimeoutError) throw err;
      lastError = err;
    } finally {
      timer.abort(); // stops the deadline timer; the race already handles the rejection this causes
    }
    if (Date.now() + intervalMs >= deadline) throw lastError;
    await delay(intervalMs);
  }
}

function stillRunning(timeoutMs: number, lastError: unknown): EventuallyTimeoutError {
  const previous = lastError === NO_ATTEMPT_FINISHED ? 'no attempt had finished' : 'the previous attempt failed';
  return new EventuallyTimeoutError(
    `eventually: a check was still running after ${timeoutMs} ms (${previous})`,
    lastError === NO_ATTEMPT_FINISHED ? undefined : { cause: lastError },
  );
}
