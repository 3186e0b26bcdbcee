/**
 * The main thread's side of `proxy.workers: N`: N worker threads serving proxy.listen, and the
 * store-facing ProxyState they are all copies of. The main thread applies every router list and
 * config reload to its own state first (which allocates shared slots), then posts the same change
 * with the slot news to every worker; each worker swaps it in whole and acknowledges the version.
 * Telemetry and /metrics read the main state, refreshed from the workers' shared rows.
 *
 * A worker that dies (uncaught error, failed listen) is logged, its in-flight and waiting gauges are
 * zeroed, and it is started again at once, or later when it already restarted RESTART_LIMIT times in
 * RESTART_WINDOW_MS (restart-budget.ts). A dead worker never takes the process down: worker-main
 * closes its uWS App before it exits, and this side never calls terminate() (uWS aborts the process
 * when a thread ends with a listen socket open).
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { VortexConfig } from '../../config/resolve.js';
import { ForwardCore } from '../forward/forward-core.js';
import type { ProxyLogger } from '../proxy-server.js';
import { ProxyState } from '../proxy-state.js';
import type { RouterSink } from '../router-watch.js';
import { BackendSlotSweep } from './backend-slot-sweep.js';
import { responsesByThread, sumIntoState } from './fleet-counters.js';
import { FleetMemory } from './fleet-memory.js';
import { limiterScope } from './limiter-key.js';
import { PortSharedError, countForeignSharers } from './port-sharers.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { pruneRestarts, restartDelay } from './restart-budget.js';
import { clearThread, createLayout } from './shared-layout.js';
import type { SharedLayout } from './shared-layout.js';
import { spawnProxyWorker } from './worker-script.js';

/** What a fleet needs. */
export interface FleetOptions {
  config: VortexConfig;
  /** Worker threads (≥ 1). */
  threads: number;
  host: string;
  /** 0: a free port is found first, then every worker listens on it. */
  port: number;
  logger: ProxyLogger;
  /** Shared table bounds (tests shrink them); see shared-layout.ts for the defaults. */
  appSlots?: number;
  backendSlots?: number;
}

/** ms between the fleet's own refreshes (closing drained backend copies, freeing backend slots). */
const REFRESH_INTERVAL_MS = 1_000;
/** Tries at a free port when proxy.listen asks for port 0 and another process takes it first. */
const FREE_PORT_TRIES = 3;

interface WorkerSlot {
  readonly thread: number;
  worker: Worker | null;
  listening: boolean;
  /** The newest config/router version this worker has applied. */
  acked: number;
  /** We asked it to exit: its exit is not a crash. */
  stopping: boolean;
  exited: Promise<void>;
  readonly restarts: number[];
  restartTimer: NodeJS.Timeout | null;
}

/** The running worker threads and the main thread's state. */
export class WorkerFleet implements RouterSink {
  readonly layout: SharedLayout;
  readonly memory: FleetMemory;
  readonly state: ProxyState;
  /** The main thread's core forwards nothing: it carries `closing` and the summed unrouted counters. */
  readonly core: ForwardCore;
  port = 0;
  private version = 0;
  private closed = false;
  private readonly slots: WorkerSlot[] = [];
  private readonly sweep: BackendSlotSweep;
  private readonly timer: NodeJS.Timeout;

  private constructor(private readonly options: FleetOptions) {
    const { logger } = options;
    this.layout = createLayout(options.threads, options.appSlots, options.backendSlots);
    this.memory = new FleetMemory(this.layout, (table, name, capacity) =>
      logger.warn({ table, name, capacity }, `shared ${table} table full (${capacity}): ${JSON.stringify(name)} is counted per worker only, missing from telemetry and /metrics`),
    );
    this.state = new ProxyState(options.config, this.memory);
    this.state.refreshCounters = () => this.refresh();
    this.core = new ForwardCore(this.state);
    this.sweep = new BackendSlotSweep(this.state, this.memory);
    this.memory.pruneLimiters(this.limiterScopes());
    // Workers start from a full snapshot; nothing pending is news to them.
    this.memory.takeUpdate();
    this.timer = setInterval(() => this.refresh(), REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Starts `threads` workers on one port; resolves once every one listens. */
  static async start(options: FleetOptions): Promise<WorkerFleet> {
    const fleet = new WorkerFleet(options);
    for (let thread = 0; thread < options.threads; thread++) fleet.slots.push(emptySlot(thread));
    for (let attempt = 1; ; attempt++) {
      try {
        // A fixed port is probed too: the workers share it with SO_REUSEPORT, which would also let
        // them join another process's SO_REUSEPORT listener there instead of failing.
        fleet.port = await probePort(options.host, options.port);
        await Promise.all(fleet.slots.map((slot) => fleet.spawn(slot)));
        // The probe cannot hold the port for the workers: check nothing joined it in between.
        const sharers = await countForeignSharers(fleet.port);
        if (sharers) throw new PortSharedError(options.host, fleet.port, sharers);
        return fleet;
      } catch (err) {
        if (options.port !== 0 || attempt >= FREE_PORT_TRIES) {
          await fleet.stopAll({ type: 'destroy' });
          throw err;
        }
        await fleet.stopWorkers({ type: 'destroy' });
        for (const slot of fleet.slots) slot.stopping = false;
      }
    }
  }

  /** A router list changed (RouterWatch): the main state first, then every worker. */
  setRouter(app: string, addresses: readonly string[]): void {
    // Fresh in-flight counts first: a removed backend that some worker is busy on stays draining.
    this.refresh();
    this.state.setRouter(app, addresses);
    const valid = this.state.routerLists.get(app) ?? [];
    this.broadcast({ type: 'router', version: ++this.version, app, addresses: [...valid], slots: this.memory.takeUpdate() });
  }

  /** A reloaded config: the main state first, then every worker. */
  applyConfig(config: VortexConfig): void {
    this.refresh();
    this.state.applyConfig(config);
    this.memory.pruneLimiters(this.limiterScopes());
    this.broadcast({ type: 'config', version: ++this.version, config, slots: this.memory.takeUpdate() });
  }

  /** Sums the workers' counters into the main state and frees backend slots nothing uses any more. */
  refresh(): void {
    sumIntoState(this.state, this.core.unrouted, this.memory);
    let oldestAck = this.version;
    for (const slot of this.slots) if (slot.worker !== null) oldestAck = Math.min(oldestAck, slot.acked);
    this.sweep.run(this.version, oldestAck);
  }

  /** Responses each worker has sent so far, by thread index. */
  responsesByWorker(): number[] {
    return responsesByThread(this.layout);
  }

  /** Each worker slot now: its thread (null while restarting), whether it listens, restarts in the last window. */
  threads(): Array<{ thread: number; worker: Worker | null; listening: boolean; restarts: number }> {
    return this.slots.map((slot) => ({ thread: slot.thread, worker: slot.worker, listening: slot.listening, restarts: slot.restarts.length }));
  }

  /** Not closing, and at least one worker listens. */
  ready(): boolean {
    return !this.closed && this.slots.some((slot) => slot.listening);
  }

  /** Graceful: every worker stops accepting, finishes in-flight requests up to `timeoutMs`, and exits. */
  async close(timeoutMs: number): Promise<void> {
    await this.stopAll({ type: 'close', timeoutMs });
  }

  /** Every worker cuts its connections now and exits. */
  async destroy(): Promise<void> {
    await this.stopAll({ type: 'destroy' });
  }

  private async stopAll(message: ToWorker & { type: 'close' | 'destroy' }): Promise<void> {
    this.closed = true;
    this.core.closing = true;
    await this.stopWorkers(message);
    clearInterval(this.timer);
    this.refresh();
    this.state.retireAll();
    await this.state.destroy();
  }

  /** Asks every worker to exit (no restarts) and waits until they all have. */
  private async stopWorkers(message: ToWorker & { type: 'close' | 'destroy' }): Promise<void> {
    for (const slot of this.slots) {
      if (slot.restartTimer !== null) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      slot.stopping = true;
      slot.worker?.postMessage(message);
    }
    await Promise.all(this.slots.map((slot) => slot.exited));
  }

  /** Starts `slot`'s worker; resolves when it listens, rejects when it cannot. */
  private spawn(slot: WorkerSlot): Promise<void> {
    const init: WorkerInit = {
      thread: slot.thread,
      layout: this.layout,
      host: this.options.host,
      port: this.port,
      config: this.state.config,
      routers: [...this.state.routerLists].map(([app, list]) => [app, [...list]]),
      slots: this.memory.snapshot(),
      version: this.version,
    };
    const worker = spawnProxyWorker(init);
    slot.worker = worker;
    slot.listening = false;
    slot.acked = this.version;
    let exitedResolve!: () => void;
    slot.exited = new Promise<void>((resolve) => (exitedResolve = resolve));
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'listening') {
          slot.listening = true;
          resolve();
        } else if (message.type === 'listen-failed') reject(new Error(`proxy worker ${slot.thread}: ${message.message}`));
        else this.onMessage(slot, message);
      });
      worker.on('error', (err) => {
        this.options.logger.warn({ thread: slot.thread, err }, 'proxy worker failed');
        reject(err);
      });
      worker.on('exit', (code) => {
        slot.worker = null;
        slot.listening = false;
        exitedResolve();
        reject(new Error(`proxy worker ${slot.thread} exited with code ${code} before listening`));
        if (!slot.stopping) this.crashed(slot, code);
      });
    });
  }

  private onMessage(slot: WorkerSlot, message: FromWorker): void {
    const { logger } = this.options;
    switch (message.type) {
      case 'applied':
        slot.acked = Math.max(slot.acked, message.version);
        break;
      case 'demand': {
        this.refresh();
        const app = this.state.apps.get(message.app);
        app?.onDemand?.(app);
        break;
      }
      case 'log':
        logger[message.level](message.fields, message.message);
        break;
      case 'fatal':
        logger.warn({ thread: slot.thread, error: message.message, stack: message.stack }, 'proxy worker hit an uncaught error; it closed its listener and exits');
        break;
      default:
        break;
    }
  }

  /** A worker ended without being asked: drop what it held, restart it within the budget. */
  private crashed(slot: WorkerSlot, code: number): void {
    clearThread(this.layout, slot.thread);
    const now = performance.now();
    pruneRestarts(slot.restarts, now);
    const delay = restartDelay(slot.restarts, now);
    this.options.logger.warn({ thread: slot.thread, code, restartInMs: delay }, 'proxy worker exited; restarting it');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (this.closed) return;
      slot.restarts.push(performance.now());
      // A failed restart is another crash (its exit handler schedules the next try).
      this.spawn(slot).catch(() => undefined);
    }, delay);
  }

  private broadcast(message: ToWorker): void {
    for (const slot of this.slots) slot.worker?.postMessage(message);
  }

  /** Scopes of the limiters the main state holds now (see FleetMemory.pruneLimiters). */
  private limiterScopes(): Set<string> {
    const scopes = new Set<string>([limiterScope({ scope: 'global' })]);
    for (const app of this.state.apps.values()) if (app.limiter !== null) scopes.add(limiterScope({ scope: 'app', app: app.name }));
    return scopes;
  }
}

function emptySlot(thread: number): WorkerSlot {
  return { thread, worker: null, listening: false, acked: 0, stopping: false, exited: Promise.resolve(), restarts: [], restartTimer: null };
}

/**
 * Binds `port` on `host` without SO_REUSEPORT and lets it go: resolves with the port (a free one for
 * 0), rejects (EADDRINUSE) when anything listens there. Another process may take it before the
 * workers bind it (port-sharers.ts finds out); for port 0 the fleet then tries another.
 */
function probePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => {
      const bound = (server.address() as AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
