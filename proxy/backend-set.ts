/**
 * An app's ready backends: an immutable list swapped whole when `router:<app>` changes, and one
 * round-robin counter for the app that survives the swaps (no lock, no shuffle). The counter is a
 * one-element Uint32Array bumped with Atomics.add, so worker threads holding views of the same
 * SharedArrayBuffer cell balance as one: each pick takes the next number, whichever thread takes it.
 * At 2^32 picks the counter wraps; the pick after the wrap may repeat a backend once.
 */
import { Backend } from './backend.js';
import type { BackendPoolOptions } from './backend.js';

/** The backends of one app. */
export class BackendSet {
  /** The current snapshot; never mutated, only replaced. */
  list: readonly Backend[] = [];
  /** Backends removed from the list whose pools have not closed yet (a hard stop destroys them). */
  readonly draining = new Set<Backend>();

  /**
   * @param counter the app's round-robin cell (see the file comment)
   * @param inFlightCell the in-flight cell for a new backend's address (see Backend.sharedInFlight)
   */
  constructor(
    private readonly poolOptions: BackendPoolOptions,
    private readonly counter: Uint32Array = new Uint32Array(1),
    private readonly inFlightCell: (address: string) => Int32Array = () => new Int32Array(1),
  ) {}

  /**
   * The next backend in round-robin order, skipping any in back-off at `now` (ms, performance.now()),
   * and skipping `exclude` (the backend a retry is leaving). When every candidate is backing off it
   * still returns the next one: trying a maybe-recovered backend beats refusing the request.
   * Null when the list is empty (or holds only `exclude`).
   */
  next(now: number, exclude: Backend | null = null): Backend | null {
    const list = this.list;
    const n = list.length;
    if (n === 0) return null;
    let i = Atomics.add(this.counter, 0, 1) % n;
    let fallback: Backend | null = null;
    for (let tries = 0; tries < n; tries++) {
      const backend = list[i]!;
      i = i + 1 === n ? 0 : i + 1;
      if (backend === exclude) continue;
      if (backend.backoffUntil <= now) {
        // Skipped backends' turns move on with the counter, so their share spreads over the rest.
        if (tries > 0) Atomics.add(this.counter, 0, tries);
        return backend;
      }
      fallback ??= backend;
    }
    return fallback;
  }

  /**
   * Replaces the list by `addresses` (duplicates ignored). Backends whose address stays keep their
   * object (pool, counters, back-off); new ones get a new pool; removed ones drain: no new requests,
   * their pool closes after their last in-flight request.
   */
  setAddresses(addresses: readonly string[]): void {
    const old = new Map(this.list.map((b) => [b.address, b]));
    const next: Backend[] = [];
    const seen = new Set<string>();
    for (const address of addresses) {
      if (seen.has(address)) continue;
      seen.add(address);
      next.push(old.get(address) ?? new Backend(address, this.poolOptions, this.inFlightCell(address)));
    }
    this.list = next;
    for (const [address, backend] of old) if (!seen.has(address)) this.retire(backend);
  }

  /** Drains every backend (the app was removed, or the proxy stops). */
  drainAll(): void {
    const list = this.list;
    this.list = [];
    for (const backend of list) this.retire(backend);
  }

  /** Destroys every backend's pool now, listed or draining. */
  async destroyAll(): Promise<void> {
    const all = [...this.list, ...this.draining];
    this.list = [];
    this.draining.clear();
    await Promise.all(all.map((b) => b.destroy()));
  }

  private retire(backend: Backend): void {
    for (const b of this.draining) if (b.state === 'closed') this.draining.delete(b);
    backend.drain();
    if (backend.state !== 'closed') this.draining.add(backend);
  }
}
