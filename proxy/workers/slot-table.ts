/**
 * Names → indices into fixed-size shared arrays, bounded: the main thread allocates an index per app
 * or per app backend, so a name keeps its index across every snapshot posted to the workers. At the
 * bound `allocate` returns −1 and the caller falls back to memory private to one thread (and says so).
 * Freed indices are reused lowest first, so the used part of the arrays stays dense.
 */

/** A bounded name → index map. Single-threaded: the main thread owns it. */
export class SlotTable {
  private readonly slots = new Map<string, number>();
  /** Freed indices, kept sorted descending so pop() gives the lowest. */
  private readonly free: number[] = [];
  private next = 0;

  /** @param capacity indices 0..capacity−1 exist */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer ≥ 1 (got ${capacity})`);
  }

  /** Names holding an index now. */
  get size(): number {
    return this.slots.size;
  }

  /** The index of `name`, or undefined when it has none. */
  get(name: string): number | undefined {
    return this.slots.get(name);
  }

  /** The index of `name`, allocated if new; −1 when the table is full. */
  allocate(name: string): number {
    const known = this.slots.get(name);
    if (known !== undefined) return known;
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop()!;
    else if (this.next < this.capacity) slot = this.next++;
    else return -1;
    this.slots.set(name, slot);
    return slot;
  }

  /** Gives `name`'s index back; the caller guarantees nothing uses it any more. */
  release(name: string): void {
    const slot = this.slots.get(name);
    if (slot === undefined) return;
    this.slots.delete(name);
    let i = this.free.length;
    this.free.push(slot);
    while (i > 0 && this.free[i - 1]! < slot) {
      this.free[i] = this.free[i - 1]!;
      i--;
    }
    this.free[i] = slot;
  }

  /** Every name with its index. */
  entries(): IterableIterator<[string, number]> {
    return this.slots.entries();
  }
}
