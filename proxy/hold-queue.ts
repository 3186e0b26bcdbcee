/**
 * Requests waiting for an app scaling from zero to get its first backend. FIFO with one timer for
 * the oldest entry (every entry has the same timeout, so FIFO order is deadline order). Bounded: at
 * HOLD_QUEUE_LIMIT entries `hold()` refuses and the caller answers 503 at once.
 */

/** Most requests held per app; beyond it new ones get 503 hold_queue_full. */
export const HOLD_QUEUE_LIMIT = 10_000;

/** A request that can wait in the queue. */
export interface HeldRequest {
  /** performance.now() (ms) when it times out; set by the queue. */
  holdDeadline: number;
  /** A backend is ready: go on (called once, after leaving the queue). */
  onBackendReady(): void;
  /** The hold timed out (called once, after leaving the queue). */
  onHoldTimeout(): void;
}

/** The per-app hold queue. */
export class HoldQueue {
  private items: HeldRequest[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly onCountChange: (waiting: number) => void) {}

  /** Requests waiting now. */
  get length(): number {
    return this.items.length;
  }

  /** Queues `req` for `timeoutMs`; false when the queue is full. */
  hold(req: HeldRequest, timeoutMs: number): boolean {
    if (this.items.length >= HOLD_QUEUE_LIMIT) return false;
    req.holdDeadline = performance.now() + timeoutMs;
    this.items.push(req);
    if (this.timer === null) this.arm();
    this.onCountChange(this.items.length);
    return true;
  }

  /** Takes `req` out (its client went away); no callback. */
  remove(req: HeldRequest): void {
    const i = this.items.indexOf(req);
    if (i < 0) return;
    this.items.splice(i, 1);
    this.onCountChange(this.items.length);
    if (this.items.length === 0) this.disarm();
  }

  /** Hands every waiting request to a backend that just appeared, oldest first. */
  releaseAll(): void {
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    this.disarm();
    this.onCountChange(0);
    for (const req of items) req.onBackendReady();
  }

  /** Times out every waiting request now (the app is going away or the proxy stops). */
  expireAll(): void {
    const items = this.items;
    this.items = [];
    this.disarm();
    this.onCountChange(0);
    for (const req of items) req.onHoldTimeout();
  }

  private arm(): void {
    const head = this.items[0];
    if (head === undefined) return;
    this.timer = setTimeout(() => this.expireDue(), Math.max(0, head.holdDeadline - performance.now()));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private expireDue(): void {
    this.timer = null;
    const now = performance.now();
    let n = 0;
    while (n < this.items.length && this.items[n]!.holdDeadline <= now) n++;
    const due = this.items.splice(0, n);
    if (n > 0) this.onCountChange(this.items.length);
    this.arm();
    for (const req of due) req.onHoldTimeout();
  }
}
