/**
 * The one writer of `router:<app>` (design.md §4): the JSON array of ready `host:port` the proxies
 * route to. Syncs are serialized per app and each computes the list INSIDE its turn (from fresh
 * records), so a sync queued after a record change always sees it and two syncs cannot reorder
 * (a stale list never overwrites a newer one). A write is skipped when the stored value is already
 * the same, so a level-triggered caller may sync as often as it likes. Addresses are sorted, so the
 * same set always has the same bytes.
 */
import { keys } from '../store/keys.js';
import type { Store } from '../store/store.js';

/** Writes `router:<app>`; one instance per reconciler. */
export class RouterWriter {
  readonly #store: Store;
  /** app → the tail of its write queue (one entry per configured app). */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Sets the app's ready addresses (computed in this app's turn); resolves to the revision of the
   * write that put the current list in force (an earlier one when nothing had to change).
   */
  sync(app: string, addresses: () => Promise<readonly string[]>): Promise<number> {
    const run = async (): Promise<number> => {
      const value = JSON.stringify([...new Set(await addresses())].sort());
      const key = keys.router(app);
      const current = await this.#store.get(key);
      // Unchanged: the list has been in force since it was written, not since now.
      if (current !== undefined && current.value.toString('utf8') === value) return current.modRevision;
      return (await this.#store.put(key, value)).revision;
    };
    const next = (this.#queues.get(app) ?? Promise.resolve()).then(run, run);
    this.#queues.set(app, next.catch(() => undefined));
    return next;
  }
}
