/**
 * The reconciler's decision for one app, as a pure function of what it observed (Traefik's split of
 * translation from I/O): the desired replica count, the app's ContainerRecords, the instances the
 * provider lists, and which instance ids have an operation in flight. The reconciler carries the
 * plan out and plans again after every operation, so a plan only has to move one step closer.
 *
 * A record and an instance belong together when `record.id === instance.instanceId`.
 */
import type { Instance } from '../plugins/provider.js';
import type { ContainerRecordValue } from '../store/records/container-record.js';
import { compareText } from '../store/keys.js';

/** What the plan is computed from. */
export interface PlanInput {
  /** Desired replicas (the ScaleJob's targetReplicas). */
  target: number;
  /** This app's ContainerRecords. */
  records: readonly ContainerRecordValue[];
  /** This app's instances as the provider lists them. */
  instances: readonly Instance[];
  /**
   * Instance ids with an operation in flight (a start, a probe, a drain, a stop) before or after the
   * reads: the plan never touches them.
   */
  busy: ReadonlySet<string>;
  /**
   * Start operations still in flight AFTER the reads: one without a record counts towards the target.
   * Taken after the reads on purpose: an operation that ended in between (a finished drain whose
   * record is gone, a failed start) must not count as a start, or a healthy backend would be drained.
   */
  starting: ReadonlySet<string>;
  /**
   * Instance ids being drained or replaced: never counted as serving, even while their record still
   * says Running (the operation's status write may land after the reads), or a second pass would
   * drain one more backend than the target asks for.
   */
  leaving: ReadonlySet<string>;
}

/** A record to delete, after stopping its instance when one still runs. */
export interface Removal {
  instanceId: string;
  /** The live instance to stop first, when there is one. */
  instance?: Instance;
  reason: string;
}

/** The actions that move the app towards its target. */
export interface ReconcilePlan {
  /** New instances to start. */
  start: number;
  /** Instances to drain (newest and not-yet-ready first), with their live instance when listed. */
  drain: Array<{ instanceId: string; instance?: Instance }>;
  /** Provisioning records nobody is probing (an interrupted start): probe them again. */
  probe: Array<{ instanceId: string; instance: Instance }>;
  /** Dead records, and records whose instance is gone. */
  remove: Removal[];
  /** Live instances with no record: nobody wants them. */
  stopOrphans: Instance[];
}

/** Computes the plan; see the module comment for the rules. */
export function planReconcile(input: PlanInput): ReconcilePlan {
  const { target, records, instances, busy, starting, leaving } = input;
  const live = new Map(instances.map((instance) => [instance.instanceId, instance]));
  const recorded = new Set(records.map((record) => record.id));
  const plan: ReconcilePlan = { start: 0, drain: [], probe: [], remove: [], stopOrphans: [] };

  /** Records that serve or will serve (Running, Provisioning), not busy: candidates for draining. */
  const drainable: ContainerRecordValue[] = [];
  let active = 0;
  for (const record of records) {
    const instance = live.get(record.id);
    if (busy.has(record.id)) {
      if ((record.status === 'Running' || record.status === 'Provisioning') && !leaving.has(record.id)) active++;
      continue;
    }
    if (record.status === 'Dead') {
      plan.remove.push({ instanceId: record.id, ...(instance ? { instance } : {}), reason: record.reason ?? 'dead' });
      continue;
    }
    if (instance === undefined) {
      plan.remove.push({ instanceId: record.id, reason: 'the instance is gone' });
      continue;
    }
    if (record.status === 'Draining') {
      plan.drain.push({ instanceId: record.id, instance }); // resume a drain a restart interrupted
      continue;
    }
    active++;
    drainable.push(record);
    if (record.status === 'Provisioning') plan.probe.push({ instanceId: record.id, instance });
  }
  // A start in flight whose record is not written yet.
  for (const id of starting) if (!recorded.has(id)) active++;
  for (const instance of instances) {
    if (!recorded.has(instance.instanceId) && !busy.has(instance.instanceId)) plan.stopOrphans.push(instance);
  }

  if (active < target) plan.start = target - active;
  if (active > target) {
    const victims = drainable.sort(drainOrder).slice(0, active - target);
    const chosen = new Set(victims.map((record) => record.id));
    plan.probe = plan.probe.filter((entry) => !chosen.has(entry.instanceId));
    for (const record of victims) {
      const instance = live.get(record.id);
      plan.drain.push({ instanceId: record.id, ...(instance ? { instance } : {}) });
    }
  }
  return plan;
}

/** Not-yet-ready before ready (it serves nobody yet), then newest first (the oldest has proven itself). */
function drainOrder(a: ContainerRecordValue, b: ContainerRecordValue): number {
  const readyA = a.status === 'Running' ? 1 : 0;
  const readyB = b.status === 'Running' ? 1 : 0;
  if (readyA !== readyB) return readyA - readyB;
  return b.startedAt - a.startedAt || compareText(b.id, a.id); // ids sort by start time too
}
