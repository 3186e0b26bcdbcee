/**
 * The reconciler's events (`vortex:event:<app>:<seq>`, kinds start/ready/drain/stop/died/replace/
 * adopt/orphan/error). An event is a report, never a reason to fail: a write error is logged and
 * dropped. Sequence numbers come from processEventSequence, shared with the scaler in one process.
 */
import type { ScaleEventValue } from '../store/records/scale-event.js';
import { ScaleEvent } from '../store/records/scale-event.js';
import type { Records } from '../store/records/records.js';
import type { Store } from '../store/store.js';
import type { DeciderLogger } from './decider.js';
import { eventId, processEventSequence, pruneEvents } from './event-log.js';

/** Prune an app's events after this many writes (pruning is a range read; not after every write). */
const PRUNE_EVERY = 25;

/** Writes reconciler events and keeps each app's history bounded. */
export class EventRecorder {
  readonly #writes = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly records: Records,
    private readonly logger: DeciderLogger,
    private readonly now: () => number,
  ) {}

  /** Records one event; resolves once written (or dropped after a logged failure). */
  async emit(app: string, kind: ScaleEventValue['kind'], message: string, extra: { instanceId?: string; code?: string } = {}): Promise<void> {
    const at = this.now();
    try {
      await this.records.put(ScaleEvent, { id: eventId(app, processEventSequence.next(at)), app, kind, message, at, ...extra });
      const writes = (this.#writes.get(app) ?? 0) + 1;
      this.#writes.set(app, writes % PRUNE_EVERY);
      if (writes >= PRUNE_EVERY) await pruneEvents(this.store, app);
    } catch (err) {
      this.logger.warn({ app, kind, message, err }, 'reconciler: could not record an event');
    }
  }
}
