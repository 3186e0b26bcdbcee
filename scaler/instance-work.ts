/**
 * What the reconciler does to one instance: start, probe, drain, replace, remove, stop an orphan.
 * Each runs under the per-instance lock (instance-operations.ts), so each owns its instance's
 * ContainerRecord while it runs. The order of the writes is the point:
 * - a backend joins `router:<app>` only after its record is Running, i.e. after a 200 from its probe;
 * - a draining or dead backend leaves `router:<app>` BEFORE anything is stopped, so the proxies stop
 *   picking it first, and a draining one is stopped only once the proxies report it idle (drain.ts).
 */
import type { AppConfig } from '../config/resolve.js';
import type { BackendProvider, Instance } from '../plugins/provider.js';
import { ContainerRecord } from '../store/records/container-record.js';
import type { ContainerRecordValue } from '../store/records/container-record.js';
import type { Records } from '../store/records/records.js';
import type { Store } from '../store/store.js';
import { waitForDrain } from './drain.js';
import type { EventRecorder } from './event-recorder.js';
import { waitUntilReady } from './readiness.js';
import type { Removal } from './reconcile-plan.js';
import { recordOf } from './recovery.js';

/** What the operations need from the reconciler. */
export interface InstanceWorkOptions {
  store: Store;
  records: Records;
  events: EventRecorder;
  /** Recomputes `router:<app>` from the Running records; resolves to the revision it is in force at. */
  syncRouter: (app: string) => Promise<number>;
  readyTimeoutMs: number;
  drainPollMs: number;
  /** True once the reconciler is closing: an aborted start then leaves its instance for the next one to adopt. */
  isClosed: () => boolean;
  startFailed: (app: string, instanceId: string, error: unknown) => Promise<void>;
  startSucceeded: (app: string) => void;
}

/** Grace between SIGTERM and a kill for the app's backends, ms (backend.stop_timeout; 10 s for plugins without one). */
export function stopGraceMs(config: AppConfig): number {
  const backend = config.backend;
  if (backend.plugin === 'docker' || backend.plugin === 'process') return backend.stop_timeout;
  return 10_000;
}

/** The per-instance operations; stateless apart from its options. */
export class InstanceWork {
  constructor(private readonly options: InstanceWorkOptions) {}

  /** Starts an instance, records it Provisioning, probes it, then Running and into the router. */
  async start(config: AppConfig, provider: BackendProvider, instanceId: string, signal: AbortSignal): Promise<void> {
    const { records, events } = this.options;
    let instance: Instance;
    try {
      instance = await provider.start({ app: config.name, instanceId, config }, { signal });
    } catch (err) {
      if (!this.options.isClosed()) await this.options.startFailed(config.name, instanceId, err);
      return;
    }
    await records.put(ContainerRecord, recordOf(instance, provider.name, 'Provisioning', Date.now()));
    await events.emit(config.name, 'start', `started ${instanceId} at ${instance.address}`, { instanceId });
    await this.probe(config, provider, instance, signal);
  }

  /** Waits for the instance's readiness; Running and routed on success, stopped and forgotten on failure. */
  async probe(config: AppConfig, provider: BackendProvider, instance: Instance, signal: AbortSignal): Promise<void> {
    const { records, events } = this.options;
    const app = config.name;
    try {
      await waitUntilReady(instance.address, { path: config.health.path, probeTimeoutMs: config.health.timeout, deadlineMs: this.options.readyTimeoutMs, signal });
    } catch (err) {
      if (this.options.isClosed()) return; // the next reconciler finds it Provisioning and probes again
      await provider.stop(instance, { graceMs: 0 });
      await records.delete(ContainerRecord, instance.instanceId);
      await this.options.startFailed(app, instance.instanceId, err);
      return;
    }
    await records.put(ContainerRecord, recordOf(instance, provider.name, 'Running', Date.now()));
    await this.options.syncRouter(app);
    this.options.startSucceeded(app);
    await events.emit(app, 'ready', `${instance.instanceId} at ${instance.address} is ready and routed`, { instanceId: instance.instanceId });
  }

  /** Draining → out of the router → proxies idle on it (or drain_timeout) → stopped → record deleted. */
  async drain(config: AppConfig, provider: BackendProvider, instanceId: string, instance: Instance | undefined, signal: AbortSignal): Promise<void> {
    const { store, records, events } = this.options;
    const app = config.name;
    const stored = await records.get(ContainerRecord, instanceId);
    if (stored === undefined) return;
    const record: ContainerRecordValue = stored.record;
    if (record.status !== 'Draining') {
      await records.put(ContainerRecord, { ...record, status: 'Draining', reason: 'scale down', updatedAt: Date.now() }, { expectModRevision: stored.modRevision });
      await events.emit(app, 'drain', `draining ${instanceId} at ${record.address}`, { instanceId });
    }
    const sinceRevision = await this.options.syncRouter(app);
    if (instance !== undefined) {
      const outcome = await waitForDrain(store, records, app, record.address, { sinceRevision, timeoutMs: config.drain_timeout, pollMs: this.options.drainPollMs, signal });
      await provider.stop(instance, { graceMs: stopGraceMs(config) });
      await events.emit(app, 'stop', `stopped ${instanceId} (${outcome === 'drained' ? 'drained' : `drain_timeout ${config.drain_timeout} ms passed with requests in flight`})`, { instanceId });
    }
    await records.delete(ContainerRecord, instanceId);
  }

  /**
   * A backend died or failed its probes: Dead and out of the router at once, then `replaced()` asks
   * for the pass that starts its successor (a Dead record does not count), then the remains go.
   */
  async replace(config: AppConfig, provider: BackendProvider, instanceId: string, kind: 'died' | 'unhealthy', reason: string, replaced: () => void): Promise<void> {
    const { records, events } = this.options;
    const app = config.name;
    const stored = await records.get(ContainerRecord, instanceId);
    if (stored === undefined || (stored.record.status !== 'Running' && stored.record.status !== 'Provisioning')) return;
    await records.put(ContainerRecord, { ...stored.record, status: 'Dead', reason: `${kind}: ${reason}`, updatedAt: Date.now() }, { expectModRevision: stored.modRevision });
    await this.options.syncRouter(app);
    replaced();
    await events.emit(app, 'died', `${instanceId} at ${stored.record.address} ${kind === 'died' ? reason : `is unhealthy: ${reason}`}; it left the router`, { instanceId });
    await events.emit(app, 'replace', `replacing ${instanceId}`, { instanceId });
    const instance = (await provider.list(app)).find((candidate) => candidate.instanceId === instanceId);
    if (instance !== undefined) await provider.stop(instance, { graceMs: kind === 'died' ? 0 : stopGraceMs(config) });
    await records.delete(ContainerRecord, instanceId);
  }

  /** Deletes a Dead or vanished record, stopping what is left of its instance. */
  async remove(config: AppConfig, provider: BackendProvider, removal: Removal): Promise<void> {
    if (removal.instance !== undefined) await provider.stop(removal.instance, { graceMs: 0 });
    const existed = await this.options.records.delete(ContainerRecord, removal.instanceId);
    await this.options.syncRouter(config.name);
    if (existed && removal.instance === undefined) {
      await this.options.events.emit(config.name, 'died', `${removal.instanceId} is gone (${removal.reason}); its record was removed`, { instanceId: removal.instanceId });
    }
  }

  /** Stops a live instance that has no record: nobody wants it. */
  async stopOrphan(config: AppConfig, provider: BackendProvider, instance: Instance): Promise<void> {
    await provider.stop(instance, { graceMs: stopGraceMs(config) });
    await this.options.events.emit(config.name, 'orphan', `stopped ${instance.instanceId} at ${instance.address}: no record wants it`, { instanceId: instance.instanceId });
  }
}
