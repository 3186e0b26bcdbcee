/**
 * WAL segment files: `<first record index, 16 hex digits>.wal` in the data directory. Record indexes
 * are 1-based and contiguous across segments, so the next segment's first index tells where the
 * previous one ends, and a missing file shows up as a gap.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_RE = /^([0-9a-f]{16})\.wal$/;

/** One segment on disk. */
export interface SegmentFile {
  path: string;
  firstIndex: number;
}

/** The file name of the segment whose first record has index `firstIndex`. */
export function segmentName(firstIndex: number): string {
  return `${firstIndex.toString(16).padStart(16, '0')}.wal`;
}

/** The segments in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_RE.exec(name);
    if (match) segments.push({ path: join(dir, name), firstIndex: parseInt(match[1]!, 16) });
  }
  return segments.sort((a, b) => a.firstIndex - b.firstIndex);
}
