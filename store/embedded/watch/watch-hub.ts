/**
 * Watches. A watcher is a position (`next`, the first revision it has not delivered) and a filter;
 * it owns no buffer. Each `next()` reads the store's change log from that position, so a replay from
 * a past revision and live delivery are the same loop, and a slow consumer costs no memory: it simply
 * reads further behind. The log is bounded by compaction, so a consumer that falls behind the compact
 * revision gets `CompactedError` (etcd does the same) and must re-read and re-watch.
 *
 * After each durable commit the hub wakes only the waiting watchers that have a matching event; the
 * others move their position past the new revisions without waking. Matching is a linear scan over
 * waiting watchers per commit: fine for tens or hundreds of watchers (etcd uses an interval tree).
 */
import { CompactedError } from '../../errors.js';
import { toBuffer, type WatchBatch, type WatchEvent, type WatchRequest, type Watcher } from '../../store.js';
import type { ChangeLog } from '../mvcc/change-log.js';

/** What the hub reads from the store. */
export interface WatchSource {
  readonly log: ChangeLog;
  /** Oldest revision a watcher may still read. */
  compactRevision(): number;
  /** Newest durable revision: watchers never see past it. */
  committedRevision(): number;
}

/** All watchers of one store. */
export class WatchHub {
  private readonly watchers = new Set<HubWatcher>();

  constructor(private readonly source: WatchSource) {}

  /** Number of active watchers. */
  get size(): number {
    return this.watchers.size;
  }

  /** A watcher from `request.startRevision`, or from the next revision when absent or 0. */
  watch(request: WatchRequest): Watcher {
    const start = request.startRevision && request.startRevision > 0 ? request.startRevision : this.source.committedRevision() + 1;
    const watcher = new HubWatcher(this, this.source, request, start);
    this.watchers.add(watcher);
    return watcher;
  }

  /** Called after each durable commit: wakes waiting watchers that have something to read. */
  notify(): void {
    const committed = this.source.committedRevision();
    for (const watcher of this.watchers) watcher.poke(committed);
  }

  /** Ends every watcher (store closing). */
  close(): void {
    for (const watcher of [...this.watchers]) watcher.cancel();
  }

  /** @internal */
  forget(watcher: HubWatcher): void {
    this.watchers.delete(watcher);
  }
}

class HubWatcher implements Watcher {
  private next: number;
  private cancelled = false;
  private wake: (() => void) | undefined;
  private readonly start: Buffer;
  private readonly end: Buffer | undefined;
  private readonly single: boolean;
  private readonly prevKv: boolean;
  private readonly noPut: boolean;
  private readonly noDelete: boolean;

  constructor(
    private readonly hub: WatchHub,
    private readonly source: WatchSource,
    request: WatchRequest,
    start: number,
  ) {
    this.next = start;
    this.start = Buffer.from(toBuffer(request.key));
    const end = request.rangeEnd === undefined ? undefined : toBuffer(request.rangeEnd);
    this.single = end === undefined || end.length === 0;
    // A single zero byte means "every key >= start".
    this.end = this.single || (end!.length === 1 && end![0] === 0) ? undefined : Buffer.from(end!);
    this.prevKv = request.prevKv === true;
    this.noPut = request.filters?.includes('noput') === true;
    this.noDelete = request.filters?.includes('nodelete') === true;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.hub.forget(this);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    return this.batches();
  }

  /** Wakes the consumer if a revision up to `committed` has an event for it; else skips past them. */
  poke(committed: number): void {
    const wake = this.wake;
    if (!wake) return; // not waiting: it reads on its own when it asks for the next batch
    let wanted = this.next < this.source.compactRevision();
    for (let rev = this.next; rev <= committed && !wanted; rev++) {
      wanted = this.source.log.get(rev)?.some((event) => this.wants(event)) === true;
    }
    if (!wanted) {
      this.next = Math.max(this.next, committed + 1);
      return;
    }
    // Clear before waking: until the consumer runs, later pokes must not skip what it has yet to read.
    this.wake = undefined;
    wake();
  }

  private async *batches(): AsyncGenerator<WatchBatch> {
    try {
      while (!this.cancelled) {
        const batch = this.read();
        if (batch) {
          yield batch;
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.cancel();
    }
  }

  /** The next batch with events for this watcher, or undefined when caught up. */
  private read(): WatchBatch | undefined {
    const compactRevision = this.source.compactRevision();
    if (this.next < compactRevision) throw new CompactedError(compactRevision);
    const committed = this.source.committedRevision();
    while (this.next <= committed) {
      const revision = this.next++;
      const events: WatchEvent[] = [];
      for (const event of this.source.log.get(revision) ?? []) {
        if (!this.wants(event)) continue;
        events.push(this.prevKv || !event.prevKv ? event : { type: event.type, kv: event.kv });
      }
      if (events.length > 0) return { revision, events };
    }
    return undefined;
  }

  private wants(event: WatchEvent): boolean {
    if (event.type === 'put' ? this.noPut : this.noDelete) return false;
    const key = event.kv.key;
    if (this.single) return key.equals(this.start);
    return Buffer.compare(key, this.start) >= 0 && (this.end === undefined || Buffer.compare(key, this.end) < 0);
  }
}
