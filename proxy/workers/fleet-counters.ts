/**
 * The main thread's read side of the shared counters: it sums every worker's rows into its own
 * ProxyState (each app's AppStats, each backend copy's in-flight count) so telemetry, /metrics and
 * the graceful close read one ordinary ProxyState, as they do with one thread. Runs off the hot path
 * (each telemetry cycle, each scrape); the cost is threads × apps × AppStats.BLOCK_LENGTH additions.
 *
 * Reads race the workers' plain writes: a sum is a moment's picture, not a transaction. Int32 reads
 * are tear-free; a Float64 read racing a write may tear by the letter of the ECMAScript memory model
 * (V8 on x64 and arm64 loads and stores an aligned 8-byte value in one instruction, so it does not
 * happen there), and a torn read would only skew one scrape, never the worker's own count.
 */
import type { AppStats } from '../app-stats.js';
import type { Backend } from '../backend.js';
import type { ProxyState } from '../proxy-state.js';
import type { FleetMemory } from './fleet-memory.js';
import { backendKey, statsBlock } from './shared-layout.js';
import type { SharedLayout } from './shared-layout.js';

/** Sums thread blocks of app slot `slot` (−1: unrouted) into `target`. */
export function sumStats(target: AppStats, layout: SharedLayout, slot: number): void {
  target.block.fill(0);
  for (let thread = 0; thread < layout.threads; thread++) target.addBlock(statsBlock(layout, thread, slot));
}

/** In-flight requests on backend slot `slot`, over every thread. */
export function backendInFlightTotal(layout: SharedLayout, slot: number): number {
  const rows = new Int32Array(layout.backendInFlight);
  let n = 0;
  for (let thread = 0; thread < layout.threads; thread++) n += Atomics.load(rows, thread * layout.backendSlots + slot);
  return n;
}

/** Refreshes `state` (and the unrouted counters) from the workers' rows. */
export function sumIntoState(state: ProxyState, unrouted: AppStats, memory: FleetMemory): void {
  const { layout } = memory;
  sumStats(unrouted, layout, -1);
  for (const app of state.apps.values()) {
    const slot = memory.apps.get(app.name);
    if (slot !== undefined) sumStats(app.stats, layout, slot);
    const observe = (backend: Backend): void => {
      const backendSlot = memory.backends.get(backendKey(app.name, backend.address));
      if (backendSlot !== undefined) backend.observeInFlight(backendInFlightTotal(layout, backendSlot));
    };
    for (const backend of app.backends.list) observe(backend);
    for (const backend of app.backends.draining) if (backend.state !== 'closed') observe(backend);
  }
}

/** Responses each worker thread has sent (every app and the unrouted ones), by thread index. */
export function responsesByThread(layout: SharedLayout): number[] {
  const out: number[] = [];
  for (let thread = 0; thread < layout.threads; thread++) {
    let n = 0;
    for (let slot = -1; slot < layout.appSlots; slot++) {
      const block = statsBlock(layout, thread, slot);
      // byClass is the first view of a block: indices 1..5.
      for (let i = 1; i < 6; i++) n += block[i]!;
    }
    out.push(n);
  }
  return out;
}
