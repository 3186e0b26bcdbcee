/**
 * Startup: load the newest snapshot, then replay the WAL records after it into the MVCC store and
 * the lessor. Damage is `CorruptDataError` naming the file and offset (the WAL reader cuts a torn
 * tail itself). Leftover temp snapshots and older snapshots are removed.
 */
import { CorruptDataError } from '../errors.js';
import type { Lessor } from './lease/lessor.js';
import { decodeLogEntry, type LogEntry } from './log-entry.js';
import type { KvStore } from './mvcc/kv-store.js';
import type { StoreLogger } from './options.js';
import { listSegments, type SegmentFile } from './wal/segment.js';
import { listSnapshots, loadSnapshot, removeOldSnapshots } from './wal/snapshot.js';
import { replayWal } from './wal/wal-reader.js';

/** What the WAL writer needs to continue where recovery stopped. */
export interface Recovered {
  segments: SegmentFile[];
  nextIndex: number;
  tailBytes: number;
  /** WAL index the loaded snapshot covers (0: none). */
  snapshotIndex: number;
}

/** Rebuilds `kv` and `lessor` from the files in `dir`. */
export async function recover(dir: string, kv: KvStore, lessor: Lessor, logger: StoreLogger): Promise<Recovered> {
  const newest = (await listSnapshots(dir)).at(-1);
  let snapshotIndex = 0;
  if (newest) {
    const meta = await loadSnapshot(newest.path, (history) => kv.restoreKey(history));
    kv.finishRestore(meta.revision, meta.compactRevision);
    for (const lease of meta.leases) lessor.grant(lease.id, lease.ttlSeconds, lease.deadlineMs);
    for (const key of kv.index.range('', undefined)) {
      const latest = key.latest();
      if (latest && latest.lease !== '0') lessor.attach(latest.lease, key.name);
    }
    snapshotIndex = meta.walIndex;
  }
  await removeOldSnapshots(dir, newest?.path);

  const segments = await listSegments(dir);
  const replay = await replayWal(
    segments,
    snapshotIndex,
    (index, type, payload, source) => {
      try {
        applyEntry(decodeLogEntry(type, payload), kv, lessor);
      } catch (err) {
        throw new CorruptDataError(`WAL file ${source.file}: record ${index} at byte offset ${source.offset} is invalid: ${String(err)}`, {
          cause: err,
        });
      }
    },
    (message, fields) => logger.warn(fields, message),
  );
  kv.purge();
  return { segments, snapshotIndex, ...replay };
}

function applyEntry(entry: LogEntry, kv: KvStore, lessor: Lessor): void {
  switch (entry.type) {
    case 'txn': {
      const revoked = entry.revokeLease === undefined ? [] : lessor.keysOf(entry.revokeLease);
      const batch = kv.replayTxn(entry.revision, entry.ops, revoked);
      if (batch) lessor.trackChanges(batch.events);
      if (entry.revokeLease !== undefined) lessor.remove(entry.revokeLease);
      break;
    }
    case 'leaseGrant':
      lessor.grant(entry.id, entry.ttlSeconds, entry.deadlineMs);
      break;
    case 'leaseRenew':
      lessor.setDeadline(entry.id, entry.deadlineMs);
      break;
    case 'compact':
      kv.compact(entry.revision);
      break;
  }
}
