/**
 * A min-heap of lease deadlines (etcd's LeaseQueue). Entries are never updated in place: a renewal
 * pushes a new entry and the lessor skips stale ones when they surface, comparing the popped deadline
 * with the lease's current one. Stale entries are bounded by renewals within one TTL per lease.
 */
import type { LeaseId } from '../../store.js';

/** A lease and the deadline it had when pushed (ms, the lessor's clock). */
export interface Expiry {
  id: LeaseId;
  deadlineMs: number;
}

/** Min-heap ordered by deadline. */
export class ExpiryQueue {
  private readonly heap: Expiry[] = [];

  push(item: Expiry): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.deadlineMs <= item.deadlineMs) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** The earliest entry, without removing it. */
  peek(): Expiry | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest entry. */
  pop(): Expiry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.deadlineMs < heap[left]!.deadlineMs ? right : left;
      if (heap[child]!.deadlineMs >= last.deadlineMs) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
