/**
 * Decides when to snapshot and runs one at a time: after `snapshotEveryRecords` WAL records or
 * `snapshotEveryBytes` WAL bytes since the last snapshot, but never before the WAL has grown by as
 * many bytes as the last snapshot took (Redis's AOF-rewrite rule): a snapshot rewrites the whole
 * state, so this keeps its cost amortized O(1) per byte written however large the state grows, and
 * replay after a crash stays bounded by about one state's worth of WAL. The snapshot captures the revision, the
 * compact revision, the leases and the WAL index synchronously, waits until those records are
 * durable, then streams key histories page by page while writes continue. Physical compaction
 * (purge) waits while a snapshot streams, so the history it is writing stays intact. Afterwards,
 * WAL segments the snapshot covers and older snapshots are deleted.
 */
import { stat } from 'node:fs/promises';
import type { Lessor } from './lease/lessor.js';
import type { KvStore } from './mvcc/kv-store.js';
import type { ResolvedOptions } from './options.js';
import { removeOldSnapshots, writeSnapshot, type SnapshotMeta } from './wal/snapshot.js';
import type { WalWriter } from './wal/wal-writer.js';

/** Triggers and runs snapshots for one store. */
export class SnapshotScheduler {
  /** Snapshots completed since open. */
  taken = 0;
  private records = 0;
  private bytes = 0;
  private lastSnapshotBytes = 0;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly kv: KvStore,
    private readonly lessor: Lessor,
    private readonly wal: WalWriter,
  ) {}

  /** Counts one appended WAL record of `frameBytes`. */
  recorded(frameBytes: number): void {
    this.records++;
    this.bytes += frameBytes;
  }

  /** Starts a snapshot if a threshold was reached and none is running. */
  maybeStart(): void {
    if (this.running || this.stopped) return;
    if (this.records < this.options.snapshotEveryRecords && this.bytes < this.options.snapshotEveryBytes) return;
    if (this.bytes < this.lastSnapshotBytes) return;
    this.running = this.take()
      .catch((err: unknown) => this.options.logger.warn({ err: String(err) }, 'store: snapshot failed; the WAL keeps every record'))
      .finally(() => {
        this.running = undefined;
        this.kv.purge();
      });
  }

  /** Drops compacted history now, or after the running snapshot. */
  purgeWhenIdle(): void {
    if (!this.running) this.kv.purge();
  }

  /** Starts no more snapshots; resolves when the running one (if any) is done. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.running ?? Promise.resolve();
  }

  private async take(): Promise<void> {
    const meta: SnapshotMeta = {
      walIndex: this.wal.lastIndex,
      revision: this.kv.currentRevision,
      compactRevision: this.kv.compactRevision,
      leases: this.lessor.persisted(),
    };
    this.records = 0;
    this.bytes = 0;
    // The snapshot must never hold a write the WAL could still lose.
    await this.wal.flushed();
    let cursor: string | undefined = '';
    const path = await writeSnapshot(this.options.dataDir, meta, () => {
      if (cursor === undefined) return undefined;
      const { page, next } = this.kv.historyPage(cursor, this.options.snapshotPageKeys, meta.revision);
      cursor = next;
      return page;
    });
    this.lastSnapshotBytes = (await stat(path)).size;
    await this.wal.removeSegmentsCoveredBy(meta.walIndex);
    await removeOldSnapshots(this.options.dataDir, path);
    this.taken++;
  }
}
