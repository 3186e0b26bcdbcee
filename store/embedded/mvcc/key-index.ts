/**
 * One key's history (etcd's keyIndex, values included since everything lives in memory).
 *
 * Changes are ordered by revision. A put holds the KeyValue written at that revision; a delete
 * (tombstone) ends a generation. Worked example: put@2, put@5, delete@7, put@9 gives
 * entries [2, 5, 7†, 9]; reading at revision 6 finds 5, at 8 finds the tombstone 7 (absent), at 9 a
 * new generation (createRevision 9, version 1). Compacting at 8 keeps only what a read at >= 8 can
 * reach: the tombstone 7 is the latest entry <= 8, so 2, 5 and 7 go and [9] remains; compacting at 6
 * keeps [5, 7†, 9] (5 is still visible at revision 6).
 */
import type { KeyValue, LeaseId } from '../../store.js';
import type { Revision } from './revision.js';

const EMPTY = Buffer.alloc(0);
/** Shared by new KeyIndexes until their first change; never mutated (append replaces it). */
const EMPTY_HISTORY: KeyValue[] = [];

/**
 * The history of one key. Changes are kept as the KeyValues themselves (a delete as the frozen
 * tombstone KeyValue, version 0, which is also its watch event's kv), with sub-revisions in a
 * parallel array created only once a non-zero one appears: one object per change, on the hot path.
 * KeyValues are frozen: they are shared with readers and watchers.
 */
export class KeyIndex {
  // Starts as a one-element array literal (capacity 1): most keys never change again, and an
  // empty `[]` grows to a 17-slot backing store on its first push.
  private kvs: KeyValue[] = EMPTY_HISTORY;
  private subs: number[] | undefined;

  constructor(
    readonly key: Buffer,
    /** The key as a latin1 string: one char per byte, so string order is byte order. */
    readonly name: string,
  ) {}

  /** Every retained change, oldest first (a delete is a tombstone: version 0). Read-only view. */
  get changes(): readonly KeyValue[] {
    return this.kvs;
  }

  /** Sub-revisions parallel to {@link changes}, or undefined when all are 0. Read-only view. */
  get subRevisions(): readonly number[] | undefined {
    return this.subs;
  }

  /** The revision of the newest change. */
  get lastRevision(): number {
    return this.kvs.at(-1)?.modRevision ?? 0;
  }

  /** The current value, or undefined when the key is deleted. */
  latest(): KeyValue | undefined {
    const kv = this.kvs.at(-1);
    return kv && kv.version > 0 ? kv : undefined;
  }

  /** The value as of `revision`, or undefined when the key did not exist then. */
  at(revision: number): KeyValue | undefined {
    // Reads are nearly always at or near the head, so scan backwards.
    for (let i = this.kvs.length - 1; i >= 0; i--) {
      const kv = this.kvs[i]!;
      if (kv.modRevision <= revision) return kv.version > 0 ? kv : undefined;
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
    this.append(kv, rev.sub);
    return kv;
  }

  /** Records a delete at `rev`; returns the tombstone KeyValue etcd reports in the watch event. */
  tombstone(rev: Revision): KeyValue {
    const kv = tombstoneKv(this.key, rev.main);
    this.append(kv, rev.sub);
    return kv;
  }

  /** Adds a change as a snapshot recorded it (a tombstone for a delete). */
  restore(kv: KeyValue, sub: number): void {
    this.append(kv, sub);
  }

  /** Drops history a read at >= `revision` cannot reach; returns true when nothing is left. */
  compact(revision: number): boolean {
    let i = this.kvs.length - 1;
    while (i >= 0 && this.kvs[i]!.modRevision > revision) i--;
    if (i < 0) return false;
    const keepFrom = this.kvs[i]!.version > 0 ? i : i + 1;
    if (keepFrom > 0) {
      this.kvs.splice(0, keepFrom);
      this.subs?.splice(0, keepFrom);
    }
    return this.kvs.length === 0;
  }

  private append(kv: KeyValue, sub: number): void {
    if (this.subs) this.subs.push(sub);
    else if (sub !== 0) this.subs = [...new Array<number>(this.kvs.length).fill(0), sub];
    if (this.kvs.length === 0) this.kvs = [kv];
    else this.kvs.push(kv);
  }
}

/** The KeyValue of a delete: the key and the delete's revision, nothing else (etcd's tombstone). */
export function tombstoneKv(key: Buffer, revision: number): KeyValue {
  return Object.freeze({ key, value: EMPTY, createRevision: 0, modRevision: revision, version: 0, lease: '0' });
}
