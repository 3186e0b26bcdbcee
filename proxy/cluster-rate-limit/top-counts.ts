/**
 * The `max` largest counts offered, with the table slot each belongs to: a min-heap over two typed
 * arrays, so a publisher scanning a table of n slots spends O(n log max) at worst, allocates nothing
 * per slot, and names (formats) only the winners. At the cut, an equal count does not displace one
 * already kept, so the same table always gives the same selection.
 */
export class TopCounts {
  /** Entries kept (≤ max). */
  size = 0;
  readonly #counts: Float64Array;
  readonly #slots: Int32Array;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer ≥ 1 (got ${max})`);
    this.#counts = new Float64Array(max);
    this.#slots = new Int32Array(max);
  }

  /** Keeps (count, slot) if it is among the largest so far. */
  offer(count: number, slot: number): void {
    const counts = this.#counts;
    if (this.size < this.max) {
      let i = this.size++;
      // Sift up: parents hold smaller counts.
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (counts[parent]! <= count) break;
        counts[i] = counts[parent]!;
        this.#slots[i] = this.#slots[parent]!;
        i = parent;
      }
      counts[i] = count;
      this.#slots[i] = slot;
    } else if (count > counts[0]!) {
      this.#siftDown(count, slot);
    }
  }

  /** Visits what was kept, in no particular order. */
  forEach(visit: (count: number, slot: number) => void): void {
    for (let i = 0; i < this.size; i++) visit(this.#counts[i]!, this.#slots[i]!);
  }

  /** Replaces the smallest entry by (count, slot) and restores the heap. */
  #siftDown(count: number, slot: number): void {
    const counts = this.#counts;
    const slots = this.#slots;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const child = right < this.size && counts[right]! < counts[left]! ? right : left;
      if (counts[child]! >= count) break;
      counts[i] = counts[child]!;
      slots[i] = slots[child]!;
      i = child;
    }
    counts[i] = count;
    slots[i] = slot;
  }
}
