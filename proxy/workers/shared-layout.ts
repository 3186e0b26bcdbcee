/**
 * The SharedArrayBuffers the main thread creates and every worker thread maps, and where each
 * counter sits in them. Posting a SharedArrayBuffer to a worker shares it (no copy).
 *
 *   roundRobin       Uint32 [appSlots]                             one counter per app, every thread bumps it (Atomics.add)
 *   backendInFlight  Int32  [threads][backendSlots]                a row per thread (Atomics.add/sub by its owner, Atomics.load by main)
 *   stats            Float64[threads][1 + appSlots][BLOCK_LENGTH]  an AppStats block per thread and app; block 0 = unrouted
 *
 * In-flight counts and stats are per-thread rows rather than one shared cell: a crashed worker's
 * share can then be dropped (its row zeroed) instead of leaking, and the hot path never contends on
 * a cache line with another thread for them. The round-robin counter is the one cell all threads
 * contend on, on purpose: that is what makes the balance global.
 */
import { AppStats } from '../app-stats.js';

/** Default bounds (see docs/proxy.md "Worker threads" for what happens at each). */
export const DEFAULT_APP_SLOTS = 64;
/** App backends (app + address pairs) tracked at once across the fleet. */
export const DEFAULT_BACKEND_SLOTS = 4_096;

/** Plain data describing the shared memory: what a worker receives. */
export interface SharedLayout {
  readonly threads: number;
  readonly appSlots: number;
  readonly backendSlots: number;
  readonly roundRobin: SharedArrayBuffer;
  readonly backendInFlight: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
}

/** Allocates zeroed shared memory for `threads` workers. */
export function createLayout(threads: number, appSlots = DEFAULT_APP_SLOTS, backendSlots = DEFAULT_BACKEND_SLOTS): SharedLayout {
  return {
    threads,
    appSlots,
    backendSlots,
    roundRobin: new SharedArrayBuffer(appSlots * 4),
    backendInFlight: new SharedArrayBuffer(threads * backendSlots * 4),
    stats: new SharedArrayBuffer(threads * (1 + appSlots) * AppStats.BLOCK_LENGTH * 8),
  };
}

/** The round-robin cell of app slot `slot`. */
export function roundRobinCell(layout: SharedLayout, slot: number): Uint32Array {
  return new Uint32Array(layout.roundRobin, slot * 4, 1);
}

/** Thread `thread`'s in-flight cell for backend slot `slot`. */
export function inFlightCell(layout: SharedLayout, thread: number, slot: number): Int32Array {
  return new Int32Array(layout.backendInFlight, (thread * layout.backendSlots + slot) * 4, 1);
}

/** Thread `thread`'s row of in-flight cells. */
export function inFlightRow(layout: SharedLayout, thread: number): Int32Array {
  return new Int32Array(layout.backendInFlight, thread * layout.backendSlots * 4, layout.backendSlots);
}

/** Thread `thread`'s AppStats block for app slot `slot` (−1: requests that reached no app). */
export function statsBlock(layout: SharedLayout, thread: number, slot: number): Float64Array {
  const index = thread * (1 + layout.appSlots) + slot + 1;
  return new Float64Array(layout.stats, index * AppStats.BLOCK_LENGTH * 8, AppStats.BLOCK_LENGTH);
}

/** Everything a crashed thread left in flight or waiting is gone with it: zero its gauges. */
export function clearThread(layout: SharedLayout, thread: number): void {
  inFlightRow(layout, thread).fill(0);
  for (let slot = -1; slot < layout.appSlots; slot++) new AppStats(statsBlock(layout, thread, slot)).clearGauges();
}

/** Key of an app's backend in the backend slot table (an address may serve two apps). */
export function backendKey(app: string, address: string): string {
  return `${app}\n${address}`;
}
