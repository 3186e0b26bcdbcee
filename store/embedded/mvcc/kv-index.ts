/**
 * The key index: a hash map for point lookups plus {@link SortedKeys} for ordered range scans.
 * A key stays indexed while any history of it remains (tombstones included) and is removed when
 * compaction empties its {@link KeyIndex}.
 */
import { KeyIndex } from './key-index.js';
import { SortedKeys } from './sorted-keys.js';

/** Every key with history, by name and in order. */
export class KvIndex {
  private readonly byName = new Map<string, KeyIndex>();
  private readonly order = new SortedKeys();

  /** Number of keys with any retained history. */
  get size(): number {
    return this.byName.size;
  }

  get(name: string): KeyIndex | undefined {
    return this.byName.get(name);
  }

  /** The key's index, created on first use; takes ownership of `key` (callers pass a private copy). */
  getOrCreate(key: Buffer, name: string): KeyIndex {
    let index = this.byName.get(name);
    if (!index) {
      index = new KeyIndex(key, name);
      this.byName.set(name, index);
      this.order.insert(name);
    }
    return index;
  }

  remove(name: string): void {
    if (this.byName.delete(name)) this.order.delete(name);
  }

  /** Keys in `[start, end)` in byte order; `end` undefined means every key >= start. */
  *range(start: string, end: string | undefined): Generator<KeyIndex> {
    for (const name of this.order.range(start, end)) yield this.byName.get(name)!;
  }

  /** Up to `limit` key names >= `start` (snapshot paging). */
  names(start: string, limit: number): string[] {
    return this.order.slice(start, limit);
  }
}
