/**
 * The proxy's telemetry publisher: every `telemetry.interval` it writes one ClientMetrics record per
 * app at `vortex:metrics:<app>:<proxyId>`, all under ONE lease of its own (TTL a few intervals, kept
 * alive here), so a proxy that dies takes its numbers with it. An app whose held requests go from 0
 * to some is published at once (AppState.onDemand), not at the next tick: that is how a scale from
 * zero starts. The store is never on the request path: a failed cycle is logged and retried with
 * back-off, a lost lease is granted anew, and the counters keep running, so the first window after
 * an outage covers the whole outage.
 */
import { hostname } from 'node:os';
import type { Clock } from '../store/embedded/clock.js';
import { systemClock } from '../store/embedded/clock.js';
import { isLeaseNotFound } from '../store/errors.js';
import { ClientMetrics, clientMetricsId } from '../store/records/client-metrics.js';
import { Records } from '../store/records/records.js';
import type { LeaseId, Store } from '../store/store.js';
import type { AppState } from './app-state.js';
import type { StatsSnapshot } from './telemetry-window.js';
import { snapshotStats, windowRecord, zeroSnapshot } from './telemetry-window.js';

/** Where telemetry reports; a pino logger fits. */
export interface TelemetryLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The apps to report on (ProxyState fits). */
export interface TelemetrySource {
  readonly apps: ReadonlyMap<string, AppState>;
  /** Called before each read of the apps' counters (worker threads keep theirs in shared memory). */
  refreshCounters?(): void;
}

/** What a Telemetry needs. */
export interface TelemetryOptions {
  store: Store;
  source: TelemetrySource;
  /** This proxy's id in the keys; unique per running proxy (see defaultProxyId). */
  proxyId: string;
  /** ms between publications (`telemetry.interval`). */
  intervalMs: number;
  /** Epoch-ms time and timers; injectable for tests. */
  clock?: Clock;
  logger?: TelemetryLogger;
}

/** Longest wait between attempts while the store fails (ms); attempts start at the interval and double. */
export const RETRY_MAX_MS = 5_000;
/** How long a graceful stop waits for the lease revoke before leaving the lease to expire (ms). */
export const REVOKE_TIMEOUT_MS = 2_000;

/** Lease TTL (s): three intervals, at least 2 s (a lease needs a renewal window shorter than its TTL). */
export function leaseTtlSeconds(intervalMs: number): number {
  return Math.max(2, Math.ceil((3 * intervalMs) / 1000));
}

/** A proxy id unique per host and process: `<hostname>-<pid>`, in the characters store keys like. */
export function defaultProxyId(): string {
  return `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}`;
}

const SILENT: TelemetryLogger = { info: () => {}, warn: () => {} };

/** The publisher. Call start() once; stop() revokes the lease. */
export class Telemetry {
  /** Successful publish cycles (ticks and demand publications). */
  cycles = 0;
  /** Failed cycles in a row (0 when the last one succeeded). */
  failures = 0;
  private readonly store: Store;
  private readonly records: Records;
  private readonly clock: Clock;
  private readonly logger: TelemetryLogger;
  private readonly ttlSeconds: number;
  private lease: LeaseId | null = null;
  private renewedAt = 0;
  /** Per app: the counters at the end of its last published window. */
  private readonly previous = new Map<string, StatsSnapshot>();
  /** Apps with a record out under our lease (removed apps get theirs deleted). */
  private readonly published = new Set<string>();
  private readonly demanded = new Set<string>();
  private cancelTimer: (() => void) | null = null;
  /** Cycles run one after another on this chain; it never rejects. */
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: TelemetryOptions) {
    this.store = options.store;
    this.records = new Records(options.store);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? SILENT;
    this.ttlSeconds = leaseTtlSeconds(options.intervalMs);
  }

  /** The lease our records are under, null while none is held. */
  get leaseId(): LeaseId | null {
    return this.lease;
  }

  /** Starts publishing; the first records go out at once. */
  start(): void {
    this.attach();
    void this.tick();
  }

  /**
   * Hooks apps added since the last call (a config reload) so their demand is published at once;
   * each tick calls it too. Their first window is taken to have begun one interval ago and holds
   * everything they counted since they were created (at most about that long ago).
   */
  attach(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    for (const [name, app] of this.options.source.apps) {
      app.onDemand = this.onDemand;
      if (!this.previous.has(name)) this.previous.set(name, zeroSnapshot(app, now - this.options.intervalMs));
    }
  }

  /** Resolves once every cycle started so far has finished (tests and shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Stops publishing and revokes the lease, which deletes every record of this proxy at once. */
  async stop(): Promise<void> {
    if (this.stopped) return this.chain;
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    for (const app of this.options.source.apps.values()) if (app.onDemand === this.onDemand) app.onDemand = null;
    await this.chain;
    const lease = this.lease;
    this.lease = null;
    if (lease === null) return;
    let cancelTimeout = (): void => {};
    const timeout = new Promise<'timeout'>((resolve) => {
      cancelTimeout = this.clock.setTimer(() => resolve('timeout'), REVOKE_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([this.store.revoke(lease).then(() => 'revoked' as const), timeout]);
      if (outcome === 'timeout') this.logger.warn({ lease }, 'telemetry lease revoke timed out; the records expire with the lease');
    } catch (err) {
      if (!isLeaseNotFound(err)) this.logger.warn({ err, lease }, 'telemetry lease revoke failed; the records expire with the lease');
    } finally {
      cancelTimeout();
    }
  }

  /**
   * An app's held requests went from none to some: publish it now. Not while the store is failing:
   * the back-off tick carries `waiting` then, and a flapping queue must not hammer a sick store.
   */
  private readonly onDemand = (app: AppState): void => {
    if (this.stopped || this.failures > 0 || this.demanded.has(app.name)) return;
    this.demanded.add(app.name);
    void this.serial(() => this.publishDemanded());
  };

  private async tick(): Promise<void> {
    this.cancelTimer = null;
    this.attach();
    await this.serial(() => this.cycle([...this.options.source.apps.keys()], true));
    if (this.stopped) return;
    const delay = this.failures === 0 ? this.options.intervalMs : Math.min(Math.max(RETRY_MAX_MS, this.options.intervalMs), this.options.intervalMs * 2 ** (this.failures - 1));
    this.cancelTimer = this.clock.setTimer(() => void this.tick(), delay);
  }

  private serial(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work);
    return this.chain;
  }

  private async publishDemanded(): Promise<void> {
    const names = [...this.demanded];
    this.demanded.clear();
    if (names.length > 0) await this.cycle(names, false);
  }

  /** Publishes `names`; `sweep` also deletes the records of apps no longer configured. Never throws. */
  private async cycle(names: readonly string[], sweep: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      const lease = await this.ensureLease();
      this.options.source.refreshCounters?.();
      for (const name of names) {
        const app = this.options.source.apps.get(name);
        const before = this.previous.get(name);
        if (app === undefined || before === undefined) continue;
        const after = snapshotStats(app, this.clock.now());
        await this.records.put(ClientMetrics, windowRecord(app, this.options.proxyId, before, after), { lease });
        this.previous.set(name, after);
        this.published.add(name);
      }
      if (sweep) await this.sweep();
      if (this.failures > 0) this.logger.info({ failures: this.failures }, 'telemetry publishing again');
      this.failures = 0;
      this.cycles++;
    } catch (err) {
      if (isLeaseNotFound(err)) this.lease = null;
      this.failures++;
      this.logger.warn({ err, failures: this.failures }, 'telemetry publish failed; traffic is unaffected, retrying with back-off');
    }
  }

  private async ensureLease(): Promise<LeaseId> {
    const now = this.clock.now();
    if (this.lease !== null && now - this.renewedAt >= (this.ttlSeconds * 1000) / 3) {
      try {
        await this.store.keepAlive(this.lease);
        this.renewedAt = now;
      } catch (err) {
        if (!isLeaseNotFound(err)) throw err;
        this.logger.warn({ lease: this.lease }, 'telemetry lease was lost; granting a new one');
        this.lease = null;
      }
    }
    if (this.lease === null) {
      const grant = await this.store.grant(this.ttlSeconds);
      this.lease = grant.id;
      this.renewedAt = now;
      // Records under the old lease are gone with it; every app publishes anew.
      this.published.clear();
    }
    return this.lease;
  }

  private async sweep(): Promise<void> {
    for (const name of this.published) {
      if (this.options.source.apps.has(name)) continue;
      await this.records.delete(ClientMetrics, clientMetricsId(name, this.options.proxyId));
      this.published.delete(name);
      this.previous.delete(name);
    }
  }
}
