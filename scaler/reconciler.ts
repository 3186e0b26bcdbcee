/**
 * The reconciler (design.md §6): converges each app's backends to its ScaleJob through the app's
 * BackendProvider, level-triggered. A pass per app reads the desired count, the ContainerRecords and
 * the provider's list, computes a plan (reconcile-plan.ts) and launches its operations, one per
 * instance at a time (instance-operations.ts); every settled operation asks for another pass, so the
 * app moves step by step to the target and a missed event costs at most one health interval.
 * Passes of one app never overlap (a request during a pass runs one more pass after it).
 *
 * It writes, and is the only writer of: `vortex:container:<id>`, `router:<app>` (the Running records'
 * addresses, or a static app's healthy upstreams) and its `vortex:event:<app>:<seq>` events.
 * Nothing here throws out of a loop: an engine or store failure is logged, reported as an `error`
 * event and retried with backoff.
 */
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../config/resolve.js';
import type { BackendProvider } from '../plugins/provider.js';
import { keys } from '../store/keys.js';
import { ContainerRecord } from '../store/records/container-record.js';
import { Records } from '../store/records/records.js';
import { ScaleJob } from '../store/records/scale-job.js';
import type { Store, Watcher } from '../store/store.js';
import { prefixRange } from '../store/store.js';
import type { DeciderLogger } from './decider.js';
import { EventRecorder } from './event-recorder.js';
import { HealthMonitor } from './health-monitor.js';
import { InstanceOperations } from './instance-operations.js';
import { probeOnce } from './readiness.js';
import { planReconcile } from './reconcile-plan.js';
import { recoverApp, stopStrays } from './recovery.js';
import { RetryBackoff } from './retry-backoff.js';
import { RouterWriter } from './router-writer.js';
import { InstanceWork } from './instance-work.js';

/** Options for {@link Reconciler}; `store`, `apps` and `providers` are required. */
export interface ReconcilerOptions {
  store: Store;
  apps: readonly AppConfig[];
  /** The provider of each app, by app name (one provider object may serve several apps). */
  providers: ReadonlyMap<string, BackendProvider>;
  /** pino's Logger fits; default: silent. */
  logger?: DeciderLogger;
  /** A new instance must pass its readiness probe within this many ms. Default 60,000. */
  readyTimeoutMs?: number;
  /** Backoff after a failed start or operation, ms. Default base 1,000, max 60,000. */
  backoff?: { baseMs: number; maxMs: number };
  /** Pause before re-watching ScaleJobs or retrying a failed pass, ms. Default 1,000. */
  retryMs?: number;
  /** How often a drain reads the proxies' in-flight counts, ms. Default 200. */
  drainPollMs?: number;
  /** Failed probes in a row before a Running backend is replaced. Default 2. */
  unhealthyThreshold?: number;
  /**
   * At start, stop the provider instances of apps that are not in `apps` (an app removed from the
   * config). Default false: a Docker engine may be shared with another Vortex whose apps these are.
   */
  stopStrays?: boolean;
}

const silent: DeciderLogger = { info: () => undefined, warn: () => undefined };

/** A new instance id: `<app>-<time base36><6 hex>`, unique, sortable by start, valid for containers and files. */
function newInstanceId(app: string): string {
  return `${app}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * The reconciler: `new Reconciler(options)`, `await start()` (recovery happens in each app's first
 * pass), `close()` (stops its loops; leaves backends running for the next reconciler to adopt).
 */
export class Reconciler {
  readonly #store: Store;
  readonly #records: Records;
  readonly #apps: ReadonlyMap<string, AppConfig>;
  readonly #providers: ReadonlyMap<string, BackendProvider>;
  readonly #logger: DeciderLogger;
  readonly #retryMs: number;
  readonly #router: RouterWriter;
  readonly #events: EventRecorder;
  readonly #backoff: RetryBackoff;
  readonly #ops: InstanceOperations;
  readonly #work: InstanceWork;
  readonly #monitor: HealthMonitor;
  /** Apps whose recovery has run (the first pass of each app does it). */
  readonly #recovered = new Set<string>();
  /** app → its pass in flight, and whether another was asked for meanwhile. */
  readonly #passes = new Map<string, { again: boolean; done: Promise<void> }>();
  /** app → a timer for a delayed pass (backoff); one per app at most. */
  readonly #timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  #watcher: Watcher | undefined;
  #watching: Promise<void> | undefined;
  #closed = false;
  readonly #stopStraysAtStart: boolean;

  constructor(options: ReconcilerOptions) {
    for (const app of options.apps) {
      if (!options.providers.has(app.name)) throw new TypeError(`Reconciler: app ${app.name} has no provider in options.providers`);
    }
    this.#store = options.store;
    this.#records = new Records(options.store);
    this.#apps = new Map(options.apps.map((app) => [app.name, app]));
    this.#providers = options.providers;
    this.#logger = options.logger ?? silent;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#stopStraysAtStart = options.stopStrays ?? false;
    this.#router = new RouterWriter(options.store);
    this.#events = new EventRecorder(options.store, this.#records, this.#logger, () => Date.now());
    this.#backoff = new RetryBackoff(options.backoff ?? { baseMs: 1_000, maxMs: 60_000 });
    this.#ops = new InstanceOperations((app, ok, error) => this.#settled(app, ok, error));
    this.#work = new InstanceWork({
      store: options.store,
      records: this.#records,
      events: this.#events,
      syncRouter: (app) => this.#syncRouter(app),
      readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
      drainPollMs: options.drainPollMs ?? 200,
      isClosed: () => this.#closed,
      startFailed: (app, instanceId, error) => this.#startFailed(app, instanceId, error),
      startSucceeded: (app) => this.#backoff.succeed(app),
    });
    this.#monitor = new HealthMonitor({
      apps: options.apps,
      providers: options.providers,
      running: async (app) => (await this.#records.query(ContainerRecord, { app, status: 'Running' })).map((entry) => entry.record),
      probe: probeOnce,
      report: (app, instanceId, kind, reason) => this.#unhealthy(app, instanceId, kind, reason),
      tick: (app) => this.kick(app),
      ...(options.unhealthyThreshold !== undefined ? { unhealthyThreshold: options.unhealthyThreshold } : {}),
      retryMs: this.#retryMs,
      logger: this.#logger,
    });
  }

  /** Stops strays (when asked to), watches ScaleJobs, starts the health monitor and a first pass per app. */
  async start(): Promise<void> {
    if (this.#stopStraysAtStart) await stopStrays(new Set(this.#providers.values()), new Set(this.#apps.keys()), this.#events, this.#logger);
    this.#watching = this.#watch();
    this.#monitor.start();
    for (const app of this.#apps.keys()) this.kick(app);
  }

  /** Asks for a pass of `app` now (coalesced with one in flight). */
  kick(app: string): void {
    if (this.#closed || !this.#apps.has(app)) return;
    const current = this.#passes.get(app);
    if (current !== undefined) return void (current.again = true);
    const entry = { again: false, done: Promise.resolve() };
    this.#passes.set(app, entry);
    entry.done = (async () => {
      do {
        entry.again = false;
        try {
          await this.#pass(app);
        } catch (err) {
          this.#logger.warn({ app, err }, 'reconciler: pass failed; retrying');
          this.#later(app, this.#retryMs);
        }
      } while (entry.again && !this.#closed);
      this.#passes.delete(app);
    })();
  }

  /** Stops watching, probing and operating (operations in flight are aborted); backends keep running. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#watcher?.cancel();
    await this.#monitor.close();
    // Passes first: one finishing its reads must not launch an operation after the abort below.
    await Promise.all([this.#watching, ...[...this.#passes.values()].map((pass) => pass.done)]);
    await this.#ops.abortAll(new Error('the reconciler is closing'));
  }

  async #pass(app: string): Promise<void> {
    const config = this.#apps.get(app)!;
    const provider = this.#providers.get(app)!;
    if (!provider.scalable) return this.#passStatic(config, provider);
    if (!this.#recovered.has(app)) {
      const recovery = await this.#guard(app, 'recovery', () => recoverApp({ records: this.#records, provider, events: this.#events, probe: probeOnce, now: Date.now }, config));
      if (recovery === undefined) return;
      this.#recovered.add(app);
      await this.#syncRouter(app);
    }
    // Busy before the reads: an operation that ends during them has written what they see, and its
    // instance is protected from being taken for an orphan. Starting after them: see PlanInput.starting.
    const busy = this.#ops.busy(app);
    const leavingBefore = [...this.#ops.ofKind(app, 'drain'), ...this.#ops.ofKind(app, 'replace')];
    const job = await this.#records.get(ScaleJob, app);
    const records = (await this.#records.query(ContainerRecord, { app })).map((entry) => entry.record);
    const instances = await this.#guard(app, 'list', () => provider.list(app));
    if (instances === undefined) return;
    const target = job?.record.targetReplicas ?? config.min_replicas;
    for (const id of this.#ops.busy(app)) busy.add(id);
    const leaving = new Set([...this.#ops.ofKind(app, 'drain'), ...this.#ops.ofKind(app, 'replace'), ...leavingBefore]);
    const plan = planReconcile({ target, records, instances, busy, starting: this.#ops.ofKind(app, 'start'), leaving });
    if (this.#closed) return;

    for (const removal of plan.remove) this.#ops.run(app, removal.instanceId, 'remove', () => this.#work.remove(config, provider, removal));
    for (const orphan of plan.stopOrphans) this.#ops.run(app, orphan.instanceId, 'orphan', () => this.#work.stopOrphan(config, provider, orphan));
    for (const { instanceId, instance } of plan.drain) this.#ops.run(app, instanceId, 'drain', (signal) => this.#work.drain(config, provider, instanceId, instance, signal));
    for (const { instanceId, instance } of plan.probe) this.#ops.run(app, instanceId, 'probe', (signal) => this.#work.probe(config, provider, instance, signal));
    this.#startSome(config, provider, plan.start);
  }

  /** Launches up to `count` starts; after a failure only one trial start at a time, once the backoff allows. */
  #startSome(config: AppConfig, provider: BackendProvider, count: number): void {
    if (count <= 0) return;
    const wait = this.#backoff.waitMs(config.name, Date.now());
    if (wait > 0) return void this.#later(config.name, wait);
    const trial = this.#backoff.failures(config.name) > 0;
    const allowed = trial ? Math.max(0, 1 - this.#ops.count(config.name, 'start')) : count;
    for (let i = 0; i < Math.min(count, allowed); i++) {
      const instanceId = newInstanceId(config.name);
      this.#ops.run(config.name, instanceId, 'start', (signal) => this.#work.start(config, provider, instanceId, signal));
    }
  }

  /** Static apps: `router:<app>` = the configured upstreams that answer their health probe now. */
  async #passStatic(config: AppConfig, provider: BackendProvider): Promise<void> {
    const instances = await this.#guard(config.name, 'list', () => provider.list(config.name));
    if (instances === undefined) return;
    const results = await Promise.all(instances.map(async (instance) => ({ instance, health: await probeOnce(instance.address, config.health.path, config.health.timeout) })));
    const healthy = results.filter((entry) => entry.health.ok).map((entry) => entry.instance.address);
    await this.#router.sync(config.name, () => Promise.resolve(healthy));
  }

  /** Runs a provider call; a failure is an `error` event and a pass after the backoff, not a throw. */
  async #guard<T>(app: string, what: string, call: () => Promise<T>): Promise<T | undefined> {
    const key = `${what}:${app}`;
    try {
      const result = await call();
      this.#backoff.succeed(key);
      return result;
    } catch (err) {
      const code = codeOf(err);
      const delayMs = this.#backoff.fail(key, Date.now());
      await this.#events.emit(app, 'error', `${what} failed (${code}): ${(err as Error).message}; retrying in ${delayMs} ms`, { code });
      this.#later(app, delayMs);
      return undefined;
    }
  }

  /** The one place `router:<app>` is computed for scalable apps: the Running records' addresses. */
  #syncRouter(app: string): Promise<number> {
    return this.#router.sync(app, async () => (await this.#records.query(ContainerRecord, { app, status: 'Running' })).map((entry) => entry.record.address));
  }

  #startFailed(app: string, instanceId: string, error: unknown): Promise<void> {
    const code = codeOf(error);
    const delayMs = this.#backoff.fail(app, Date.now());
    this.#later(app, delayMs);
    return this.#events.emit(app, 'error', `start of ${instanceId} failed (${code}): ${(error as Error).message}; retrying in ${delayMs} ms`, { instanceId, code });
  }

  /** A died event or failed probes: a start or probe in flight is cut short; a Running backend is replaced. */
  #unhealthy(app: string, instanceId: string, kind: 'died' | 'unhealthy', reason: string): void {
    const config = this.#apps.get(app);
    const provider = this.#providers.get(app);
    if (this.#closed || config === undefined || provider === undefined || !provider.scalable) return;
    const running = this.#ops.kindOf(instanceId);
    if (running === 'start' || running === 'probe') return this.#ops.abort(instanceId, new Error(`${instanceId} ${kind}: ${reason}`));
    this.#ops.run(app, instanceId, 'replace', () => this.#work.replace(config, provider, instanceId, kind, reason, () => this.kick(app)));
  }

  #settled(app: string, ok: boolean, error: unknown): void {
    if (ok) {
      this.#backoff.succeed(`ops:${app}`);
      return this.kick(app);
    }
    this.#logger.warn({ app, err: error }, 'reconciler: an operation failed; retrying after a backoff');
    this.#later(app, this.#backoff.fail(`ops:${app}`, Date.now()));
  }

  /** A pass of `app` in `ms` (the earlier of this and an already scheduled one wins). */
  #later(app: string, ms: number): void {
    const at = Date.now() + ms;
    const scheduled = this.#timers.get(app);
    if (this.#closed || (scheduled !== undefined && scheduled.at <= at)) return;
    if (scheduled !== undefined) clearTimeout(scheduled.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(app);
      this.kick(app);
    }, ms);
    timer.unref();
    this.#timers.set(app, { timer, at });
  }


  /** Watches ScaleJobs; a broken watch is re-created after retryMs, with a pass of every app. */
  async #watch(): Promise<void> {
    while (!this.#closed) {
      try {
        this.#watcher = this.#store.watch(prefixRange(keys.scaleJobsAll));
        for await (const batch of this.#watcher) {
          for (const event of batch.events) this.kick(event.kv.key.toString('utf8').slice(keys.scaleJobsAll.length));
        }
      } catch (err) {
        if (this.#closed) return;
        this.#logger.warn({ err }, 'reconciler: the ScaleJob watch failed; watching again');
      }
      if (this.#closed) return;
      await new Promise((resolve) => setTimeout(resolve, this.#retryMs).unref());
      for (const app of this.#apps.keys()) this.kick(app);
    }
  }
}

/** An error's stable code (ProviderError, ScalerError, StoreError), or a generic one. */
export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'VX_RECONCILER_ERROR';
}
