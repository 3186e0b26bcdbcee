/**
 * Where the counters that worker threads share live. ProxyState asks this for every app's
 * round-robin counter and stats block, every backend's in-flight cell and every limiter's table.
 * The default, {@link LOCAL_MEMORY}, hands out plain private arrays (one thread: `proxy.workers: 1`);
 * proxy/workers/thread-memory.ts hands out views into SharedArrayBuffers instead. Either way the
 * request path does the same thing: a cell is a one-element typed array updated with Atomics.
 */
import { AppStats } from './app-stats.js';

/** Sizing of one limiter table (what SlidingWindowLimiter.bytesFor needs). */
export interface LimiterTable {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxClients: number;
  /** Room for other proxies' counts (`ratelimiter.scope: cluster`). */
  readonly shared: boolean;
}

/** The allocator behind ProxyState's counters. */
export interface ProxyMemory {
  /** A one-element Uint32Array: the app's round-robin counter (bumped with Atomics.add). */
  roundRobin(app: string): Uint32Array;
  /** A one-element Int32Array: requests in flight from this thread on `app`'s backend `address` (Atomics.add/sub). */
  backendInFlight(app: string, address: string): Int32Array;
  /** The app's counters for this thread (`null`: requests that reached no app). */
  stats(app: string | null): AppStats;
  /** The buffer a limiter's table lives in; undefined to let the limiter allocate its own. */
  limiterBuffer(key: LimiterKey, table: LimiterTable): SharedArrayBuffer | undefined;
  /**
   * What the limiters add to the `now` this thread's request path passes to get epoch ms (shared
   * buckets must start at the same instants in every thread and proxy): performance.timeOrigin where
   * the path passes performance.now(), 0 in worker threads, whose path passes epoch ms already.
   */
  readonly epochOffsetMs: number;
}

/** Which limiter: the global one, or an app's own. */
export type LimiterKey = { readonly scope: 'global' } | { readonly scope: 'app'; readonly app: string };

/** One thread, nothing shared: fresh private arrays every time. */
export const LOCAL_MEMORY: ProxyMemory = {
  roundRobin: () => new Uint32Array(1),
  backendInFlight: () => new Int32Array(1),
  stats: () => new AppStats(),
  limiterBuffer: () => undefined,
  epochOffsetMs: performance.timeOrigin,
};
