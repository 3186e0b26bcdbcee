/**
 * The store's recent history by revision: the events of each write txn, for watch replay and to
 * find the keys compaction must visit. Revisions in the log are contiguous (every write txn changes
 * something), so a lookup is an array index and only the events arrays are kept (no per-revision
 * wrapper object: this is on the write hot path). Events share their frozen KeyValues with the key
 * index; memory is bounded by compaction, which drops revisions below the compact revision.
 */
import type { WatchEvent } from '../../store.js';

/** Events for a contiguous run of revisions. */
export class ChangeLog {
  private revisions: WatchEvent[][] = [];
  private head = 0;
  /** Revision of `revisions[head]`. */
  private first = 0;

  /** The oldest revision held, or undefined when empty. */
  get firstRevision(): number | undefined {
    return this.head < this.revisions.length ? this.first : undefined;
  }

  /** Appends the events of `revision`, which must follow the last one held. */
  push(revision: number, events: WatchEvent[]): void {
    if (this.head === this.revisions.length) {
      this.revisions = [];
      this.head = 0;
      this.first = revision;
    } else if (revision !== this.first + this.revisions.length - this.head) {
      throw new Error(`change log: revision ${revision} does not follow ${this.first + this.revisions.length - this.head - 1}`);
    }
    this.revisions.push(events);
  }

  /** The events of `revision`, if held. */
  get(revision: number): WatchEvent[] | undefined {
    if (revision < this.first) return undefined;
    return this.revisions[this.head + revision - this.first];
  }

  /** Forgets revisions below `revision`. */
  dropBefore(revision: number): void {
    if (this.head === this.revisions.length || revision <= this.first) return;
    const drop = Math.min(this.revisions.length - this.head, revision - this.first);
    this.head += drop;
    this.first += drop;
    // Reclaim the array's dead prefix once it is the larger part.
    if (this.head > 1024 && this.head * 2 > this.revisions.length) {
      this.revisions = this.revisions.slice(this.head);
      this.head = 0;
    }
  }
}
