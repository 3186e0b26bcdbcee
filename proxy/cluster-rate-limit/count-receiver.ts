/**
 * The receiving side of the cluster rate limit: a watch on `vortex:ratelimit:` keeps every other
 * proxy's latest message per scope (PeerCounts: replaced, never added up) and folds the changed
 * clients' totals into the limiters' tables. A deleted key (revoke, lease expiry) removes that
 * proxy's counts. After any failure it re-reads every key, so a missed put or delete costs nothing;
 * meanwhile the tables keep the last counts, which age out with their buckets.
 */
import type { Clock } from '../../store/embedded/clock.js';
import { keys } from '../../store/keys.js';
import type { KeyValue, Store, Watcher } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import { decodeCounts } from './counts-message.js';
import { foldRemoteCounts } from './fold.js';
import { PeerCounts } from './peer-counts.js';
import type { RemoteTotals } from './peer-counts.js';
import type { RateLimitSyncLogger } from './rate-limit-sync-options.js';
import { RETRY_INITIAL_MS, RETRY_MAX_MS } from './rate-limit-sync-options.js';
import { parseRateLimitKey } from './scopes.js';

/** What a CountReceiver needs (see RateLimitSyncOptions). */
export interface CountReceiverOptions {
  store: Store;
  limiters: () => ReadonlyMap<string, SlidingWindowLimiter>;
  /** Our own key is skipped. */
  proxyId: string;
  clock: Clock;
  logger: RateLimitSyncLogger;
}

/** The receiver. start() once; stop() ends the watch. */
export class CountReceiver {
  /** Messages and deletions folded into the limiters. */
  folded = 0;
  /** Failed watch attempts in a row. */
  failures = 0;
  readonly #options: CountReceiverOptions;
  /** Per scope: the other proxies' latest counts. */
  readonly #peers = new Map<string, PeerCounts>();
  /** Per scope: the limiter object everything was folded into (a reload may replace it). */
  readonly #foldedInto = new Map<string, SlidingWindowLimiter>();
  #stopped = false;
  #watcher: Watcher | null = null;
  #running: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;

  constructor(options: CountReceiverOptions) {
    this.#options = options;
  }

  /** Reads every key, then watches; retries with back-off. */
  start(): void {
    this.#running = this.#run();
  }

  /** Ends the watch; the tables keep what was folded in. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.cancel();
    this.#wake?.();
    await this.#running;
  }

  /** See RateLimitSync.peers. */
  peers(scope: string): string[] {
    return this.#peers.get(scope)?.peers() ?? [];
  }

  /** See RateLimitSync.remoteTotals. */
  remoteTotals(scope: string, client: string): RemoteTotals | undefined {
    const limiter = this.#options.limiters().get(scope);
    if (limiter === undefined) return undefined;
    return this.#peers.get(scope)?.totals(client, limiter.bucketOf(this.#options.clock.now()), limiter.windowMs) ?? { prev: 0, curr: 0 };
  }

  /** Folds everything known into limiters a reload replaced, and drops counts too old to matter. */
  maintain(): void {
    for (const [scope, limiter] of this.#options.limiters()) {
      const peers = this.#peers.get(scope);
      if (peers === undefined) continue;
      peers.prune(limiter.bucketOf(this.#options.clock.now()));
      if (this.#foldedInto.get(scope) !== limiter) this.#fold(scope, []);
    }
  }

  async #run(): Promise<void> {
    const { store, logger } = this.#options;
    let retryMs = RETRY_INITIAL_MS;
    while (!this.#stopped) {
      try {
        const revision = await this.#resync();
        this.#watcher = store.watch({ ...prefixRange(keys.rateLimitAll), startRevision: revision + 1 });
        if (this.failures > 0) logger.info({ failures: this.failures }, "cluster rate limit: receiving the other proxies' counts again");
        this.failures = 0;
        retryMs = RETRY_INITIAL_MS;
        for await (const batch of this.#watcher) {
          for (const event of batch.events) {
            if (event.type === 'put') this.#apply(event.kv);
            else this.#remove(event.kv);
          }
        }
        if (this.#stopped) return;
        throw new Error('rate-limit watch ended');
      } catch (err) {
        if (this.#stopped) return;
        this.failures++;
        if (this.failures === 1) {
          logger.warn({ err }, "cluster rate limit: cannot read the other proxies' counts; limiting on local counts and the last known remote ones until they age out; retrying with back-off");
        }
        await this.#pause(retryMs);
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      }
    }
  }

  /** Reads every published key: the counts of proxies whose key is gone are dropped. Returns the revision read at. */
  async #resync(): Promise<number> {
    const result = await this.#options.store.range(prefixRange(keys.rateLimitAll));
    const seen = new Set<string>();
    for (const kv of result.kvs) {
      const at = this.#apply(kv);
      if (at !== undefined) seen.add(`${at.scope}\n${at.proxyId}`);
    }
    for (const [scope, peers] of this.#peers) {
      for (const proxyId of peers.peers()) {
        if (!seen.has(`${scope}\n${proxyId}`)) this.#fold(scope, peers.delete(proxyId));
      }
    }
    return result.revision;
  }

  /** Folds one proxy's message in; returns where it belongs (undefined for our own or a foreign key). */
  #apply(kv: KeyValue): { scope: string; proxyId: string } | undefined {
    const at = parseRateLimitKey(kv.key.toString('utf8'));
    if (at === undefined || at.proxyId === this.#options.proxyId) return undefined;
    let peers = this.#peers.get(at.scope);
    if (peers === undefined) this.#peers.set(at.scope, (peers = new PeerCounts()));
    const message = decodeCounts(kv.value);
    if (message === undefined) {
      this.#options.logger.warn({ key: kv.key.toString('utf8') }, 'cluster rate limit: ignoring a value that is not a counts message');
      this.#fold(at.scope, peers.delete(at.proxyId));
    } else {
      this.#fold(at.scope, peers.set(at.proxyId, message));
    }
    return at;
  }

  #remove(kv: KeyValue): void {
    const at = parseRateLimitKey(kv.key.toString('utf8'));
    if (at === undefined || at.proxyId === this.#options.proxyId) return;
    const peers = this.#peers.get(at.scope);
    if (peers !== undefined) this.#fold(at.scope, peers.delete(at.proxyId));
  }

  /** Writes the current totals of `clients` into the scope's limiter (when this proxy has one). */
  #fold(scope: string, clients: Iterable<string>): void {
    const limiter = this.#options.limiters().get(scope);
    const peers = this.#peers.get(scope);
    if (limiter === undefined || peers === undefined) return;
    // A limiter a reload just built holds nothing yet: it gets every client, not only the changed ones.
    foldRemoteCounts(limiter, peers, this.#foldedInto.get(scope) === limiter ? clients : peers.clients(), this.#options.clock.now());
    this.#foldedInto.set(scope, limiter);
    this.folded++;
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#options.clock.setTimer(resolve, ms);
      this.#wake = () => {
        cancel();
        resolve();
      };
    });
  }
}
