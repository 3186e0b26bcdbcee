/**
 * The scaler component (design.md §6): any number may run; the one holding `vortex:scaler:leader`
 * decides. A leadership term reads the ScaleJobs, ManualScales and ClientMetrics in one txn, seeds one
 * AppDecider per configured app from them (level-triggered recovery: the current targets and when
 * they were set survive a failover), then watches `vortex:metrics:` and `vortex:manual:scale:` from
 * the revision after that read, so no change falls between the read and the watch. The term ends the
 * moment leadership is lost: watches cancelled, deciders' timers cleared; writes still in flight
 * fail their fence. A broken watch (store error, compaction) ends the term and starts a fresh one
 * after `retryMs`, re-reading everything.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppConfig } from '../config/resolve.js';
import type { Clock } from '../store/embedded/clock.js';
import { systemClock } from '../store/embedded/clock.js';
import { LeaderElection } from '../store/election.js';
import { keys } from '../store/keys.js';
import { ClientMetrics } from '../store/records/client-metrics.js';
import { Records } from '../store/records/records.js';
import type { ManualScaleValue, ScaleJobValue } from '../store/records/scale-job.js';
import { ManualScale, ScaleJob } from '../store/records/scale-job.js';
import type { KeyValue, RangeResult, Store, Watcher, WatchEvent } from '../store/store.js';
import { prefixRange } from '../store/store.js';
import type { DeciderLogger } from './decider.js';
import { AppDecider } from './decider.js';
import { processEventSequence } from './event-log.js';
import { MetricsView } from './metrics-view.js';
import { policyFor } from './policy-registry.js';

/** Leader election timing (design.md §6): lease TTL 5 s, renewed every TTL/3, followers retry every 2 s. */
export const SCALER_ELECTION = { ttlSeconds: 5, retryMs: 2_000 } as const;

/** What the scaler reads from vortex.yaml: the apps (a VortexConfig fits). */
export interface ScalerConfig {
  apps: readonly AppConfig[];
}

/** Options for {@link Scaler}; only `store` and `config` are required. */
export interface ScalerOptions {
  store: Store;
  config: ScalerConfig;
  /** This scaler's id: the leader key's value and ScaleJob.issuedBy. Default `<host>:<pid>:<random>`. */
  id?: string;
  /** Time for decisions and their timers; default the wall clock. */
  clock?: Clock;
  /** Leader lease TTL in seconds; default 5. */
  ttlSeconds?: number;
  /** Leader renewal period in ms; default TTL/3. */
  renewMs?: number;
  /** Followers campaign again (and a broken term restarts) after this many ms; default 2,000. */
  retryMs?: number;
  /** pino's Logger fits; default: silent. */
  logger?: DeciderLogger;
}

/** One leadership term's live parts; replaced whole when a term ends. */
interface Term {
  deciders: Map<string, AppDecider>;
  watchers: Watcher[];
  /** Every ManualScale in the store, by app (kept for unconfigured apps too, for a later reload). */
  manuals: Map<string, ManualScaleValue>;
  /** False while the term's first read is in flight; deciders exist only once it is done. */
  loaded: boolean;
}

const silent: DeciderLogger = { info: () => undefined, warn: () => undefined };

/**
 * The scaler: `new Scaler({store, config})`, `start()`, `applyConfig(config)` on reload, `close()`.
 * Writes, while leading: `vortex:queue:scale:<app>` (ScaleJob) and `vortex:event:<app>:<seq>` (kind
 * `scale`), one fenced txn per target change; and `vortex:scaler:leader` through its election.
 */
export class Scaler {
  /** This scaler's id. */
  readonly id: string;
  readonly #store: Store;
  readonly #records: Records;
  readonly #clock: Clock;
  readonly #logger: DeciderLogger;
  readonly #retryMs: number;
  readonly #election: LeaderElection;
  readonly #view = new MetricsView();
  #apps = new Map<string, AppConfig>();
  #term: Term | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Deciders of ended terms still finishing a write; close() waits for them. */
  readonly #stopping = new Set<Promise<void>>();
  /** Metrics keys whose value did not validate, warned about once until they do. */
  readonly #badKeys = new Set<string>();
  #closed = false;

  constructor(options: ScalerOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#store = options.store;
    this.#records = new Records(options.store);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silent;
    this.#retryMs = options.retryMs ?? SCALER_ELECTION.retryMs;
    this.#election = new LeaderElection(options.store, {
      key: keys.scalerLeader,
      id: this.id,
      ttlSeconds: options.ttlSeconds ?? SCALER_ELECTION.ttlSeconds,
      retryMs: this.#retryMs,
      ...(options.renewMs !== undefined ? { renewMs: options.renewMs } : {}),
      onError: (error) => this.#logger.warn({ err: error }, 'scaler leader election'),
    });
    this.#election.onChange((leading) => (leading ? this.#beginTerm() : this.#endTerm()));
    this.applyConfig(options.config);
  }

  /** Whether this scaler leads right now. */
  get isLeader(): boolean {
    return this.#election.isLeader;
  }

  /** Called with true on winning and false on losing leadership; returns an unsubscribe function. */
  onLeadershipChange(listener: (leading: boolean) => void): () => void {
    const unsubscribe = this.#election.onChange(listener);
    return () => void unsubscribe();
  }

  /** Starts campaigning; leader work begins on winning. */
  start(): void {
    if (!this.#closed) this.#election.start();
  }

  /**
   * Takes a reloaded config: deciders for removed apps stop, changed apps decide again at once, new
   * apps start. Throws UnknownPolicyError, before changing anything, when an app names no policy.
   */
  applyConfig(config: ScalerConfig): void {
    for (const app of config.apps) policyFor(app.scaling.policy);
    const next = new Map(config.apps.map((app) => [app.name, app]));
    const term = this.#term;
    for (const name of this.#apps.keys()) {
      if (next.has(name)) continue;
      this.#view.unwatchApp(name);
      const decider = term?.deciders.get(name);
      if (decider) {
        term!.deciders.delete(name);
        this.#track(decider.stop());
      }
    }
    this.#apps = next;
    for (const spec of next.values()) {
      this.#view.watchApp(spec.name);
      if (term === undefined || !term.loaded) continue;
      const decider = term.deciders.get(spec.name);
      if (decider) decider.setSpec(spec);
      else void this.#addAppLater(term, spec);
    }
  }

  /** Stops: resigns leadership (a follower takes over at once), ends leader work, waits for in-flight writes. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    await this.#election.stop();
    this.#endTerm();
    await Promise.all([...this.#stopping]);
  }

  #beginTerm(): void {
    this.#endTerm();
    const term: Term = { deciders: new Map(), watchers: [], manuals: new Map(), loaded: false };
    this.#term = term;
    this.#logger.info({ id: this.id }, 'scaler leads');
    void this.#load(term);
  }

  /** The term's first read, then deciders, then watches from the revision after the read. */
  async #load(term: Term): Promise<void> {
    try {
      const { revision, responses } = await this.#store.txn({
        success: [keys.scaleJobsAll, keys.manualScalesAll, keys.metricsAll].map((prefix) => ({ op: 'range' as const, ...prefixRange(prefix) })),
      });
      if (this.#term !== term) return;
      const [jobs, manuals, metrics] = responses.map((response) => (response as RangeResult).kvs) as [KeyValue[], KeyValue[], KeyValue[]];
      const now = this.#clock.now();
      for (const kv of metrics) this.#onMetrics({ type: 'put', kv }, now);
      for (const kv of manuals) this.#onManual(term, { type: 'put', kv });
      const jobByApp = new Map<string, ScaleJobValue>();
      for (const kv of jobs) {
        const job = this.#decode(ScaleJob, kv);
        if (job) jobByApp.set(job.app, job);
      }
      for (const spec of this.#apps.values()) this.#addDecider(term, spec, jobByApp.get(spec.name));
      term.loaded = true;
      this.#watch(term, keys.metricsAll, revision + 1, (events, at) => {
        const touched = new Set<string>();
        for (const event of events) {
          const app = this.#onMetrics(event, at);
          if (app !== undefined) touched.add(app);
        }
        for (const app of touched) term.deciders.get(app)?.decide();
      });
      this.#watch(term, keys.manualScalesAll, revision + 1, (events) => {
        for (const event of events) this.#onManual(term, event);
      });
      for (const decider of term.deciders.values()) decider.decide();
    } catch (error) {
      this.#restartTerm(term, error);
    }
  }

  /** An app added by a reload while leading: seeded from its ScaleJob; its metrics arrive with the next reports. */
  async #addAppLater(term: Term, spec: AppConfig): Promise<void> {
    try {
      const job = await this.#records.get(ScaleJob, spec.name);
      if (this.#term !== term || term.deciders.has(spec.name) || this.#apps.get(spec.name) === undefined) return;
      this.#addDecider(term, this.#apps.get(spec.name)!, job?.record).decide();
    } catch (error) {
      this.#restartTerm(term, error);
    }
  }

  #addDecider(term: Term, spec: AppConfig, job: ScaleJobValue | undefined): AppDecider {
    const decider = new AppDecider({
      spec,
      store: this.#store,
      fence: this.#election,
      view: this.#view,
      clock: this.#clock,
      events: processEventSequence,
      logger: this.#logger,
      issuedBy: this.id,
      seed: { job, manual: term.manuals.get(spec.name) },
    });
    term.deciders.set(spec.name, decider);
    return decider;
  }

  #watch(term: Term, prefix: string, startRevision: number, handle: (events: WatchEvent[], now: number) => void): void {
    const watcher = this.#store.watch({ ...prefixRange(prefix), startRevision });
    term.watchers.push(watcher);
    void (async () => {
      try {
        for await (const batch of watcher) {
          if (this.#term !== term) return;
          handle(batch.events, this.#clock.now());
        }
        if (this.#term === term) throw new Error(`the watch on ${prefix} ended`);
      } catch (error) {
        this.#restartTerm(term, error);
      }
    })();
  }

  /** Applies one metrics event to the view; returns the app it concerns when the view changed. */
  #onMetrics(event: WatchEvent, now: number): string | undefined {
    const key = event.kv.key.toString('utf8');
    const app = key.slice(keys.metricsAll.length).split(':', 1)[0]!;
    if (!this.#apps.has(app)) return undefined;
    if (event.type === 'delete') {
      this.#badKeys.delete(key);
      return this.#view.delete(app, key) ? app : undefined;
    }
    const metrics = this.#decode(ClientMetrics, event.kv, this.#badKeys);
    if (metrics === undefined || metrics.app !== app) return this.#view.delete(app, key) ? app : undefined;
    this.#view.put(key, metrics, now);
    return app;
  }

  #onManual(term: Term, event: WatchEvent): void {
    const app = event.kv.key.toString('utf8').slice(keys.manualScalesAll.length);
    const manual = event.type === 'put' ? this.#decode(ManualScale, event.kv) : undefined;
    if (manual === undefined) term.manuals.delete(app);
    else term.manuals.set(app, manual);
    term.deciders.get(app)?.setManual(manual);
  }

  /** A record's value, or undefined (with a warning, once per key when `warned` is given) if it does not validate. */
  #decode<T extends typeof ScaleJob | typeof ManualScale | typeof ClientMetrics>(type: T, kv: KeyValue, warned?: Set<string>) {
    try {
      const { record } = this.#records.decode(type, kv);
      warned?.delete(kv.key.toString('utf8'));
      return record;
    } catch (error) {
      const key = kv.key.toString('utf8');
      if (!warned?.has(key)) this.#logger.warn({ key, err: error }, 'ignoring an invalid record');
      warned?.add(key);
      return undefined;
    }
  }

  /** Ends a broken term and, if still leading, begins a fresh one after `retryMs`. */
  #restartTerm(term: Term, error: unknown): void {
    if (this.#term !== term) return;
    this.#logger.warn({ err: error }, 'scaler term failed; re-reading the store');
    this.#endTerm();
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (!this.#closed && this.#election.isLeader && this.#term === undefined) this.#beginTerm();
    }, this.#retryMs);
  }

  #endTerm(): void {
    const term = this.#term;
    if (term === undefined) return;
    this.#term = undefined;
    for (const watcher of term.watchers) watcher.cancel();
    for (const decider of term.deciders.values()) this.#track(decider.stop());
    this.#view.clear();
    this.#logger.info({ id: this.id }, 'scaler leader work stopped');
  }

  #track(stopping: Promise<void>): void {
    this.#stopping.add(stopping);
    void stopping.finally(() => this.#stopping.delete(stopping));
  }
}
