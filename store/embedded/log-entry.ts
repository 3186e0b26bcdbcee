/**
 * The WAL's record types and payloads. A txn record holds the write ops of the branch that ran, in
 * request order (puts, and deletes as the range asked for), the lease it revoked if any, and the
 * revision it ended at. Replaying the ops on the state the WAL has rebuilt so far repeats the txn
 * exactly (a lease revoke deletes the keys the replayed lessor has attached), and the revision is
 * checked. Recording requests rather than results keeps every record within the request size
 * limit, however many keys a range delete or a revoke removes. Lease records carry absolute
 * deadlines (ms since the epoch).
 */
import type { Bytes, LeaseId } from '../store.js';
import { ByteReader, ByteWriter } from './binary.js';
import { FRAME_OVERHEAD, sealFrame } from './wal/record.js';

/** Record type bytes; stable on disk. */
export const RecordType = { txn: 1, leaseGrant: 2, leaseRenew: 3, compact: 4 } as const;

/** A write op of a txn as the caller gave it (a missing or empty rangeEnd deletes one key). */
export type WriteOp<B = Bytes> = { op: 'put'; key: B; value: B; lease?: LeaseId } | { op: 'delete'; key: B; rangeEnd?: B };

/** A decoded WAL record. */
export type LogEntry =
  | { type: 'txn'; revision: number; ops: Array<WriteOp<Buffer>>; revokeLease?: LeaseId }
  | { type: 'leaseGrant'; id: LeaseId; ttlSeconds: number; deadlineMs: number }
  | { type: 'leaseRenew'; id: LeaseId; deadlineMs: number }
  | { type: 'compact'; revision: number };

const PUT = 1;
const DELETE = 2;
const EMPTY = Buffer.alloc(0);

/** A lease or compact record, framed for the WAL. */
export function encodeLogEntry(entry: Exclude<LogEntry, { type: 'txn' }>): Buffer {
  const w = new ByteWriter(64, FRAME_OVERHEAD);
  switch (entry.type) {
    case 'leaseGrant':
      w.string(entry.id).varuint(entry.ttlSeconds).varuint(entry.deadlineMs);
      break;
    case 'leaseRenew':
      w.string(entry.id).varuint(entry.deadlineMs);
      break;
    case 'compact':
      w.varuint(entry.revision);
      break;
  }
  return sealFrame(w.finish(), RecordType[entry.type]);
}

/** A txn record framed for the WAL: one buffer, sized up front (this is the write hot path). */
export function encodeTxnRecord(revision: number, ops: ReadonlyArray<WriteOp>, revokeLease?: LeaseId): Buffer {
  let size = FRAME_OVERHEAD + 24 + (revokeLease?.length ?? 0);
  for (const op of ops) size += 24 + byteLength(op.key) + (op.op === 'put' ? byteLength(op.value) + (op.lease?.length ?? 1) : byteLength(op.rangeEnd));
  const w = new ByteWriter(size, FRAME_OVERHEAD);
  w.varuint(revision).varuint(ops.length);
  for (const op of ops) {
    if (op.op === 'put') w.u8(PUT).bytes(op.key).bytes(op.value).string(op.lease ?? '0');
    else w.u8(DELETE).bytes(op.key).bytes(op.rangeEnd ?? EMPTY);
  }
  if (revokeLease !== undefined) w.u8(1).string(revokeLease);
  else w.u8(0);
  return sealFrame(w.finish(), RecordType.txn);
}

function byteLength(bytes: Bytes | undefined): number {
  if (bytes === undefined) return 0;
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}

/** Decodes a record; throws `RangeError` on a malformed payload or unknown type. */
export function decodeLogEntry(type: number, payload: Buffer): LogEntry {
  const r = new ByteReader(payload);
  let entry: LogEntry;
  switch (type) {
    case RecordType.txn: {
      const revision = r.varuint();
      const ops: Array<WriteOp<Buffer>> = [];
      for (let n = r.varuint(); n > 0; n--) {
        const kind = r.u8();
        const key = r.bytes();
        if (kind === PUT) ops.push({ op: 'put', key, value: r.bytes(), lease: r.string() });
        else if (kind === DELETE) ops.push({ op: 'delete', key, rangeEnd: r.bytes() });
        else throw new RangeError(`unknown op kind ${kind}`);
      }
      entry = r.u8() === 1 ? { type: 'txn', revision, ops, revokeLease: r.string() } : { type: 'txn', revision, ops };
      break;
    }
    case RecordType.leaseGrant:
      entry = { type: 'leaseGrant', id: r.string(), ttlSeconds: r.varuint(), deadlineMs: r.varuint() };
      break;
    case RecordType.leaseRenew:
      entry = { type: 'leaseRenew', id: r.string(), deadlineMs: r.varuint() };
      break;
    case RecordType.compact:
      entry = { type: 'compact', revision: r.varuint() };
      break;
    default:
      throw new RangeError(`unknown record type ${type}`);
  }
  if (!r.done) throw new RangeError('trailing bytes after the payload');
  return entry;
}
