/**
 * Everything the proxy keeps for one app: its config, its backends, its own limiter (when the app
 * sets one), its counters and its hold queue. The object lives as long as the app is configured, so
 * counters survive reloads; its fields are replaced whole, never edited in place under a request.
 */
import type { AppConfig } from '../config/resolve.js';
import type { AppStats } from './app-stats.js';
import type { BackendPoolOptions } from './backend.js';
import { BackendSet } from './backend-set.js';
import { HoldQueue } from './hold-queue.js';
import type { HeldRequest } from './hold-queue.js';
import type { LimiterKey, ProxyMemory } from './proxy-memory.js';
import { LOCAL_MEMORY } from './proxy-memory.js';
import { SlidingWindowLimiter } from './rate-limiter.js';

/** Limiter sizing shared by the per-app limiters (from the global `ratelimiter` block). */
export interface LimiterSizing {
  readonly maxClients: number;
  readonly ipv6Prefix: number;
  /** `ratelimiter.scope: cluster`: limiters keep the other proxies' counts. */
  readonly shared: boolean;
}

/**
 * The limiter of `key`: `limit` per `windowMs` sized by `sizing`, its table where `memory` puts it
 * (shared between worker threads, or private). Buckets are cut at epoch instants (memory's offset
 * turns this thread's `now` into epoch ms): every thread's and every proxy's bucket N is then the
 * same stretch of time, which is what lets them share tables and exchange per-bucket counts.
 */
export function createLimiter(limit: number, windowMs: number, sizing: LimiterSizing, memory: ProxyMemory, key: LimiterKey): SlidingWindowLimiter {
  const table = { limit, windowMs, maxClients: sizing.maxClients, shared: sizing.shared };
  const buffer = memory.limiterBuffer(key, table);
  return new SlidingWindowLimiter({ ...table, ipv6Prefix: sizing.ipv6Prefix, epochOffsetMs: memory.epochOffsetMs, ...(buffer === undefined ? {} : { buffer }) });
}

/** One configured app. */
export class AppState {
  readonly name: string;
  config: AppConfig;
  readonly backends: BackendSet;
  /** The app's own limiter; null when the app has no `ratelimiter` block. */
  limiter: SlidingWindowLimiter | null = null;
  readonly stats: AppStats;
  /** Scale from zero: hold requests while the app has no backend (min_replicas 0). */
  canHold: boolean;
  /** Called when held requests go from none to some, so telemetry can publish the demand at once. */
  onDemand: ((app: AppState) => void) | null = null;
  private readonly held: HoldQueue;

  /** @param memory where the counters live (shared between worker threads, or private) */
  constructor(
    config: AppConfig,
    poolOptions: BackendPoolOptions,
    sizing: LimiterSizing,
    private readonly memory: ProxyMemory = LOCAL_MEMORY,
  ) {
    this.name = config.name;
    this.config = config;
    this.canHold = config.min_replicas === 0;
    this.stats = memory.stats(config.name);
    this.backends = new BackendSet(poolOptions, memory.roundRobin(config.name), (address) => memory.backendInFlight(config.name, address));
    this.held = new HoldQueue((waiting) => {
      const had = this.stats.waiting;
      this.stats.waiting = waiting;
      if (had === 0 && waiting > 0) this.onDemand?.(this);
    });
    this.setLimiter(sizing);
  }

  /** Applies a reloaded config of the same app; counters, backends and held requests stay. */
  update(config: AppConfig, sizing: LimiterSizing): void {
    this.config = config;
    this.canHold = config.min_replicas === 0;
    this.setLimiter(sizing);
  }

  /** Replaces the backend list; held requests go on as soon as there is one. */
  setAddresses(addresses: readonly string[]): void {
    this.backends.setAddresses(addresses);
    if (this.backends.list.length > 0) this.held.releaseAll();
  }

  /** Holds `req` for up to `timeoutMs`; false when the queue is full. */
  hold(req: HeldRequest, timeoutMs: number): boolean {
    return this.held.hold(req, timeoutMs);
  }

  /** Takes a held request out (its client went away). */
  unhold(req: HeldRequest): void {
    this.held.remove(req);
  }

  /** The app is gone from the config (or the proxy stops): held requests time out, backends drain. */
  retire(): void {
    this.held.expireAll();
    this.backends.drainAll();
  }

  private setLimiter(sizing: LimiterSizing): void {
    const own = this.config.ratelimiter;
    if (own === undefined) {
      this.limiter = null;
      return;
    }
    const current = this.limiter;
    // Keep the counts across a reload that leaves this app's limit as it was.
    if (current !== null && current.limit === own.ratelimit && current.windowMs === own.ratewindow && current.shared === sizing.shared) return;
    this.limiter = createLimiter(own.ratelimit, own.ratewindow, sizing, this.memory, { scope: 'app', app: this.name });
  }
}
