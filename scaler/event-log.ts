/**
 * Scale events (`vortex:event:<app>:<seq>`, store/records/scale-event.ts): the sequence that orders
 * them and the pruning that keeps the newest EVENT_RETENTION per app. Other writers (the reconciler)
 * share the prefix; pruning counts every writer's events, and two pruners deleting the same oldest
 * range is harmless.
 */
import { keys } from '../store/keys.js';
import { EVENT_RETENTION } from '../store/records/scale-event.js';
import type { Store } from '../store/store.js';
import { prefixRange } from '../store/store.js';

/** Event sequence numbers: epoch ms × 1000 plus a counter, strictly increasing within this process. */
export class EventSequence {
  #last = 0;

  /** The next number at `now` (epoch ms); stays below 2^53 until the year 2255. */
  next(now: number): number {
    this.#last = Math.max(now * 1000, this.#last + 1);
    return this.#last;
  }
}

/**
 * The sequence every event writer in this process should share: two writers with sequences of their
 * own (the scaler and the reconciler under `vortex up`) would both use `ms × 1000` in the same
 * millisecond and overwrite each other's event.
 */
export const processEventSequence = new EventSequence();

/** The record id of an event (its key without the `vortex:event:` prefix). */
export function eventId(app: string, seq: number): string {
  return keys.event(app, seq).slice(keys.eventsAll.length);
}

/** Deletes all but the newest EVENT_RETENTION events of `app`; resolves to the number deleted. */
export async function pruneEvents(store: Store, app: string): Promise<number> {
  const { kvs, count } = await store.range({ ...prefixRange(keys.eventsOfApp(app)), keysOnly: true, sortOrder: 'ascend', sortTarget: 'key' });
  if (count <= EVENT_RETENTION) return 0;
  const firstKept = kvs[kvs.length - EVENT_RETENTION]!.key;
  const { deleted } = await store.delete({ key: keys.eventsOfApp(app), rangeEnd: firstKept });
  return deleted;
}
