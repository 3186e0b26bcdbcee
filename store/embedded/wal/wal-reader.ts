/**
 * Replays WAL segments at startup. A torn record at the end of the LAST segment (an append cut short
 * by a crash) is cut off with a warning and the file truncated to its last good record; any other
 * damage, or a gap in the record indexes, refuses to start with `CorruptDataError` naming the file
 * and byte offset: silently skipping records would lose acknowledged writes.
 */
import { open, readFile } from 'node:fs/promises';
import { CorruptDataError } from '../../errors.js';
import { decodeFrames } from './record.js';
import type { SegmentFile } from './segment.js';

/** Where a record came from, for error messages. */
export interface RecordSource {
  file: string;
  offset: number;
}

/** What replay found. */
export interface WalReplay {
  /** Index the next appended record gets. */
  nextIndex: number;
  /** Size of the last segment after any truncation. */
  tailBytes: number;
}

/** Called for each record with index > `afterIndex`, in order. */
export type RecordHandler = (index: number, type: number, payload: Buffer, source: RecordSource) => void;

/** Reads every segment, feeding records after `afterIndex` (the snapshot's) to `onRecord`. */
export async function replayWal(
  segments: SegmentFile[],
  afterIndex: number,
  onRecord: RecordHandler,
  warn: (message: string, fields: Record<string, unknown>) => void,
): Promise<WalReplay> {
  const first = segments[0];
  if (first && first.firstIndex > afterIndex + 1) {
    throw new CorruptDataError(
      `WAL starts at record ${first.firstIndex} (${first.path}) but the snapshot ends at ${afterIndex}: records are missing`,
    );
  }
  let nextIndex = first ? first.firstIndex : afterIndex + 1;
  let tailBytes = 0;
  for (const [i, segment] of segments.entries()) {
    if (segment.firstIndex !== nextIndex) {
      throw new CorruptDataError(`WAL segment ${segment.path} starts at record ${segment.firstIndex}, expected ${nextIndex}`);
    }
    const buf = await readFile(segment.path);
    const { frames, validEnd, damage } = decodeFrames(buf);
    for (const frame of frames) {
      if (nextIndex > afterIndex) onRecord(nextIndex, frame.type, frame.payload, { file: segment.path, offset: frame.offset });
      nextIndex++;
    }
    tailBytes = buf.length;
    if (!damage) continue;
    const isLast = i === segments.length - 1;
    if (!isLast || !damage.torn) {
      throw new CorruptDataError(
        `WAL file ${segment.path} is damaged at byte offset ${damage.offset} (${damage.reason}) and more data follows; refusing to start`,
      );
    }
    warn('wal: cutting off a torn record at the end of the log (an append interrupted by a crash; it was never acknowledged)', {
      file: segment.path,
      offset: damage.offset,
      reason: damage.reason,
      droppedBytes: buf.length - validEnd,
    });
    await truncateDurably(segment.path, validEnd);
    tailBytes = validEnd;
  }
  if (segments.length > 0 && nextIndex <= afterIndex) {
    throw new CorruptDataError(`WAL ends at record ${nextIndex - 1} but the snapshot covers records up to ${afterIndex}`);
  }
  return { nextIndex: Math.max(nextIndex, afterIndex + 1), tailBytes };
}

async function truncateDurably(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
