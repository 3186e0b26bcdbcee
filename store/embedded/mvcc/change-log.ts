/**
 * The store's recent history by revision: one batch of events per write txn, for watch replay and
 * to find the keys compaction must visit. Revisions in the log are contiguous (every write txn
 * changes something), so a lookup is an array index. Batches share their frozen KeyValues with the
 * key index; memory is bounded by compaction, which drops batches below the compact revision.
 */
import type { WatchBatch } from '../../store.js';

/** Batches for a contiguous run of revisions. */
export class ChangeLog {
  private batches: WatchBatch[] = [];
  private head = 0;

  /** The oldest revision held, or undefined when empty. */
  get firstRevision(): number | undefined {
    return this.batches[this.head]?.revision;
  }

  /** Appends the batch of the next revision. */
  push(batch: WatchBatch): void {
    const last = this.batches.at(-1);
    if (this.batches.length > this.head && last && batch.revision !== last.revision + 1) {
      throw new Error(`change log: revision ${batch.revision} does not follow ${last.revision}`);
    }
    this.batches.push(batch);
  }

  /** The batch of `revision`, if held. */
  get(revision: number): WatchBatch | undefined {
    const first = this.firstRevision;
    if (first === undefined || revision < first) return undefined;
    return this.batches[this.head + revision - first];
  }

  /** Forgets batches below `revision`. */
  dropBefore(revision: number): void {
    const first = this.firstRevision;
    if (first === undefined || revision <= first) return;
    this.head = Math.min(this.batches.length, this.head + revision - first);
    // Reclaim the array's dead prefix once it is the larger part.
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }
}
