/**
 * Applies a txn request to the MVCC store (pure logic, no I/O): evaluates the compares against the
 * latest state, checks everything in the chosen branch that could fail (leases, read revisions)
 * BEFORE the first change, so a txn applies whole or not at all, then runs its ops in order at one
 * new revision. The caller has validated the request's shape (request-check.ts) and persists the
 * returned batch.
 */
import { CompactedError, FutureRevisionError, LeaseNotFoundError } from '../errors.js';
import type { LeaseId, TxnOp, TxnOpResult, TxnRequest, TxnResult, WatchBatch } from '../store.js';
import type { WriteOp } from './log-entry.js';
import { evaluateCompare } from './mvcc/compare.js';
import type { KvStore, WriteTxn } from './mvcc/kv-store.js';
import { keyBounds, ownBytes } from './mvcc/keys.js';

/** The txn's result, its changes (undefined when none) and the write ops that made them (for the WAL). */
export interface AppliedTxn {
  result: TxnResult;
  batch: WatchBatch | undefined;
  writes: WriteOp[];
}

/** Runs `request` against `kv`; `leaseExists` answers for puts that attach a lease. */
export function applyTxn(kv: KvStore, request: TxnRequest, leaseExists: (id: LeaseId) => boolean): AppliedTxn {
  const current = kv.currentRevision;
  const succeeded = (request.compare ?? []).every((c) => evaluateCompare(c, kv.select(keyBounds(c), current)));
  const ops = (succeeded ? request.success : request.failure) ?? [];
  for (const op of ops) {
    if (op.op === 'put' && op.lease !== undefined && op.lease !== '0' && !leaseExists(op.lease)) throw new LeaseNotFoundError(op.lease);
    if (op.op === 'range' && op.revision && op.revision > 0) checkReadable(kv, op.revision, current);
  }
  const txn = kv.beginWrite();
  const responses = ops.map((op) => execute(kv, txn, op));
  const batch = txn.end();
  const revision = kv.currentRevision;
  for (const response of responses) if (response.op !== 'range') response.revision = revision;
  const writes = ops.filter((op): op is Exclude<TxnOp, { op: 'range' }> => op.op !== 'range');
  return { result: { succeeded, revision, responses }, batch, writes };
}

/** Throws unless `revision` can be read: not after `current`, not below the compact revision. */
export function checkReadable(kv: KvStore, revision: number, current: number): void {
  if (revision > current) throw new FutureRevisionError(revision, current);
  if (revision < kv.compactRevision) throw new CompactedError(kv.compactRevision);
}

function execute(kv: KvStore, txn: WriteTxn, op: TxnOp): TxnOpResult {
  switch (op.op) {
    case 'range': {
      const revision = op.revision && op.revision > 0 ? op.revision : txn.readRevision;
      return { op: 'range', ...kv.range(op, revision, txn.readRevision) };
    }
    case 'put': {
      const key = ownBytes(op.key);
      const { prevKv } = txn.put(key, key.toString('latin1'), ownBytes(op.value), op.lease ?? '0');
      return op.prevKv && prevKv ? { op: 'put', revision: 0, prevKv } : { op: 'put', revision: 0 };
    }
    case 'delete': {
      const deleted = txn.deleteRange(keyBounds(op));
      return { op: 'delete', revision: 0, deleted: deleted.length, prevKvs: op.prevKv ? deleted : [] };
    }
  }
}
