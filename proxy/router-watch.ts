/**
 * Keeps ProxyState's router lists in step with the store's `router:<app>` keys (JSON arrays of
 * `host:port`). A failed watch never touches the lists: traffic goes on with the last ones known
 * while the watch is re-established with back-off, from the revision after the last one seen, or
 * from a fresh read of every key when that history was compacted.
 */
import { CompactedError } from '../store/errors.js';
import { keys } from '../store/keys.js';
import type { KeyValue, Store, Watcher } from '../store/store.js';
import { prefixRange } from '../store/store.js';

/** Where router lists go (ProxyState implements it). */
export interface RouterSink {
  setRouter(app: string, addresses: readonly string[]): void;
}

/** Where problems are reported; a pino logger fits. */
export interface RouterWatchLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** First wait before re-watching after an error (ms); doubles up to RETRY_MAX_MS. */
export const RETRY_INITIAL_MS = 100;
/** Longest wait between re-watch attempts (ms). */
export const RETRY_MAX_MS = 5_000;

/** Parses a router value; undefined when it is not a JSON array of strings. */
export function parseRouterList(value: Buffer): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === 'string')) return undefined;
  return parsed;
}

/** The running watch. */
export class RouterWatch {
  private watcher: Watcher | null = null;
  private stopped = false;
  private lastRevision = 0;
  private known = new Set<string>();
  private retryMs = RETRY_INITIAL_MS;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** Watch failures so far (for telemetry and tests). */
  failures = 0;
  private retrying = false;

  constructor(
    private readonly store: Store,
    private readonly sink: RouterSink,
    private readonly logger: RouterWatchLogger = { warn: () => {} },
  ) {}

  /** Reads every router list, then watches; resolves once the first read is applied. */
  async start(): Promise<void> {
    await this.resync();
    this.loop = this.run();
  }

  /** Started and not stopped, and not pausing after a failure (readiness; /readyz). */
  get live(): boolean {
    return this.loop !== null && !this.stopped && !this.retrying;
  }

  /** Stops watching; the lists stay as they are. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.cancel();
    this.wake?.();
    await this.loop;
  }

  /** A full read: every router key, and apps whose key vanished get an empty list. */
  private async resync(): Promise<void> {
    const result = await this.store.range(prefixRange(keys.routersAll));
    const seen = new Set<string>();
    for (const kv of result.kvs) {
      const app = this.apply(kv);
      if (app !== undefined) seen.add(app);
    }
    for (const app of this.known) if (!seen.has(app)) this.sink.setRouter(app, []);
    this.known = seen;
    this.lastRevision = result.revision;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.watcher = this.store.watch({ ...prefixRange(keys.routersAll), startRevision: this.lastRevision + 1 });
        for await (const batch of this.watcher) {
          this.retryMs = RETRY_INITIAL_MS;
          for (const event of batch.events) {
            if (event.type === 'put') this.apply(event.kv);
            else this.remove(event.kv);
          }
          this.lastRevision = batch.revision;
        }
        if (this.stopped) return;
        throw new Error('router watch ended');
      } catch (err) {
        if (this.stopped) return;
        this.failures++;
        this.retrying = true;
        this.logger.warn({ err, retryMs: this.retryMs, fromRevision: this.lastRevision + 1 }, 'router watch failed; keeping the last router lists');
        await this.pause(this.retryMs);
        this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
        if (err instanceof CompactedError) await this.resyncQuietly();
        this.retrying = false;
      }
    }
  }

  private async resyncQuietly(): Promise<void> {
    try {
      await this.resync();
    } catch (err) {
      this.logger.warn({ err }, 'router re-read failed; will retry');
    }
  }

  private apply(kv: KeyValue): string | undefined {
    const app = kv.key.toString('utf8').slice(keys.routersAll.length);
    const list = parseRouterList(kv.value);
    if (list === undefined) {
      this.logger.warn({ key: kv.key.toString('utf8') }, 'router value is not a JSON array of host:port strings; keeping the last list');
      return app;
    }
    this.known.add(app);
    this.sink.setRouter(app, list);
    return app;
  }

  private remove(kv: KeyValue): void {
    const app = kv.key.toString('utf8').slice(keys.routersAll.length);
    this.known.delete(app);
    this.sink.setRouter(app, []);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
