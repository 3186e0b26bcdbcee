/**
 * Time as the embedded store sees it, injectable so tests can script lease expiry. Lease deadlines
 * are absolute `now()` values persisted in the WAL, so the real clock must be wall-clock time
 * (ms since the epoch): a lease's remaining TTL then survives a restart, and a wall-clock jump
 * shortens or lengthens every lease by the jump.
 */

/** A clock with a one-shot timer. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; returns a function that cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

/** setTimeout's largest delay (~24.8 days); longer ones would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Date.now and setTimeout (unref'd: a pending lease expiry does not keep the process alive). Delays
 * beyond setTimeout's range fire early at the limit; the lessor then finds nothing due and re-arms.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    timer.unref();
    return () => clearTimeout(timer);
  },
};
