/**
 * One key's history (etcd's keyIndex, values included since everything lives in memory).
 *
 * Entries are ordered by revision. A live entry holds the KeyValue written at that revision; a
 * tombstone (`kv` undefined) ends a generation. Worked example: put@2, put@5, delete@7, put@9 gives
 * entries [2, 5, 7†, 9]; reading at revision 6 finds 5, at 8 finds the tombstone 7 (absent), at 9 a
 * new generation (createRevision 9, version 1). Compacting at 8 keeps only what a read at >= 8 can
 * reach: the tombstone 7 is the latest entry <= 8, so 2, 5 and 7 go and [9] remains; compacting at 6
 * keeps [5, 7†, 9] (5 is still visible at revision 6).
 */
import type { KeyValue, LeaseId } from '../../store.js';
import type { Revision } from './revision.js';

/** One change of this key; `kv` undefined marks a delete. */
export interface KeyEntry extends Revision {
  kv: KeyValue | undefined;
}

const EMPTY = Buffer.alloc(0);

/** The history of one key. KeyValue objects are frozen: they are shared with readers and watchers. */
export class KeyIndex {
  readonly entries: KeyEntry[] = [];

  constructor(
    readonly key: Buffer,
    /** The key as a latin1 string: one char per byte, so string order is byte order. */
    readonly name: string,
  ) {}

  /** The current value, or undefined when the key is deleted. */
  latest(): KeyValue | undefined {
    return this.entries.at(-1)?.kv;
  }

  /** The value as of `revision`, or undefined when the key did not exist then. */
  at(revision: number): KeyValue | undefined {
    // Reads are nearly always at or near the head, so scan backwards.
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.main <= revision) return entry.kv;
    }
    return undefined;
  }

  /** Records a put at `rev` and returns the new KeyValue. */
  put(rev: Revision, value: Buffer, lease: LeaseId): KeyValue {
    const prev = this.latest();
    const kv: KeyValue = Object.freeze({
      key: this.key,
      value,
      createRevision: prev ? prev.createRevision : rev.main,
      modRevision: rev.main,
      version: prev ? prev.version + 1 : 1,
      lease,
    });
    this.entries.push({ main: rev.main, sub: rev.sub, kv });
    return kv;
  }

  /** Records a delete at `rev`; returns the tombstone KeyValue etcd reports in the watch event. */
  tombstone(rev: Revision): KeyValue {
    this.entries.push({ main: rev.main, sub: rev.sub, kv: undefined });
    return Object.freeze({ key: this.key, value: EMPTY, createRevision: 0, modRevision: rev.main, version: 0, lease: '0' });
  }

  /** Adds an entry as it was recorded (snapshot load). */
  restore(entry: KeyEntry): void {
    this.entries.push(entry);
  }

  /** Drops history a read at >= `revision` cannot reach; returns true when nothing is left. */
  compact(revision: number): boolean {
    let i = this.entries.length - 1;
    while (i >= 0 && this.entries[i]!.main > revision) i--;
    if (i < 0) return false;
    const keepFrom = this.entries[i]!.kv ? i : i + 1;
    if (keepFrom > 0) this.entries.splice(0, keepFrom);
    return this.entries.length === 0;
  }
}
