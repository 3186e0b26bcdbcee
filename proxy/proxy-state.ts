/**
 * The proxy's whole in-memory state, built from a VortexConfig and from router lists: route table,
 * apps, limiters, trusted networks and request limits. Reload (`applyConfig`) and router changes
 * (`setRouter`) replace fields whole; the request path reads them and never waits on anything.
 */
import type { VortexConfig } from '../config/resolve.js';
import { AppState, createLimiter } from './app-state.js';
import type { LimiterSizing } from './app-state.js';
import type { BackendPoolOptions } from './backend.js';
import { parseAddress } from './backend.js';
import type { ProxyMemory } from './proxy-memory.js';
import { LOCAL_MEMORY } from './proxy-memory.js';
import type { SlidingWindowLimiter } from './rate-limiter.js';
import { RouteTable } from './route-table.js';
import { TrustedNetworks } from './trusted-networks.js';

/** Request limits and timings the forwarding core reads on every request. */
export interface ProxySettings {
  /** Request head bytes (names + values) allowed; more → 431. */
  readonly maxHeaderBytes: number;
  /** Request body bytes allowed (declared or streamed); more → 413. */
  readonly maxBodyBytes: number;
  /** How long a request waits for an app scaling from zero (ms). */
  readonly holdTimeoutMs: number;
}

/** The proxy's state. */
export class ProxyState {
  routes: RouteTable<AppState> = new RouteTable<AppState>([]);
  readonly apps = new Map<string, AppState>();
  /** Per-client limit over all apps. */
  globalLimiter!: SlidingWindowLimiter;
  /** Clients that bypass every limiter (`ratelimiter.allow`). */
  allowList = new TrustedNetworks([]);
  /** Peers whose X-Forwarded-* headers are believed (`proxy.trusted_proxies`). */
  trusted = new TrustedNetworks([]);
  settings!: ProxySettings;
  config!: VortexConfig;
  /**
   * Brings counters kept elsewhere into this state before telemetry or /metrics read it: with worker
   * threads the fleet sums their shared rows here (WorkerFleet.refresh); one thread has nothing to do.
   */
  refreshCounters: () => void = () => {};
  /** Last router list per app name, kept even for apps not (yet) configured. */
  private readonly routers = new Map<string, readonly string[]>();
  private poolOptions!: BackendPoolOptions;
  private sizing!: LimiterSizing;

  /** @param memory where counters and limiter tables live (worker threads share them; see proxy-memory.ts) */
  constructor(
    config: VortexConfig,
    readonly memory: ProxyMemory = LOCAL_MEMORY,
  ) {
    this.applyConfig(config);
  }

  /**
   * Applies a (re)loaded config: apps that still exist keep their AppState (counters, backends,
   * held requests); new apps start with their last known router list; removed apps drain. Pool
   * options apply to backends created from now on. A static app's upstreams become its router list.
   */
  applyConfig(config: VortexConfig): void {
    const { proxy, ratelimiter } = config;
    this.config = config;
    this.settings = {
      maxHeaderBytes: proxy.limits.max_header_bytes,
      maxBodyBytes: proxy.limits.max_body_bytes,
      holdTimeoutMs: proxy.hold_timeout,
    };
    this.poolOptions = {
      maxConnections: proxy.limits.max_connections_per_backend,
      connectTimeoutMs: proxy.timeouts.connect,
      headersTimeoutMs: proxy.timeouts.header,
      bodyTimeoutMs: proxy.timeouts.idle,
      idleTimeoutMs: proxy.timeouts.keep_alive,
    };
    this.sizing = { maxClients: ratelimiter.max_tracked_clients, ipv6Prefix: ratelimiter.ipv6_prefix, shared: ratelimiter.scope === 'cluster' };
    const old = this.globalLimiter as SlidingWindowLimiter | undefined;
    if (old === undefined || old.limit !== ratelimiter.ratelimit || old.windowMs !== ratelimiter.ratewindow || old.shared !== this.sizing.shared) {
      this.globalLimiter = createLimiter(ratelimiter.ratelimit, ratelimiter.ratewindow, this.sizing, this.memory, { scope: 'global' });
    }
    this.allowList = new TrustedNetworks(ratelimiter.allow);
    this.trusted = new TrustedNetworks(proxy.trusted_proxies);

    const names = new Set<string>();
    for (const appConfig of config.apps) {
      names.add(appConfig.name);
      let app = this.apps.get(appConfig.name);
      if (app === undefined) {
        app = new AppState(appConfig, this.poolOptions, this.sizing, this.memory);
        this.apps.set(appConfig.name, app);
        const known = this.routers.get(appConfig.name);
        if (known !== undefined) app.setAddresses(known);
      } else {
        app.update(appConfig, this.sizing);
      }
      if (appConfig.backend.plugin === 'static') this.setRouter(appConfig.name, appConfig.backend.upstreams);
    }
    for (const [name, app] of this.apps) {
      if (names.has(name)) continue;
      this.apps.delete(name);
      app.retire();
    }
    this.routes = new RouteTable(
      [...this.apps.values()].map((app) => ({
        ...(app.config.match.host === undefined ? {} : { host: app.config.match.host }),
        pathPrefix: app.config.match.path_prefix,
        target: app,
      })),
    );
  }

  /**
   * An app's ready backend addresses changed (the watch on `router:<app>`). Entries that are not
   * `host:port` are dropped. Remembered for apps not configured yet.
   */
  setRouter(app: string, addresses: readonly string[]): void {
    const valid = addresses.filter((a) => parseAddress(a) !== undefined);
    this.routers.set(app, valid);
    this.apps.get(app)?.setAddresses(valid);
  }

  /** The last router list of every app the store named, configured or not. */
  get routerLists(): ReadonlyMap<string, readonly string[]> {
    return this.routers;
  }

  /** Requests being forwarded or held, over all apps. */
  inFlight(): number {
    let n = 0;
    for (const app of this.apps.values()) n += app.stats.inFlight + app.stats.waiting;
    return n;
  }

  /** Held requests time out and every backend drains (graceful stop). */
  retireAll(): void {
    for (const app of this.apps.values()) app.retire();
  }

  /** Closes every upstream connection now. */
  async destroy(): Promise<void> {
    await Promise.all([...this.apps.values()].map((app) => app.backends.destroyAll()));
  }
}
