/**
 * The main thread's ProxyMemory when worker threads serve the traffic. The main thread keeps a
 * ProxyState of its own (fed by the router watch and config reloads, read by telemetry and
 * /metrics) but forwards nothing; building that state is what allocates the shared slots: an app's
 * index the first time the app is configured, an app backend's index when it first appears in a
 * router list, a limiter table when a limiter is (re)built. The cells and stats it hands back are
 * private: they are the targets the fleet sums the workers' rows into (see fleet-counters.ts).
 * `takeUpdate()` then says what the workers must learn before they apply the same change.
 */
import { AppStats } from '../app-stats.js';
import type { LimiterKey, LimiterTable, ProxyMemory } from '../proxy-memory.js';
import { SlidingWindowLimiter } from '../rate-limiter.js';
import { limiterScope } from './limiter-key.js';
import { backendKey } from './shared-layout.js';
import type { SharedLayout } from './shared-layout.js';
import { SlotTable } from './slot-table.js';

/** Slot changes for the workers, applied in this order: released, then new ones. */
export interface SlotUpdate {
  /** Backend keys whose index was freed. */
  readonly released: string[];
  readonly apps: [string, number][];
  readonly backends: [string, number][];
  /** The limiter table of every scope in use now (a worker replaces its set), or null when unchanged. */
  readonly limiters: [string, SharedArrayBuffer][] | null;
}

/** Called when a table is full (the name is then served with memory private to each thread). */
export type BoundWarning = (table: 'apps' | 'backends', name: string, capacity: number) => void;

/** Main-thread allocator of shared slots. */
export class FleetMemory implements ProxyMemory {
  /** The main thread's limiters are driven by the cluster rate-limit sync with performance.now(). */
  readonly epochOffsetMs = performance.timeOrigin;
  readonly apps: SlotTable;
  readonly backends: SlotTable;
  /** The newest limiter table per scope (limiter-key.ts): a rebuilt limiter replaces its scope's table. */
  private readonly limiters = new Map<string, SharedArrayBuffer>();
  /** Names already reported as past a bound (reported once). */
  private readonly overflowed = new Set<string>();
  private pending: { released: string[]; apps: [string, number][]; backends: [string, number][]; limitersChanged: boolean } = {
    released: [],
    apps: [],
    backends: [],
    limitersChanged: false,
  };

  constructor(
    readonly layout: SharedLayout,
    private readonly onBound: BoundWarning,
  ) {
    this.apps = new SlotTable(layout.appSlots);
    this.backends = new SlotTable(layout.backendSlots);
  }

  roundRobin(app: string): Uint32Array {
    this.allocateApp(app);
    return new Uint32Array(1);
  }

  stats(app: string | null): AppStats {
    if (app !== null) this.allocateApp(app);
    return new AppStats();
  }

  backendInFlight(app: string, address: string): Int32Array {
    const key = backendKey(app, address);
    if (this.backends.get(key) === undefined) {
      const slot = this.backends.allocate(key);
      if (slot < 0) this.overflow('backends', key);
      else this.pending.backends.push([key, slot]);
    }
    return new Int32Array(1);
  }

  /** A fresh table: ProxyState asks only when it builds a limiter (new, or its limit or window changed). */
  limiterBuffer(key: LimiterKey, table: LimiterTable): SharedArrayBuffer {
    const buffer = new SharedArrayBuffer(SlidingWindowLimiter.bytesFor(table.maxClients, table.shared));
    this.limiters.set(limiterScope(key), buffer);
    this.pending.limitersChanged = true;
    return buffer;
  }

  /** After a config was applied: forgets the tables of scopes no limiter has any more (an app removed, or its limiter). */
  pruneLimiters(scopesInUse: ReadonlySet<string>): void {
    for (const scope of [...this.limiters.keys()]) {
      if (scopesInUse.has(scope)) continue;
      this.limiters.delete(scope);
      this.pending.limitersChanged = true;
    }
  }

  /** Frees a backend key's index (the fleet checked nothing can use it any more). */
  releaseBackend(key: string): void {
    if (this.backends.get(key) === undefined) return;
    this.backends.release(key);
    this.pending.released.push(key);
  }

  /** The changes since the last call. */
  takeUpdate(): SlotUpdate {
    const { released, apps, backends, limitersChanged } = this.pending;
    this.pending = { released: [], apps: [], backends: [], limitersChanged: false };
    return { released, apps, backends, limiters: limitersChanged ? [...this.limiters] : null };
  }

  /** Everything, for a worker that starts now. */
  snapshot(): SlotUpdate {
    return { released: [], apps: [...this.apps.entries()], backends: [...this.backends.entries()], limiters: [...this.limiters] };
  }

  private allocateApp(app: string): void {
    if (this.apps.get(app) !== undefined) return;
    const slot = this.apps.allocate(app);
    if (slot < 0) this.overflow('apps', app);
    else this.pending.apps.push([app, slot]);
  }

  private overflow(table: 'apps' | 'backends', name: string): void {
    if (this.overflowed.has(`${table}:${name}`)) return;
    this.overflowed.add(`${table}:${name}`);
    this.onBound(table, name, this[table].capacity);
  }
}
