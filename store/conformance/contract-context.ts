/**
 * What every contract case gets: the store under test, a key prefix of its own (so cases never see
 * each other's keys, even on a shared etcd), and helpers to read watches with a bounded wait.
 */
import type { Store, WatchBatch, Watcher } from '../store.js';

/** How long a case waits for a watch batch before failing, in ms. */
export const WATCH_WAIT_MS = 10_000;

/** Per-case state, valid inside `it` callbacks. */
export interface ContractContext {
  store(): Store;
  /** The case's own key prefix, e.g. "vx-contract/3f9a1c2e/". */
  prefix(): string;
  /** `prefix() + name`. */
  key(name: string): string;
}

/** Reads watch batches one at a time, failing after {@link WATCH_WAIT_MS} instead of hanging. */
export class WatchReader {
  readonly #iterator: AsyncIterator<WatchBatch>;
  /** A next() still unanswered when a wait timed out: the following wait reuses it, so nothing is lost. */
  #pending: Promise<IteratorResult<WatchBatch>> | undefined;

  constructor(readonly watcher: Watcher) {
    this.#iterator = watcher[Symbol.asyncIterator]();
  }

  /** The next batch; rejects with the watcher's error, or when none arrives in time. */
  async next(waitMs = WATCH_WAIT_MS): Promise<WatchBatch> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no watch batch within ${waitMs} ms`)), waitMs);
    });
    try {
      const result = await Promise.race([this.#pull(), timeout]);
      this.#pending = undefined;
      if (result.done) throw new Error('watch ended');
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when iteration ends (true) or with the error it ends with; rejects if it does not end in time. */
  async end(waitMs = WATCH_WAIT_MS): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`watch did not end within ${waitMs} ms`)), waitMs);
    });
    try {
      for (;;) {
        const result = await Promise.race([this.#pull(), timeout]);
        this.#pending = undefined;
        if (result.done) return true;
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('watch did not end')) throw err;
      return err;
    } finally {
      clearTimeout(timer);
    }
  }

  cancel(): void {
    this.watcher.cancel();
  }

  #pull(): Promise<IteratorResult<WatchBatch>> {
    this.#pending ??= this.#iterator.next();
    return this.#pending;
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The store's current revision (a count-only read of one key). */
export async function currentRevision(store: Store): Promise<number> {
  return (await store.range({ key: Buffer.from([0]), countOnly: true })).revision;
}
