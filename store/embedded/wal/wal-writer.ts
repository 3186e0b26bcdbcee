/**
 * Appends framed records to the WAL with group commit: while one `writev` + `fdatasync` is in flight,
 * new records queue; the next batch is written with one `writev` and made durable with one
 * `fdatasync`. An append's promise resolves only after the fdatasync that covers it.
 *
 * Segments rotate once they reach `segmentBytes` (checked between batches, so a segment may exceed it
 * by one batch). After a failed write or sync the writer is broken for good: the in-memory state may
 * be ahead of the disk, so every pending and later append rejects with the original error.
 */
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../fsync-dir.js';
import { segmentName, type SegmentFile } from './segment.js';

/** The file operations the writer uses: a `FileHandle` fits. Injectable so tests can fail a sync. */
export interface WalFile {
  writev(buffers: Buffer[]): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a segment for appending, creating it if missing. */
export type WalFileOpener = (path: string) => Promise<WalFile>;

const openForAppend: WalFileOpener = (path) => open(path, 'a');

/** How to start appending. */
export interface WalWriterOptions {
  dir: string;
  /** Rotate to a new segment once the current one holds this many bytes. */
  segmentBytes: number;
  /** Index of the next record (1-based, contiguous). */
  nextIndex: number;
  /** Existing segments, oldest first; the last one is appended to. Empty: start a new segment. */
  segments: SegmentFile[];
  /** Size in bytes of the last existing segment (already truncated to its last good record). */
  tailBytes: number;
  /** Runs after each fdatasync with the highest mark of the batch, before its appends resolve. */
  onDurable: (mark: number) => void;
  /** Turns an I/O failure into the error every pending and later append rejects with. */
  onFailure: (err: unknown) => Error;
  /** Default: `fs.promises.open(path, 'a')`. */
  openFile?: WalFileOpener;
}

/** Counters for tests and metrics. */
export interface WalStats {
  records: number;
  batches: number;
  syncs: number;
  bytes: number;
  segments: number;
}

interface Batch {
  buffers: Buffer[];
  bytes: number;
  mark: number;
  lastIndex: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The group-committing WAL appender. */
export class WalWriter {
  private pending: Batch | undefined;
  private inFlight: Batch | undefined;
  private failure: Error | undefined;
  private nextIndex: number;
  private size: number;
  private readonly counters: WalStats = { records: 0, batches: 0, syncs: 0, bytes: 0, segments: 0 };

  private constructor(
    private readonly options: WalWriterOptions,
    private handle: WalFile,
    private readonly segments: SegmentFile[],
  ) {
    this.nextIndex = options.nextIndex;
    this.size = options.tailBytes;
    this.counters.segments = segments.length;
  }

  /** Opens the last segment for appending, or creates the first one. */
  static async open(options: WalWriterOptions): Promise<WalWriter> {
    const segments = [...options.segments];
    let tail = segments.at(-1);
    if (!tail) {
      tail = { path: join(options.dir, segmentName(options.nextIndex)), firstIndex: options.nextIndex };
      segments.push(tail);
    }
    const handle = await (options.openFile ?? openForAppend)(tail.path);
    if (options.segments.length === 0) await fsyncDir(options.dir);
    return new WalWriter({ ...options, tailBytes: options.segments.length === 0 ? 0 : options.tailBytes }, handle, segments);
  }

  /** Index the most recently appended record got (0 before the first). */
  get lastIndex(): number {
    return this.nextIndex - 1;
  }

  /** Bytes queued and not yet written. */
  get pendingBytes(): number {
    return this.pending?.bytes ?? 0;
  }

  /** A copy of the counters. */
  stats(): WalStats {
    return { ...this.counters };
  }

  /**
   * Queues one framed record (see record.ts); resolves once it is on disk. `mark` is an opaque
   * non-decreasing number (the store passes its revision) handed to `onDurable` when the batch
   * holding it is synced.
   */
  append(frame: Buffer, mark: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const batch = (this.pending ??= newBatch());
    batch.buffers.push(frame);
    batch.bytes += frame.length;
    batch.mark = Math.max(batch.mark, mark);
    batch.lastIndex = this.nextIndex++;
    this.counters.records++;
    if (!this.inFlight) void this.flushLoop();
    return batch.promise;
  }

  /** Resolves once everything appended so far is durable. */
  flushed(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return (this.pending ?? this.inFlight)?.promise ?? Promise.resolve();
  }

  /** Deletes segments whose records all have indexes <= `index` (covered by a snapshot). */
  async removeSegmentsCoveredBy(index: number): Promise<void> {
    // segments[i] ends where segments[i+1] begins; the last (open) segment is never removed.
    let removed = 0;
    while (this.segments.length > 1 && this.segments[1]!.firstIndex - 1 <= index) {
      await unlink(this.segments.shift()!.path);
      removed++;
    }
    if (removed > 0) {
      this.counters.segments = this.segments.length;
      await fsyncDir(this.options.dir);
    }
  }

  /** Waits for queued records (including any appended while flushing), then closes the segment. */
  async close(): Promise<void> {
    try {
      while (this.pending || this.inFlight) await this.flushed();
    } finally {
      await this.handle.close();
    }
  }

  private async flushLoop(): Promise<void> {
    while (this.pending && this.failure === undefined) {
      const batch = this.pending;
      this.pending = undefined;
      this.inFlight = batch;
      try {
        const { bytesWritten } = await this.handle.writev(batch.buffers);
        if (bytesWritten !== batch.bytes) throw new Error(`wal: short write (${bytesWritten} of ${batch.bytes} bytes)`);
        await this.handle.datasync();
      } catch (err) {
        this.fail(batch, err);
        break;
      }
      this.size += batch.bytes;
      this.counters.batches++;
      this.counters.syncs++;
      this.counters.bytes += batch.bytes;
      this.options.onDurable(batch.mark);
      batch.resolve();
      if (this.size >= this.options.segmentBytes) {
        try {
          await this.rotate(batch.lastIndex + 1);
        } catch (err) {
          this.fail(undefined, err);
        }
      }
    }
    this.inFlight = undefined;
  }

  private async rotate(firstIndex: number): Promise<void> {
    const segment = { path: join(this.options.dir, segmentName(firstIndex)), firstIndex };
    const next = await (this.options.openFile ?? openForAppend)(segment.path);
    await fsyncDir(this.options.dir);
    await this.handle.close();
    this.handle = next;
    this.segments.push(segment);
    this.size = 0;
    this.counters.segments = this.segments.length;
  }

  private fail(batch: Batch | undefined, err: unknown): void {
    const failure = this.options.onFailure(err);
    this.failure = failure;
    batch?.reject(failure);
    this.pending?.reject(failure);
    this.pending = undefined;
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Appenders await this promise; the no-op handler keeps a failed batch nobody awaits from being unhandled.
  promise.catch(() => undefined);
  return { buffers: [], bytes: 0, mark: 0, lastIndex: 0, promise, resolve, reject };
}
