/**
 * FIFO of requests waiting for a socket: an intrusive doubly linked list through the requests' own
 * `prev`/`next` fields, so enqueueing allocates nothing and an aborted request leaves in O(1).
 */
import type { UpstreamRequest } from './upstream-request.js';

/** The wait queue of one pool. Its bound is enforced by the pool, which refuses to enqueue past it. */
export class RequestQueue {
  private head: UpstreamRequest | null = null;
  private tail: UpstreamRequest | null = null;
  private count = 0;

  /** Requests waiting. */
  get length(): number {
    return this.count;
  }

  /** Appends at the tail. */
  push(req: UpstreamRequest): void {
    req.prev = this.tail;
    req.next = null;
    if (this.tail === null) this.head = req;
    else this.tail.next = req;
    this.tail = req;
    this.count++;
  }

  /** Puts `req` first (a retry goes before requests that never started). */
  unshift(req: UpstreamRequest): void {
    req.prev = null;
    req.next = this.head;
    if (this.head === null) this.tail = req;
    else this.head.prev = req;
    this.head = req;
    this.count++;
  }

  /** Removes and returns the oldest request, or null. */
  shift(): UpstreamRequest | null {
    const req = this.head;
    if (req !== null) this.remove(req);
    return req;
  }

  /** Unlinks `req` (which must be in this queue). */
  remove(req: UpstreamRequest): void {
    if (req.prev === null) this.head = req.next;
    else req.prev.next = req.next;
    if (req.next === null) this.tail = req.prev;
    else req.next.prev = req.prev;
    req.prev = null;
    req.next = null;
    this.count--;
  }
}
