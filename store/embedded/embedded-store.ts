/**
 * EmbeddedStore: the Store contract in-process, durable on local disk. It wires the MVCC store, the
 * WAL, snapshots, the lessor and the watch hub.
 *
 * Write path (all synchronous up to the WAL append, so txns are applied one at a time in order):
 * check the request, evaluate compares against the latest state, apply the changes to the MVCC store
 * at the next revision, append one WAL record, and resolve once group commit has fsynced it.
 * `committedRevision` is the newest revision whose record is durable: plain reads (get, range) are
 * served at it and watchers never see past it, so nobody observes a write that a crash could still
 * lose. Txns (even read-only ones) resolve only after everything they observed is durable.
 *
 * Returned KeyValues are frozen and shared; their Buffers are the store's own: treat them as read-only.
 */
import { mkdir } from 'node:fs/promises';
import { CompactedError, FutureRevisionError, LeaseNotFoundError, StoreClosedError, StoreUnavailableError } from '../errors.js';
import type {
  Bytes,
  DeleteOptions,
  DeleteResult,
  KeySelector,
  KeyValue,
  LeaseGrant,
  LeaseId,
  LeaseTimeToLive,
  PutOptions,
  PutResult,
  RangeRequest,
  RangeResult,
  Store,
  TxnRequest,
  TxnResult,
  WatchBatch,
  WatchRequest,
  Watcher,
} from '../store.js';
import { Lessor } from './lease/lessor.js';
import { lockDataDir, type DataDirLock } from './lock.js';
import { encodeLogEntry, encodeTxnRecord, type LogEntry, type WriteOp } from './log-entry.js';
import { KvStore } from './mvcc/kv-store.js';
import { keyBounds, ownBytes } from './mvcc/keys.js';
import { resolveOptions, type EmbeddedStoreOptions, type ResolvedOptions } from './options.js';
import { recover } from './recovery.js';
import { checkLeaseId, checkPut, checkSelector, checkTxn } from './request-check.js';
import { SnapshotScheduler } from './snapshot-scheduler.js';
import { applyTxn, checkReadable } from './txn-apply.js';
import { WalWriter, type WalStats } from './wal/wal-writer.js';
import { WatchHub } from './watch/watch-hub.js';

/** Figures for metrics and tests. */
export interface EmbeddedStoreStats {
  /** Latest applied revision (its WAL record may still be waiting for fdatasync). */
  revision: number;
  /** Latest durable revision: what reads and watchers see. */
  committedRevision: number;
  compactRevision: number;
  /** Keys with any retained history, deleted ones included until compaction. */
  keys: number;
  leases: number;
  watchers: number;
  /** Snapshots written since open. */
  snapshots: number;
  wal: WalStats;
}

/** The embedded, durable Store. Create with {@link EmbeddedStore.open}. */
export class EmbeddedStore implements Store {
  private readonly kv = new KvStore();
  private readonly lessor: Lessor;
  private readonly hub: WatchHub;
  private wal!: WalWriter;
  private snapshots!: SnapshotScheduler;
  private committed = 1;
  private failure: StoreUnavailableError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly lock: DataDirLock,
  ) {
    this.lessor = new Lessor({
      clock: options.clock,
      minTtlSeconds: options.minLeaseTtlSeconds,
      maxExpiriesPerTick: options.maxLeaseExpiriesPerTick,
      revoke: (id) => this.expire(id),
    });
    this.hub = new WatchHub({
      log: this.kv.log,
      compactRevision: () => this.kv.compactRevision,
      committedRevision: () => this.committed,
    });
  }

  /** Locks `dataDir`, recovers its snapshot and WAL, and starts serving. */
  static async open(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const resolved = resolveOptions(options);
    await mkdir(resolved.dataDir, { recursive: true });
    const lock = await lockDataDir(resolved.dataDir, resolved.logger);
    try {
      const store = new EmbeddedStore(resolved, lock);
      const recovered = await recover(resolved.dataDir, store.kv, store.lessor, resolved.logger);
      store.wal = await WalWriter.open({
        dir: resolved.dataDir,
        segmentBytes: resolved.walSegmentBytes,
        nextIndex: recovered.nextIndex,
        segments: recovered.segments,
        tailBytes: recovered.tailBytes,
        onDurable: (mark) => store.onDurable(mark),
        onFailure: (err) =>
          (store.failure ??= new StoreUnavailableError('the write-ahead log failed; the store refuses further requests', { cause: err })),
      });
      store.snapshots = new SnapshotScheduler(resolved, store.kv, store.lessor, store.wal);
      store.committed = store.kv.currentRevision;
      store.lessor.start();
      return store;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  async get(key: Bytes, options?: { revision?: number }): Promise<KeyValue | undefined> {
    return (await this.range({ key, revision: options?.revision })).kvs[0];
  }

  async range(request: RangeRequest): Promise<RangeResult> {
    this.checkOpen();
    checkSelector(request, this.options);
    const revision = await this.readRevision(request.revision);
    return this.kv.range(request, revision, this.committed);
  }

  async put(key: Bytes, value: Bytes, options?: PutOptions): Promise<PutResult> {
    this.checkOpen();
    checkPut(key, value, this.options);
    const lease = this.checkLease(options?.lease);
    this.checkBacklog();
    const txn = this.kv.beginWrite();
    const op = { op: 'put', key: ownBytes(key), value: ownBytes(value), lease } as const;
    const { prevKv } = txn.put(op.key, op.key.toString('latin1'), op.value, lease);
    await this.persist(txn.end(), [op]);
    return options?.prevKv && prevKv ? { revision: txn.revision, prevKv } : { revision: txn.revision };
  }

  async delete(selector: KeySelector, options?: DeleteOptions): Promise<DeleteResult> {
    this.checkOpen();
    checkSelector(selector, this.options);
    this.checkBacklog();
    const txn = this.kv.beginWrite();
    const deleted = txn.deleteRange(keyBounds(selector));
    const batch = txn.end();
    const revision = this.kv.currentRevision;
    await this.persist(batch, [{ op: 'delete', key: selector.key, rangeEnd: selector.rangeEnd }]);
    return { revision, deleted: deleted.length, prevKvs: options?.prevKv ? deleted : [] };
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    this.checkOpen();
    checkTxn(request, this.options);
    if ([...(request.success ?? []), ...(request.failure ?? [])].some((op) => op.op !== 'range')) this.checkBacklog();
    const { result, batch, writes } = applyTxn(this.kv, request, (id) => this.lessor.has(id));
    await this.persist(batch, writes);
    return result;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision <= this.kv.compactRevision) throw new CompactedError(this.kv.compactRevision);
    if (revision > this.kv.currentRevision) throw new FutureRevisionError(revision, this.kv.currentRevision);
    if (revision > this.committed) await this.wal.flushed();
    await this.compactTo(revision);
  }

  watch(request: WatchRequest): Watcher {
    this.checkOpen();
    return this.hub.watch(request);
  }

  async grant(ttlSeconds: number, options?: { id?: LeaseId }): Promise<LeaseGrant> {
    this.checkOpen();
    const ttl = this.lessor.effectiveTtl(ttlSeconds);
    let id = options?.id;
    if (id !== undefined && id !== '0') checkLeaseId(id);
    else id = this.lessor.newId();
    const deadlineMs = Math.round(this.options.clock.now() + ttl * 1000);
    this.lessor.grant(id, ttl, deadlineMs);
    await this.append({ type: 'leaseGrant', id, ttlSeconds: ttl, deadlineMs });
    return { id, ttlSeconds: ttl };
  }

  async keepAlive(id: LeaseId): Promise<number> {
    this.checkOpen();
    checkLeaseId(id);
    const deadlineMs = this.lessor.renewDeadline(id);
    const ttl = this.lessor.ttlOf(id)!;
    this.lessor.setDeadline(id, deadlineMs);
    await this.append({ type: 'leaseRenew', id, deadlineMs });
    return ttl;
  }

  async revoke(id: LeaseId): Promise<void> {
    this.checkOpen();
    checkLeaseId(id);
    if (!this.lessor.has(id)) throw new LeaseNotFoundError(id);
    await this.revokeLease(id);
  }

  async timeToLive(id: LeaseId, options?: { keys?: boolean }): Promise<LeaseTimeToLive> {
    this.checkOpen();
    checkLeaseId(id);
    return Promise.resolve(this.lessor.timeToLive(id, options?.keys === true));
  }

  async leases(): Promise<LeaseId[]> {
    this.checkOpen();
    return Promise.resolve(this.lessor.ids());
  }

  /** Stops lease expiry, ends watchers, flushes the WAL, finishes a running snapshot, unlocks. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lessor.stop();
      this.hub.close();
      try {
        await this.snapshots.stop();
        // After a WAL failure (already reported to every writer since) closing just releases the file.
        await this.wal.close().catch((err: unknown) => {
          if (!this.failure) throw err;
        });
      } finally {
        await this.lock.release();
      }
    })();
    return this.closing;
  }

  /** Current figures. */
  stats(): EmbeddedStoreStats {
    return {
      revision: this.kv.currentRevision,
      committedRevision: this.committed,
      compactRevision: this.kv.compactRevision,
      keys: this.kv.index.size,
      leases: this.lessor.ids().length,
      watchers: this.hub.size,
      snapshots: this.snapshots.taken,
      wal: this.wal.stats(),
    };
  }

  /**
   * Logs a txn that produced `batch` by running `ops` (and revoking a lease) to the WAL; when it
   * changed nothing, waits instead until what it observed is durable.
   */
  private persist(batch: WatchBatch | undefined, ops: readonly WriteOp[], revokeLease?: LeaseId): Promise<void> {
    if (!batch && revokeLease === undefined) return this.wal.flushed();
    if (batch) this.lessor.trackChanges(batch.events);
    return this.appendFrame(encodeTxnRecord(this.kv.currentRevision, ops, revokeLease));
  }

  private append(entry: Exclude<LogEntry, { type: 'txn' }>): Promise<void> {
    return this.appendFrame(encodeLogEntry(entry));
  }

  /** Queues a frame; the promise rejects with StoreUnavailableError if the WAL fails (then every later request does). */
  private appendFrame(frame: Buffer): Promise<void> {
    this.snapshots.recorded(frame.length);
    return this.wal.append(frame, this.kv.currentRevision);
  }

  private onDurable(mark: number): void {
    if (mark > this.committed) this.committed = mark;
    this.hub.notify();
    const retain = this.options.retainRevisions;
    if (retain > 0 && this.committed - this.kv.compactRevision >= retain + Math.max(1, Math.floor(retain / 10))) {
      void this.compactTo(this.committed - retain).catch(() => undefined);
    }
    this.snapshots.maybeStart();
  }

  private compactTo(revision: number): Promise<void> {
    this.kv.compact(revision);
    this.snapshots.purgeWhenIdle();
    return this.append({ type: 'compact', revision });
  }

  private revokeLease(id: LeaseId): Promise<void> {
    const txn = this.kv.beginWrite();
    for (const name of this.lessor.keysOf(id)) txn.deleteRange({ start: name, end: name, single: true });
    const done = this.persist(txn.end(), [], id);
    this.lessor.remove(id);
    return done;
  }

  private expire(id: LeaseId): void {
    if (this.closing || this.failure) return;
    this.revokeLease(id).catch((err: unknown) => this.options.logger.warn({ lease: id, err: String(err) }, 'store: lease expiry failed'));
  }

  private async readRevision(requested: number | undefined): Promise<number> {
    if (!requested || requested <= 0) return this.committed;
    checkReadable(this.kv, requested, this.kv.currentRevision);
    if (requested > this.committed) await this.wal.flushed();
    checkReadable(this.kv, requested, this.kv.currentRevision);
    return requested;
  }

  private checkLease(lease: LeaseId | undefined): LeaseId {
    if (lease === undefined || lease === '0') return '0';
    checkLeaseId(lease);
    if (!this.lessor.has(lease)) throw new LeaseNotFoundError(lease);
    return lease;
  }

  private checkBacklog(): void {
    if (this.wal.pendingBytes > this.options.maxPendingWriteBytes) {
      throw new StoreUnavailableError(
        `write backlog full: ${this.wal.pendingBytes} bytes wait for fsync (limit ${this.options.maxPendingWriteBytes}); retry later`,
      );
    }
  }

  private checkOpen(): void {
    if (this.closing) throw new StoreClosedError();
    if (this.failure) throw this.failure;
  }
}
