/**
 * One app's decider: turns the metrics view into the app's ScaleJob. It runs when something it
 * depends on changes (a metrics watch event, a ManualScale change, a config reload) and when a
 * time-based transition falls due (a grace period ends, a cooldown ends, the idle time for scale to
 * zero is reached): one timer, set for exactly that moment. There is no polling loop.
 *
 * A decision is computed synchronously; the ScaleJob and its ScaleEvent are written only when the
 * target differs from what is in the store, in ONE txn fenced by the leader election, so a deposed
 * leader can never overwrite its successor. At most one write is in flight; decisions made meanwhile
 * are coalesced into one follow-up write of the newest target (the ScaleJob is level-triggered: only
 * the latest value matters). A write that fails for any reason but the fence is retried on the next
 * decision.
 */
import type { AppConfig } from '../config/resolve.js';
import { keys } from '../store/keys.js';
import type { ScaleEventValue } from '../store/records/scale-event.js';
import { ScaleEvent } from '../store/records/scale-event.js';
import type { ManualScaleValue, ScaleJobValue } from '../store/records/scale-job.js';
import { ScaleJob } from '../store/records/scale-job.js';
import type { Clock } from '../store/embedded/clock.js';
import type { Compare, Store } from '../store/store.js';
import { FencedWriteError } from './errors.js';
import type { EventSequence } from './event-log.js';
import { eventId, pruneEvents } from './event-log.js';
import type { MetricsView } from './metrics-view.js';
import { policyFor } from './policy-registry.js';
import type { ScalingPolicy } from './policy.js';
import type { StepMemory } from './step-limits.js';
import { applyStepLimits, limitsOf, remember } from './step-limits.js';

/** Whatever guards leader-only writes (a LeaderElection). */
export interface WriteFence {
  fence(): Compare;
}

/** Where the decider reports; pino's Logger fits. */
export interface DeciderLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What a decider needs; everything but `spec` and `seed` is shared by all deciders of a scaler. */
export interface DeciderOptions {
  spec: AppConfig;
  store: Store;
  fence: WriteFence;
  view: MetricsView;
  clock: Clock;
  events: EventSequence;
  logger: DeciderLogger;
  /** Written into ScaleJob.issuedBy: the scaler's id. */
  issuedBy: string;
  /**
   * The store's state when this decider began: the ScaleJob (the current target and when it was set,
   * by any leader) and the ManualScale, if any. Without a ScaleJob the app starts at min_replicas.
   */
  seed: { job?: ScaleJobValue | undefined; manual?: ManualScaleValue | undefined };
}

/**
 * Old events are pruned after every this-many writes of a decider (and after its first), not after
 * each: pruning is a range and a delete, and decisions should not queue behind it. An app then holds
 * at most EVENT_RETENTION + PRUNE_EVERY scale events, plus other writers' events since.
 */
const PRUNE_EVERY = 25;

/** A decision waiting to be written. */
interface Pending {
  target: number;
  reason: string;
  at: number;
}

/** Decides one app's target replicas and writes its ScaleJob; see the file comment for when. */
export class AppDecider {
  readonly #options: DeciderOptions;
  #spec: AppConfig;
  #policy: ScalingPolicy;
  #manual: ManualScaleValue | undefined;
  #memory: StepMemory;
  /** The idle count for scale to zero starts here when no request has been seen since. */
  readonly #startedAt: number;
  /** The target the store holds, as far as this decider knows; undefined: no ScaleJob yet. */
  #written: number | undefined;
  #pending: Pending | undefined;
  /** The target of the write in flight, if any. */
  #writingTarget: number | undefined;
  #writing: Promise<void> | undefined;
  #pruning: Promise<void> | undefined;
  /** Writes since the last prune; starts due, so a decider's first write prunes. */
  #writesSincePrune = PRUNE_EVERY;
  #cancelTimer: (() => void) | undefined;
  #stopped = false;

  constructor(options: DeciderOptions) {
    this.#options = options;
    this.#spec = options.spec;
    this.#policy = policyFor(options.spec.scaling.policy);
    this.#manual = options.seed.manual;
    this.#startedAt = options.clock.now();
    this.#written = options.seed.job?.targetReplicas;
    this.#memory = { target: options.seed.job?.targetReplicas ?? 0, lastScaleAt: options.seed.job?.issuedAt, higherSince: undefined };
  }

  /** The app this decider decides for. */
  get app(): string {
    return this.#spec.name;
  }

  /** New settings for the app (config reload); decides again at once. */
  setSpec(spec: AppConfig): void {
    this.#policy = policyFor(spec.scaling.policy);
    this.#spec = spec;
    this.decide();
  }

  /** The operator's target (undefined: none, the policy decides); decides again at once. */
  setManual(manual: ManualScaleValue | undefined): void {
    this.#manual = manual;
    this.decide();
  }

  /** Decides from the current view and time; writes if the target changed. */
  decide(): void {
    if (this.#stopped) return;
    const now = this.#options.clock.now();
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    let reason: string;
    if (this.#manual !== undefined) {
      // The operator wins until the key is deleted; policy timing restarts from the manual change.
      const target = this.#manual.replicas;
      reason = `manual ${target}`;
      this.#memory = remember(this.#memory, { target, why: reason, higherSince: undefined, wakeAt: undefined }, now);
    } else {
      const { view } = this.#options;
      const load = view.load(this.app, now);
      const policy = this.#policy.decide({ app: this.app, now, metrics: load, current: this.#memory.target, spec: this.#spec });
      const input = {
        now,
        desired: policy.valid ? policy.desired : undefined,
        waiting: load?.waiting ?? 0,
        lastRequestAt: view.lastRequestAt(this.app) ?? this.#startedAt,
      };
      const outcome = applyStepLimits(this.#memory, input, limitsOf(this.#spec));
      reason = outcome.why === '' ? policy.reason : `${policy.reason}; ${outcome.why}`;
      this.#memory = remember(this.#memory, outcome, now);
      if (outcome.wakeAt !== undefined) this.#cancelTimer = this.#options.clock.setTimer(() => this.decide(), outcome.wakeAt - now);
    }
    const expected = this.#pending?.target ?? this.#writingTarget ?? this.#written;
    if (this.#memory.target !== expected) this.#pending = { target: this.#memory.target, reason, at: now };
    this.#flush();
  }

  /** Stops deciding (timer cleared) and waits for a write already in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#pending = undefined;
    await this.#writing;
    await this.#pruning;
  }

  /** Resolves once no decision is waiting to be written (for tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  #flush(): void {
    const pending = this.#pending;
    if (this.#writing !== undefined || pending === undefined || this.#stopped) return;
    this.#pending = undefined;
    if (pending.target === this.#written) return;
    this.#writingTarget = pending.target;
    this.#writing = this.#write(pending)
      .catch((error: unknown) => {
        // Level-triggered: the next decision finds target ≠ written and writes again.
        this.#options.logger.warn({ app: this.app, err: error }, 'scale decision not written');
        if (error instanceof FencedWriteError) this.#stopped = true;
      })
      .finally(() => {
        this.#writing = undefined;
        this.#writingTarget = undefined;
        this.#flush();
      });
  }

  async #write(pending: Pending): Promise<void> {
    const { store, fence, events, issuedBy, logger } = this.#options;
    const from = this.#written;
    const job = ScaleJob.schema.parse({ app: this.app, targetReplicas: pending.target, reason: pending.reason, issuedAt: pending.at, issuedBy });
    const seq = events.next(pending.at);
    const event: ScaleEventValue = ScaleEvent.schema.parse({
      id: eventId(this.app, seq),
      app: this.app,
      kind: 'scale',
      message: `${from ?? 'none'} → ${pending.target}: ${pending.reason}`,
      at: pending.at,
    });
    const result = await store.txn({
      compare: [fence.fence()],
      success: [
        { op: 'put', key: keys.scaleJob(this.app), value: JSON.stringify(job) },
        { op: 'put', key: keys.event(this.app, seq), value: JSON.stringify(event) },
      ],
    });
    if (!result.succeeded) throw new FencedWriteError(this.app);
    this.#written = pending.target;
    logger.info({ app: this.app, from, to: pending.target, reason: pending.reason, revision: result.revision }, 'scale target written');
    if (++this.#writesSincePrune < PRUNE_EVERY || this.#pruning !== undefined) return;
    this.#writesSincePrune = 0;
    this.#pruning = pruneEvents(store, this.app)
      .then(() => undefined, (error: unknown) => logger.warn({ app: this.app, err: error }, 'pruning old events failed'))
      .finally(() => (this.#pruning = undefined));
  }
}
