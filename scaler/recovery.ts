/**
 * State recovery (design.md §6): what a reconciler does for an app before its first pass, so a
 * restart leaves no duplicate and no orphan. The provider's list (Docker labels, process state files)
 * is the truth about what runs; the ContainerRecords are what the last reconciler believed.
 * - a record whose instance is gone is dropped (event `orphan`);
 * - a live instance that answers its health probe is adopted: a Running record (event `adopt`), so the
 *   next pass counts it and it joins `router:<app>` at once;
 * - a live instance that does not answer keeps (or gets demoted to) a Provisioning record when one
 *   existed, so the pass probes it again; one with no record is left to the pass, which stops it as
 *   an orphan. Draining and Dead records are left to the pass too (it resumes the drain / removes).
 */
import type { AppConfig } from '../config/resolve.js';
import type { BackendProvider, Instance } from '../plugins/provider.js';
import type { ContainerRecordValue } from '../store/records/container-record.js';
import { ContainerRecord } from '../store/records/container-record.js';
import type { Records } from '../store/records/records.js';
import type { DeciderLogger } from './decider.js';
import type { EventRecorder } from './event-recorder.js';
import type { ProbeResult } from './readiness.js';

/** What recovery needs. */
export interface RecoveryContext {
  records: Records;
  provider: BackendProvider;
  events: EventRecorder;
  probe: (address: string, path: string, timeoutMs: number) => Promise<ProbeResult>;
  now: () => number;
}

/** What recovery did for one app. */
export interface RecoveryResult {
  adopted: string[];
  dropped: string[];
}

/** The ContainerRecord describing `instance` with `status`. */
export function recordOf(instance: Instance, plugin: string, status: ContainerRecordValue['status'], now: number): ContainerRecordValue {
  return {
    id: instance.instanceId,
    app: instance.app,
    status,
    address: instance.address,
    plugin,
    ...(instance.labels.image !== undefined ? { image: instance.labels.image } : {}),
    startedAt: instance.startedAt,
    updatedAt: now,
  };
}

/** Reconciles records with the provider's instances of `app` once; throws when the provider cannot list. */
export async function recoverApp(context: RecoveryContext, app: AppConfig): Promise<RecoveryResult> {
  const { records, provider, events, probe, now } = context;
  const instances = await provider.list(app.name);
  const stored = (await records.query(ContainerRecord, { app: app.name })).map((entry) => entry.record);
  const live = new Map(instances.map((instance) => [instance.instanceId, instance]));
  const result: RecoveryResult = { adopted: [], dropped: [] };

  for (const record of stored) {
    if (live.has(record.id)) continue;
    await records.delete(ContainerRecord, record.id);
    result.dropped.push(record.id);
    await events.emit(app.name, 'orphan', `record of ${record.id} (${record.address}, ${record.status}) dropped: its instance is gone`, { instanceId: record.id });
  }
  const byId = new Map(stored.map((record) => [record.id, record]));
  await Promise.all(
    instances.map(async (instance) => {
      const record = byId.get(instance.instanceId);
      if (record !== undefined && record.status !== 'Running' && record.status !== 'Provisioning') return;
      const health = await probe(instance.address, app.health.path, app.health.timeout);
      if (health.ok) {
        await records.put(ContainerRecord, recordOf(instance, provider.name, 'Running', now()));
        result.adopted.push(instance.instanceId);
        await events.emit(app.name, 'adopt', `adopted ${instance.instanceId} at ${instance.address}`, { instanceId: instance.instanceId });
      } else if (record?.status === 'Running') {
        await records.put(ContainerRecord, { ...recordOf(instance, provider.name, 'Provisioning', now()), reason: `not answering after a restart (${health.problem})` });
      }
    }),
  );
  return result;
}

/**
 * Stops, on every scalable provider given, the instances of apps not in `apps` (an app removed from
 * the config). No grace: no router of a configured app lists them. A failure is logged, not thrown.
 */
export async function stopStrays(providers: ReadonlySet<BackendProvider>, apps: ReadonlySet<string>, events: EventRecorder, logger: DeciderLogger): Promise<void> {
  for (const provider of providers) {
    if (!provider.scalable) continue;
    let strays: Instance[];
    try {
      strays = (await provider.list()).filter((instance) => !apps.has(instance.app));
    } catch (err) {
      logger.warn({ provider: provider.name, err }, 'reconciler: could not list instances to find strays');
      continue;
    }
    for (const stray of strays) {
      try {
        await provider.stop(stray, { graceMs: 0 });
        await events.emit(stray.app, 'orphan', `stopped ${stray.instanceId} at ${stray.address}: app ${stray.app} is not configured`, { instanceId: stray.instanceId });
      } catch (err) {
        logger.warn({ app: stray.app, instanceId: stray.instanceId, err }, 'reconciler: could not stop a stray instance');
      }
    }
  }
}
