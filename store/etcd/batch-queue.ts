/**
 * The buffer between a watch stream and the code iterating a Watcher: batches in arrival order, then
 * either a clean end or an error. It reports when it crosses its high and low water marks, so the
 * producer can pause the network stream instead of growing without bound.
 */
import type { WatchBatch } from '../store.js';

/** Buffered batches above which the producer is told to pause. */
export const HIGH_WATER_BATCHES = 1024;
/** Buffered batches at or below which a paused producer is told to resume. */
export const LOW_WATER_BATCHES = 256;

type Waiter = { resolve: (r: IteratorResult<WatchBatch>) => void; reject: (err: unknown) => void };

/** A single-consumer async queue of watch batches with flow-control callbacks. */
export class BatchQueue implements AsyncIterable<WatchBatch> {
  readonly #batches: WatchBatch[] = [];
  #waiter: Waiter | undefined;
  #done = false;
  #error: Error | undefined;
  #paused = false;

  constructor(private readonly flow: { pause(): void; resume(): void }) {}

  /** Appends a batch; pauses the producer at the high water mark. Ignored after end or failure. */
  push(batch: WatchBatch): void {
    if (this.#done) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: batch, done: false });
      return;
    }
    this.#batches.push(batch);
    if (!this.#paused && this.#batches.length >= HIGH_WATER_BATCHES) {
      this.#paused = true;
      this.flow.pause();
    }
  }

  /** Ends iteration after the buffered batches. */
  end(): void {
    this.#finish(undefined);
  }

  /** Ends iteration with `err` after the buffered batches. */
  fail(err: unknown): void {
    this.#finish(err instanceof Error ? err : new Error(`watch failed: ${String(err)}`));
  }

  /** Drops buffered batches and ends iteration now (the consumer cancelled). */
  clear(): void {
    this.#batches.length = 0;
    this.#finish(undefined);
  }

  get done(): boolean {
    return this.#done;
  }

  #finish(err: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = err;
    if (this.#waiter && this.#batches.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (err === undefined) waiter.resolve({ value: undefined, done: true });
      else waiter.reject(err);
    }
  }

  #next(): Promise<IteratorResult<WatchBatch>> {
    const batch = this.#batches.shift();
    if (batch) {
      if (this.#paused && this.#batches.length <= LOW_WATER_BATCHES) {
        this.#paused = false;
        this.flow.resume();
      }
      return Promise.resolve({ value: batch, done: false });
    }
    if (this.#done) {
      return this.#error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.#error);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchBatch> {
    return { next: () => this.#next() };
  }
}
