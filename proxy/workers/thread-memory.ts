/**
 * A worker thread's ProxyMemory: views into the shared layout at the slots the main thread
 * allocated (it posts them, see FleetMemory.takeUpdate, before any config or router change that
 * needs them). A name without a slot — only past a table's bound, which the main thread logs — gets
 * memory private to this thread: it still serves, but its counters miss the fleet's totals.
 */
import { AppStats } from '../app-stats.js';
import type { LimiterKey, ProxyMemory } from '../proxy-memory.js';
import type { SlotUpdate } from './fleet-memory.js';
import { limiterScope } from './limiter-key.js';
import { backendKey, inFlightCell, roundRobinCell, statsBlock } from './shared-layout.js';
import type { SharedLayout } from './shared-layout.js';

/** Views for worker thread `thread`. */
export class ThreadMemory implements ProxyMemory {
  /** A worker's request path passes epoch ms already (worker-main.ts). */
  readonly epochOffsetMs = 0;
  private readonly apps = new Map<string, number>();
  private readonly backends = new Map<string, number>();
  private limiters = new Map<string, SharedArrayBuffer>();

  constructor(
    private readonly layout: SharedLayout,
    private readonly thread: number,
  ) {}

  /** Learns the main thread's slot changes (before applying the config or router change they came with). */
  apply(update: SlotUpdate): void {
    for (const key of update.released) this.backends.delete(key);
    for (const [name, slot] of update.apps) this.apps.set(name, slot);
    for (const [key, slot] of update.backends) this.backends.set(key, slot);
    if (update.limiters !== null) this.limiters = new Map(update.limiters);
  }

  roundRobin(app: string): Uint32Array {
    const slot = this.apps.get(app);
    return slot === undefined ? new Uint32Array(1) : roundRobinCell(this.layout, slot);
  }

  backendInFlight(app: string, address: string): Int32Array {
    const slot = this.backends.get(backendKey(app, address));
    return slot === undefined ? new Int32Array(1) : inFlightCell(this.layout, this.thread, slot);
  }

  stats(app: string | null): AppStats {
    const slot = app === null ? -1 : this.apps.get(app);
    return slot === undefined ? new AppStats() : new AppStats(statsBlock(this.layout, this.thread, slot));
  }

  limiterBuffer(key: LimiterKey): SharedArrayBuffer | undefined {
    return this.limiters.get(limiterScope(key));
  }
}
