/**
 * The WAL's record types and payloads. A txn record holds the resulting changes (not the request),
 * so replay is deterministic: puts and deletes in the order the txn made them, at the revision it
 * committed at, plus the lease it revoked, if any (revoke and its deletes are one record, so they
 * are durable together). Lease records carry absolute deadlines (ms since the epoch).
 */
import type { LeaseId, WatchEvent } from '../store.js';
import { ByteReader, ByteWriter } from './binary.js';
import type { Change } from './mvcc/kv-store.js';
import { FRAME_OVERHEAD, sealFrame } from './wal/record.js';

/** Record type bytes; stable on disk. */
export const RecordType = { txn: 1, leaseGrant: 2, leaseRenew: 3, compact: 4 } as const;

/** A decoded WAL record. */
export type LogEntry =
  | { type: 'txn'; revision: number; changes: Change[]; revokeLease?: LeaseId }
  | { type: 'leaseGrant'; id: LeaseId; ttlSeconds: number; deadlineMs: number }
  | { type: 'leaseRenew'; id: LeaseId; deadlineMs: number }
  | { type: 'compact'; revision: number };

const PUT = 1;
const DELETE = 2;

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

/**
 * A txn record framed for the WAL, encoded straight from the committed events (the hot path: one
 * buffer, sized up front, no intermediate objects).
 */
export function encodeTxnRecord(revision: number, events: readonly WatchEvent[], revokeLease?: LeaseId): Buffer {
  let size = FRAME_OVERHEAD + 24 + (revokeLease?.length ?? 0);
  for (const { kv } of events) size += kv.key.length + kv.value.length + kv.lease.length + 16;
  const w = new ByteWriter(size, FRAME_OVERHEAD);
  w.varuint(revision).varuint(events.length);
  for (const { type, kv } of events) {
    if (type === 'put') w.u8(PUT).bytes(kv.key).bytes(kv.value).string(kv.lease);
    else w.u8(DELETE).bytes(kv.key);
  }
  if (revokeLease !== undefined) w.u8(1).string(revokeLease);
  else w.u8(0);
  return sealFrame(w.finish(), RecordType.txn);
}

/** Decodes a record; throws `RangeError` on a malformed payload or unknown type. */
export function decodeLogEntry(type: number, payload: Buffer): LogEntry {
  const r = new ByteReader(payload);
  let entry: LogEntry;
  switch (type) {
    case RecordType.txn: {
      const revision = r.varuint();
      const changes: Change[] = [];
      for (let n = r.varuint(); n > 0; n--) {
        const kind = r.u8();
        const key = r.bytes();
        if (kind === PUT) changes.push({ key, value: r.bytes(), lease: r.string() });
        else if (kind === DELETE) changes.push({ key, value: undefined, lease: '0' });
        else throw new RangeError(`unknown change kind ${kind}`);
      }
      entry = r.u8() === 1 ? { type: 'txn', revision, changes, revokeLease: r.string() } : { type: 'txn', revision, changes };
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
