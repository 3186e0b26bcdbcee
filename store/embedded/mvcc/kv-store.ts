/**
 * The in-memory MVCC store: applies write txns at new revisions, reads at any retained revision,
 * compacts history. KeyValues and events are frozen: readers and watchers share them. It does no I/O and no validation of caller input (the EmbeddedStore does both);
 * it throws only on broken invariants.
 *
 * Revisions: `currentRevision` is the latest applied write txn. A txn that changes nothing leaves it
 * unchanged. `compactRevision` is the oldest readable revision (reads below it are compacted);
 * history is physically dropped by `purge()`, which a running snapshot may hold back.
 */
import type { KeyValue, LeaseId, RangeRequest, RangeResult, WatchBatch, WatchEvent } from '../../store.js';
import type { WriteOp } from '../log-entry.js';
import { ChangeLog } from './change-log.js';
import { KvIndex } from './kv-index.js';
import { keyBounds, type KeyBounds } from './keys.js';
import { queryRange } from './range-query.js';

/**
 * A key's retained history as snapshots store it: its changes oldest first (a delete is a tombstone,
 * version 0) and their sub-revisions (undefined: all 0). Views into the key index: encode them
 * before the next write.
 */
export interface KeyHistory {
  key: Buffer;
  kvs: readonly KeyValue[];
  subs: readonly number[] | undefined;
}

/** The MVCC key-value state. */
export class KvStore {
  readonly index = new KvIndex();
  readonly log = new ChangeLog();
  /** etcd starts at revision 1: a fresh store reports 1 and the first write gets 2. */
  currentRevision = 1;
  compactRevision = 0;
  private purgedRevision = 0;

  /** Reads a range as of `revision` (callers check it is retained and not in the future). */
  range(request: RangeRequest, revision: number, headerRevision = revision): RangeResult {
    return queryRange(this.index, request, revision, headerRevision);
  }

  /** The live values in `bounds` as of `revision`, in key order. */
  select(bounds: KeyBounds, revision: number): KeyValue[] {
    if (bounds.single) {
      const kv = this.index.get(bounds.start)?.at(revision);
      return kv ? [kv] : [];
    }
    const out: KeyValue[] = [];
    for (const key of this.index.range(bounds.start, bounds.end)) {
      const kv = key.at(revision);
      if (kv) out.push(kv);
    }
    return out;
  }

  /** Starts a write txn at `currentRevision + 1`; nothing is visible to watchers until `end()`. */
  beginWrite(): WriteTxn {
    return new WriteTxn(this);
  }

  /**
   * Re-runs a txn recorded in the WAL: `ops` in order, then deletes of `alsoDelete` (the keys of a
   * revoked lease). It must end at `revision`, the revision the txn ended at when it first ran.
   */
  replayTxn(revision: number, ops: ReadonlyArray<WriteOp<Buffer>>, alsoDelete: string[]): WatchBatch | undefined {
    const txn = this.beginWrite();
    for (const op of ops) {
      if (op.op === 'put') txn.put(op.key, op.key.toString('latin1'), op.value, op.lease ?? '0');
      else txn.deleteRange(keyBounds(op));
    }
    for (const name of alsoDelete) txn.deleteRange({ start: name, end: name, single: true });
    const batch = txn.end();
    if (this.currentRevision !== revision) {
      throw new Error(`mvcc: WAL txn ended at revision ${revision} but replay ends at ${this.currentRevision}`);
    }
    return batch;
  }

  /** Raises the compact revision (logical: reads below it fail from now on). */
  compact(revision: number): void {
    if (revision > this.compactRevision) this.compactRevision = revision;
  }

  /**
   * Drops history that reads at >= compactRevision cannot reach. Only keys changed since the last
   * purge can hold such history, and the change log names them: cost is O(changes dropped).
   */
  purge(): void {
    const target = this.compactRevision;
    const first = this.log.firstRevision;
    if (target <= this.purgedRevision || first === undefined) return;
    for (let rev = Math.max(first, this.purgedRevision + 1); rev <= target; rev++) {
      for (const event of this.log.get(rev) ?? []) {
        const name = event.kv.key.toString('latin1');
        if (this.index.get(name)?.compact(target)) this.index.remove(name);
      }
    }
    this.log.dropBefore(target);
    this.purgedRevision = target;
  }

  /**
   * Keys from `cursor` on (at most `limit` of them) with their history up to `revision`, and the
   * cursor of the next page (undefined after the last). Pages resume by name, so keys created
   * between pages do not disturb the walk (they are after `revision` and skipped anyway).
   */
  historyPage(cursor: string, limit: number, revision: number): { page: KeyHistory[]; next: string | undefined } {
    const names = this.index.names(cursor, limit);
    const page: KeyHistory[] = [];
    for (const name of names) {
      const key = this.index.get(name)!;
      let kvs = key.changes;
      let subs = key.subRevisions;
      if (kvs.at(-1)!.modRevision > revision) {
        const count = kvs.findIndex((kv) => kv.modRevision > revision);
        kvs = kvs.slice(0, count);
        subs = subs?.slice(0, count);
      }
      if (kvs.length > 0) page.push({ key: key.key, kvs, subs });
    }
    // The smallest name after the last one: a trailing zero byte.
    return { page, next: names.length < limit ? undefined : `${names.at(-1)!}\0` };
  }

  /** Adds one key's history from a snapshot; call {@link finishRestore} after the last. */
  restoreKey(history: KeyHistory): void {
    const key = this.index.getOrCreate(history.key, history.key.toString('latin1'));
    for (const [i, kv] of history.kvs.entries()) key.restore(kv, history.subs?.[i] ?? 0);
  }

  /** Sets the revisions, compacts, and rebuilds the change log from the restored key histories. */
  finishRestore(currentRevision: number, compactRevision: number): void {
    this.currentRevision = currentRevision;
    this.compactRevision = compactRevision;
    const batches = new Map<number, Array<{ sub: number; event: WatchEvent }>>();
    for (const key of [...this.index.range('', undefined)]) {
      if (key.compact(compactRevision)) {
        this.index.remove(key.name);
        continue;
      }
      let prev: KeyValue | undefined;
      for (const [i, kv] of key.changes.entries()) {
        const live = kv.version > 0;
        if (kv.modRevision >= compactRevision) {
          const event: WatchEvent = { type: live ? 'put' : 'delete', kv };
          if (prev) event.prevKv = prev;
          Object.freeze(event);
          let batch = batches.get(kv.modRevision);
          if (!batch) batches.set(kv.modRevision, (batch = []));
          batch.push({ sub: key.subRevisions?.[i] ?? 0, event });
        }
        prev = live ? kv : undefined;
      }
    }
    for (const revision of [...batches.keys()].sort((a, b) => a - b)) {
      const events = batches.get(revision)!.sort((a, b) => a.sub - b.sub).map((e) => e.event);
      this.log.push(revision, events);
    }
    this.purgedRevision = compactRevision;
  }
}

/** A write txn in progress. Reads inside it see its own earlier changes (etcd's storeTxnWrite). */
export class WriteTxn {
  private readonly main: number;
  private readonly events: WatchEvent[] = [];

  constructor(private readonly store: KvStore) {
    this.main = store.currentRevision + 1;
  }

  /** The revision reads inside the txn use: the new one once something changed. */
  get readRevision(): number {
    return this.events.length > 0 ? this.main : this.main - 1;
  }

  /** The revision the txn will commit at, if it changes anything. */
  get revision(): number {
    return this.main;
  }

  /** Puts `value` (already owned by the store) under `key`; returns the new and previous values. */
  put(key: Buffer, name: string, value: Buffer, lease: LeaseId): { kv: KeyValue; prevKv: KeyValue | undefined } {
    const index = this.store.index.getOrCreate(key, name);
    const prevKv = index.latest();
    const kv = index.put({ main: this.main, sub: this.events.length }, value, lease);
    this.events.push(Object.freeze(prevKv ? { type: 'put', kv, prevKv } : { type: 'put', kv }));
    return { kv, prevKv };
  }

  /** Deletes every live key in `bounds`; returns the deleted values in key order. */
  deleteRange(bounds: KeyBounds): KeyValue[] {
    const deleted = this.store.select(bounds, this.readRevision);
    for (const prevKv of deleted) {
      const index = this.store.index.get(prevKv.key.toString('latin1'))!;
      const kv = index.tombstone({ main: this.main, sub: this.events.length });
      this.events.push(Object.freeze({ type: 'delete', kv, prevKv }));
    }
    return deleted;
  }

  /** Commits the txn's changes: returns its batch, or undefined when it changed nothing. */
  end(): WatchBatch | undefined {
    if (this.events.length === 0) return undefined;
    // The log keeps the events until compaction: a single-change txn (the common case) stores a
    // one-slot array rather than the growable one used while the txn ran.
    const events = this.events.length === 1 ? [this.events[0]!] : this.events;
    const batch = { revision: this.main, events };
    this.store.currentRevision = this.main;
    this.store.log.push(this.main, events);
    return batch;
  }
}
