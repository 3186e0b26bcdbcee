/**
 * An ordered set of strings for range scans: a list of sorted chunks (the layout of Python's
 * sortedcontainers). Finding a key is two binary searches; inserting splices into one chunk of at
 * most 2 * LOAD strings and, on a split, into the chunk list (n / LOAD entries). With LOAD = 512 an
 * insert moves at most ~1k pointers in a chunk plus n/512 in the chunk list: about 2k at a million keys.
 *
 * Keys are latin1 strings (one char per byte), so JavaScript's `<` is byte order.
 */
const LOAD = 512;

/** Sorted set of latin1-encoded keys. */
export class SortedKeys {
  private chunks: string[][] = [];
  /** maxes[i] is the last (largest) key of chunks[i]. */
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key`; false if it was present. */
  insert(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.maxes.push(key);
      this.count++;
      return true;
    }
    let c = lowerBound(this.maxes, key);
    if (c === this.chunks.length) c--;
    const chunk = this.chunks[c]!;
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.maxes[c] = chunk[chunk.length - 1]!;
    this.count++;
    if (chunk.length > 2 * LOAD) {
      const tail = chunk.splice(LOAD);
      this.chunks.splice(c + 1, 0, tail);
      this.maxes.splice(c, 1, chunk[chunk.length - 1]!, tail[tail.length - 1]!);
    }
    return true;
  }

  /** Removes `key`; false if it was absent. */
  delete(key: string): boolean {
    const c = lowerBound(this.maxes, key);
    const chunk = this.chunks[c];
    if (!chunk) return false;
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(c, 1);
      this.maxes.splice(c, 1);
    } else {
      this.maxes[c] = chunk[chunk.length - 1]!;
    }
    return true;
  }

  /** Keys in `[start, end)` in order; `end` undefined means no upper bound. Do not modify while iterating. */
  *range(start: string, end: string | undefined): Generator<string> {
    let c = lowerBound(this.maxes, start);
    if (c === this.chunks.length) return;
    let i = lowerBound(this.chunks[c]!, start);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) {
        const key = chunk[i]!;
        if (end !== undefined && key >= end) return;
        yield key;
      }
    }
  }

  /** Up to `limit` keys >= `start`, as an array (safe to hold across inserts). */
  slice(start: string, limit: number): string[] {
    const out: string[] = [];
    for (const key of this.range(start, undefined)) {
      out.push(key);
      if (out.length >= limit) break;
    }
    return out;
  }
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
