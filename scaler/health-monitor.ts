/**
 * The health monitor (design.md §6): two ways to notice a backend that stopped serving.
 * - Every `health.interval` it probes each Running backend of each app (one GET `health.path` with
 *   `health.timeout`); `unhealthyThreshold` failures in a row report it. Each tick also asks for a
 *   reconcile pass of the app: the level-triggered safety net for anything missed (and, for static
 *   apps, the pass that re-probes their upstreams).
 * - The providers' event streams (Docker `die`, a process exit): a `died` is reported at once, without
 *   waiting for a probe, so the backend leaves `router:<app>` within about a second of dying.
 * What to do about a report is the reconciler's business (mark Dead, leave the router, replace).
 */
import type { AppConfig } from '../config/resolve.js';
import type { BackendProvider } from '../plugins/provider.js';
import type { ContainerRecordValue } from '../store/records/container-record.js';
import type { DeciderLogger } from './decider.js';
import type { ProbeResult } from './readiness.js';

/** What the monitor needs from the reconciler. */
export interface HealthMonitorOptions {
  apps: readonly AppConfig[];
  /** The provider of each app, by app name. */
  providers: ReadonlyMap<string, BackendProvider>;
  /** The app's Running backends. */
  running: (app: string) => Promise<ContainerRecordValue[]>;
  probe: (address: string, path: string, timeoutMs: number, signal: AbortSignal) => Promise<ProbeResult>;
  /** A backend died (`died`, from a provider event) or failed its probes (`unhealthy`). */
  report: (app: string, instanceId: string, kind: 'died' | 'unhealthy', reason: string) => void;
  /** A health interval passed for `app`. */
  tick: (app: string) => void;
  /** Failed probes in a row before a Running backend is reported. Default 2 (one lost packet is not a death). */
  unhealthyThreshold?: number;
  /** Pause before resubscribing to a provider's events after the stream ended with an error, ms. Default 1,000. */
  retryMs?: number;
  logger: DeciderLogger;
}

/** Probes on a timer and listens to provider events; `start()`, `close()`. */
export class HealthMonitor {
  readonly #options: HealthMonitorOptions;
  readonly #closed = new AbortController();
  readonly #timers: NodeJS.Timeout[] = [];
  /** app → instanceId → failed probes in a row; an entry goes when the backend passes or stops being Running. */
  readonly #failures = new Map<string, Map<string, number>>();
  /** Checks and subscriptions in flight (at most one check per app per interval, plus one per provider). */
  readonly #tasks = new Set<Promise<void>>();

  constructor(options: HealthMonitorOptions) {
    this.#options = options;
  }

  /** Starts the probe timers and the event subscriptions. */
  start(): void {
    for (const app of this.#options.apps) {
      const timer = setInterval(() => this.#track(this.#check(app)), app.health.interval);
      timer.unref();
      this.#timers.push(timer);
    }
    for (const provider of new Set(this.#options.providers.values())) {
      if (provider.events !== undefined) this.#track(this.#listen(provider));
    }
  }

  /** Stops timers and subscriptions; waits for probes in flight. */
  async close(): Promise<void> {
    this.#closed.abort();
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all(this.#tasks);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  async #check(app: AppConfig): Promise<void> {
    const { running, probe, report, tick, logger } = this.#options;
    const threshold = this.#options.unhealthyThreshold ?? 2;
    if (this.#closed.signal.aborted) return;
    tick(app.name);
    const failuresOf = this.#failures.get(app.name) ?? new Map<string, number>();
    this.#failures.set(app.name, failuresOf);
    let records: ContainerRecordValue[];
    try {
      records = await running(app.name);
    } catch (err) {
      logger.warn({ app: app.name, err }, 'health monitor: could not read the Running backends');
      return;
    }
    await Promise.all(
      records.map(async (record) => {
        const result = await probe(record.address, app.health.path, app.health.timeout, this.#closed.signal);
        if (this.#closed.signal.aborted) return;
        if (result.ok) return void failuresOf.delete(record.id);
        const failures = (failuresOf.get(record.id) ?? 0) + 1;
        failuresOf.set(record.id, failures);
        if (failures < threshold) return;
        failuresOf.delete(record.id);
        report(app.name, record.id, 'unhealthy', `${failures} failed health probes (${result.problem})`);
      }),
    );
    const live = new Set(records.map((record) => record.id));
    for (const id of failuresOf.keys()) if (!live.has(id)) failuresOf.delete(id);
  }

  async #listen(provider: BackendProvider): Promise<void> {
    const { report, logger } = this.#options;
    const retryMs = this.#options.retryMs ?? 1_000;
    const signal = this.#closed.signal;
    while (!signal.aborted) {
      try {
        for await (const event of provider.events!(signal)) {
          if (event.type === 'died' && this.#options.providers.get(event.app) === provider) {
            report(event.app, event.instanceId, 'died', event.exitCode === undefined ? 'exited' : `exited with code ${event.exitCode}`);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        logger.warn({ provider: provider.name, err }, 'health monitor: the provider event stream failed; resubscribing');
      }
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }
}
