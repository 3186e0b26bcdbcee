/** What the cluster rate limit's parts share: options, logger shape and retry timings. */
import type { Clock } from '../../store/embedded/clock.js';
import type { Store } from '../../store/store.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import type { PublicationBounds } from './publication.js';

/** Where the sync reports; a pino logger fits. */
export interface RateLimitSyncLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What a RateLimitSync needs. */
export interface RateLimitSyncOptions {
  store: Store;
  /** The shared limiters by scope (see scopes.ts), read afresh each time: a reload replaces them. */
  limiters: () => ReadonlyMap<string, SlidingWindowLimiter>;
  /** This proxy's id in the keys; unique per running proxy, no colon. */
  proxyId: string;
  /** ms between publications (`ratelimiter.sync_interval`). */
  intervalMs: number;
  /** The limiters' clock (what the hot path passes to check) and timers. Default: performance.now(), setTimeout. */
  clock?: Clock;
  logger?: RateLimitSyncLogger;
  bounds?: PublicationBounds;
}

/** First wait before re-reading after a watch failure (ms); doubles up to RETRY_MAX_MS. */
export const RETRY_INITIAL_MS = 100;
/** Longest wait between attempts of either side while the store fails (ms). */
export const RETRY_MAX_MS = 5_000;
