/**
 * Exponential backoff for failing starts, per app: a broken image or command is retried at
 * base, 2×base, 4×base ... up to max, instead of a crash loop; one success resets it.
 */

/** Options for {@link RetryBackoff}. */
export interface RetryBackoffOptions {
  /** First delay after a failure, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

/** Failure counts and the time each key may try again. Keys are app names, so the map is bounded by the config. */
export class RetryBackoff {
  readonly #options: RetryBackoffOptions;
  readonly #state = new Map<string, { failures: number; retryAt: number }>();

  constructor(options: RetryBackoffOptions) {
    if (!(options.baseMs > 0) || !(options.maxMs >= options.baseMs)) {
      throw new RangeError(`RetryBackoff: baseMs (${options.baseMs}) must be > 0 and maxMs (${options.maxMs}) ≥ baseMs`);
    }
    this.#options = options;
  }

  /** Records a failure at `now`; returns the delay until the next attempt, ms. */
  fail(key: string, now: number): number {
    const failures = (this.#state.get(key)?.failures ?? 0) + 1;
    // 2^(failures-1) overflows nothing: the exponent is capped where base × 2^n passes max anyway.
    const delayMs = Math.min(this.#options.maxMs, this.#options.baseMs * 2 ** Math.min(failures - 1, 30));
    this.#state.set(key, { failures, retryAt: now + delayMs });
    return delayMs;
  }

  /** Forgets the failures of `key`. */
  succeed(key: string): void {
    this.#state.delete(key);
  }

  /** Ms until `key` may try again at `now` (0: now). */
  waitMs(key: string, now: number): number {
    const state = this.#state.get(key);
    return state === undefined ? 0 : Math.max(0, state.retryAt - now);
  }

  /** Consecutive failures of `key`. */
  failures(key: string): number {
    return this.#state.get(key)?.failures ?? 0;
  }
}
