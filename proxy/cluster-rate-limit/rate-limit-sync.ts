/**
 * `ratelimiter.scope: cluster`: exchanges rate-limit counts with the other proxies through the store,
 * in the background. The hot path never waits on it: it reads what was folded into the limiters' tables.
 *
 * - Publish: every `sync_interval`, per shared limiter, this proxy's counts (bounded, see
 *   publication.ts) go to `vortex:ratelimit:<scope>:<proxyId>`, all in ONE txn under ONE lease of
 *   its own (TTL ≥ 2 s, three intervals), and only when they changed since the last put. A proxy
 *   that stops or dies takes its counts with it (revoke, or lease expiry).
 * - Receive: a watch on `vortex:ratelimit:` keeps each other proxy's latest message per scope
 *   (PeerCounts: replaced, never added up) and folds the changed clients' totals into the limiter
 *   (setRemote). After any failure it re-reads every key, so a missed put or delete costs nothing.
 * - Store outage: traffic never stops. The limiters keep their local counts and the last remote ones,
 *   which age out with their buckets; each side logs once, retries with back-off (up to 5 s), and
 *   logs again when it recovers. A new lease means every scope is published afresh.
 */
import type { Clock } from '../../store/embedded/clock.js';
import { systemClock } from '../../store/embedded/clock.js';
import { StoreError } from '../../store/errors.js';
import { keys } from '../../store/keys.js';
import type { KeyValue, LeaseId, Store, TxnOp, Watcher } from '../../store/store.js';
import { prefixRange } from '../../store/store.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import { REVOKE_TIMEOUT_MS, leaseTtlSeconds } from '../telemetry.js';
import type { CountsMessage } from './counts-message.js';
import { decodeCounts, encodeCounts, shiftCounts } from './counts-message.js';
import { foldRemoteCounts } from './fold.js';
import { PeerCounts } from './peer-counts.js';
import type { RemoteTotals } from './peer-counts.js';
import type { PublicationBounds } from './publication.js';
import { DEFAULT_BOUNDS, buildPublication } from './publication.js';
import { parseRateLimitKey } from './scopes.js';

/** Where the sync reports; a pino logger fits. */
export interface RateLimitSyncLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What a RateLimitSync needs. */
export interface RateLimitSyncOptions {
  store: Store;
  /** The shared limiters by scope (see scopes.ts), read afresh each time: a reload replaces them. */
  limiters: () => ReadonlyMap<string, SlidingWindowLimiter>;
  /** This proxy's id in the keys; unique per running proxy. */
  proxyId: string;
  /** ms between publications (`ratelimiter.sync_interval`). */
  intervalMs: number;
  /** The limiters' clock (what the hot path passes to check) and timers. Default: performance.now(), setTimeout. */
  clock?: Clock;
  logger?: RateLimitSyncLogger;
  bounds?: PublicationBounds;
}

/** First wait before re-reading after a watch failure (ms); doubles up to RETRY_MAX_MS. */
export const RETRY_INITIAL_MS = 100;
/** Longest wait between attempts of either side while the store fails (ms). */
export const RETRY_MAX_MS = 5_000;

const monotonicClock: Clock = { now: () => performance.now(), setTimer: (callback, ms) => systemClock.setTimer(callback, ms) };
const SILENT: RateLimitSyncLogger = { info: () => {}, warn: () => {} };

function isLeaseNotFound(err: unknown): boolean {
  return err instanceof StoreError && err.code === 'VX_STORE_LEASE_NOT_FOUND';
}

/** The exchange. Call start() once; stop() revokes the lease. */
export class RateLimitSync {
  /** Txns that published counts. */
  published = 0;
  /** Messages and deletions from other proxies folded into the limiters. */
  folded = 0;
  /** Failed publish cycles in a row. */
  publishFailures = 0;
  /** Failed watch attempts in a row. */
  watchFailures = 0;
  readonly #options: RateLimitSyncOptions;
  readonly #clock: Clock;
  readonly #logger: RateLimitSyncLogger;
  readonly #bounds: PublicationBounds;
  readonly #ttlSeconds: number;
  /** Per scope: the other proxies' latest counts. */
  readonly #peers = new Map<string, PeerCounts>();
  /** Per scope: what is out under the current lease. */
  readonly #published = new Map<string, CountsMessage>();
  /** Per scope: the limiter object everything was folded into (a reload may replace it). */
  readonly #foldedInto = new Map<string, SlidingWindowLimiter>();
  #lease: LeaseId | null = null;
  #renewedAt = 0;
  #stopped = false;
  #cancelTimer: (() => void) | null = null;
  #ticking: Promise<void> = Promise.resolve();
  #watcher: Watcher | null = null;
  #watching: Promise<void> = Promise.resolve();
  #wake: (() => void) | null = null;

  constructor(options: RateLimitSyncOptions) {
    this.#options = options;
    this.#clock = options.clock ?? monotonicClock;
    this.#logger = options.logger ?? SILENT;
    this.#bounds = options.bounds ?? DEFAULT_BOUNDS;
    this.#ttlSeconds = leaseTtlSeconds(options.intervalMs);
  }

  /** Starts both sides: the first publication and the first read go out at once. */
  start(): void {
    this.#watching = this.#watchLoop();
    this.#ticking = this.#tick();
  }

  /** The proxies whose counts for `scope` are folded in (status and tests). */
  peers(scope: string): string[] {
    return this.#peers.get(scope)?.peers() ?? [];
  }

  /**
   * The other proxies' counts for `client` (message text, see formatClientKey) in the current bucket
   * of `scope`'s limiter and the one before; undefined when this proxy has no such limiter.
   */
  remoteTotals(scope: string, client: string): RemoteTotals | undefined {
    const limiter = this.#options.limiters().get(scope);
    if (limiter === undefined) return undefined;
    const totals = this.#peers.get(scope)?.totals(client, limiter.bucketOf(this.#clock.now()), limiter.windowMs);
    return totals ?? { prev: 0, curr: 0 };
  }

  /** Resolves once the publish cycle under way (if any) has finished (tests and shutdown). */
  idle(): Promise<void> {
    return this.#ticking;
  }

  /** Stops both sides and revokes the lease, which deletes this proxy's counts at once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#watcher?.cancel();
    this.#wake?.();
    await Promise.all([this.#ticking, this.#watching]);
    const lease = this.#lease;
    this.#lease = null;
    if (lease === null) return;
    let cancelTimeout = (): void => {};
    const timeout = new Promise<'timeout'>((resolve) => {
      cancelTimeout = this.#clock.setTimer(() => resolve('timeout'), REVOKE_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([this.#options.store.revoke(lease).then(() => 'revoked' as const), timeout]);
      if (outcome === 'timeout') this.#logger.warn({ lease }, 'rate-limit lease revoke timed out; the counts expire with the lease');
    } catch (err) {
      if (!isLeaseNotFound(err)) this.#logger.warn({ err, lease }, 'rate-limit lease revoke failed; the counts expire with the lease');
    } finally {
      cancelTimeout();
    }
  }

  async #tick(): Promise<void> {
    this.#cancelTimer = null;
    this.#maintain();
    await this.#publish();
    if (this.#stopped) return;
    const interval = this.#options.intervalMs;
    const delay = this.publishFailures === 0 ? interval : Math.min(Math.max(RETRY_MAX_MS, interval), interval * 2 ** (this.publishFailures - 1));
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#ticking = this.#tick();
    }, delay);
  }

  /** Folds everything known into limiters a reload replaced, and drops counts too old to matter. */
  #maintain(): void {
    for (const [scope, limiter] of this.#options.limiters()) {
      const peers = this.#peers.get(scope);
      if (peers === undefined) continue;
      peers.prune(limiter.bucketOf(this.#clock.now()));
      if (this.#foldedInto.get(scope) !== limiter) this.#fold(scope, []);
    }
  }

  /** One publish cycle: changed scopes put, vanished scopes deleted, in one txn. Never throws. */
  async #publish(): Promise<void> {
    if (this.#stopped) return;
    try {
      const limiters = this.#options.limiters();
      const lease = await this.#ensureLease();
      const now = this.#clock.now();
      const ops: TxnOp[] = [];
      const next = new Map<string, CountsMessage>();
      for (const [scope, limiter] of limiters) {
        const message = buildPublication(limiter, now, this.#bounds);
        const last = this.#published.get(scope);
        const unchanged =
          last === undefined ? message.curr.length === 0 && message.prev.length === 0 : last.window === message.window && encodeCounts(shiftCounts(last, message.bucket)) === encodeCounts(message);
        if (unchanged) continue;
        ops.push({ op: 'put', key: keys.rateLimit(scope, this.#options.proxyId), value: encodeCounts(message), lease });
        next.set(scope, message);
      }
      const gone = [...this.#published.keys()].filter((scope) => !limiters.has(scope));
      for (const scope of gone) ops.push({ op: 'delete', key: keys.rateLimit(scope, this.#options.proxyId) });
      if (ops.length > 0) {
        await this.#options.store.txn({ success: ops });
        this.published++;
      }
      for (const [scope, message] of next) this.#published.set(scope, message);
      for (const scope of gone) this.#published.delete(scope);
      if (this.publishFailures > 0) this.#logger.info({ failures: this.publishFailures }, 'cluster rate limit: publishing counts again');
      this.publishFailures = 0;
    } catch (err) {
      if (isLeaseNotFound(err)) this.#lease = null;
      this.publishFailures++;
      if (this.publishFailures === 1) {
        this.#logger.warn({ err }, 'cluster rate limit: cannot publish counts; traffic is unaffected, the other proxies see this one\'s last counts until they age out; retrying with back-off');
      }
    }
  }

  async #ensureLease(): Promise<LeaseId> {
    const now = this.#clock.now();
    if (this.#lease !== null && now - this.#renewedAt >= (this.#ttlSeconds * 1000) / 3) {
      try {
        await this.#options.store.keepAlive(this.#lease);
        this.#renewedAt = now;
      } catch (err) {
        if (!isLeaseNotFound(err)) throw err;
        this.#lease = null;
      }
    }
    if (this.#lease === null) {
      const grant = await this.#options.store.grant(this.#ttlSeconds);
      this.#lease = grant.id;
      this.#renewedAt = now;
      // Whatever was under an old lease is gone with it: publish every scope anew.
      this.#published.clear();
    }
    return this.#lease;
  }

  async #watchLoop(): Promise<void> {
    let retryMs = RETRY_INITIAL_MS;
    while (!this.#stopped) {
      try {
        const revision = await this.#resync();
        this.#watcher = this.#options.store.watch({ ...prefixRange(keys.rateLimitAll), startRevision: revision + 1 });
        if (this.watchFailures > 0) this.#logger.info({ failures: this.watchFailures }, "cluster rate limit: receiving the other proxies' counts again");
        this.watchFailures = 0;
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
        this.watchFailures++;
        if (this.watchFailures === 1) {
          this.#logger.warn({ err }, "cluster rate limit: cannot read the other proxies' counts; limiting on local counts and the last known remote ones until they age out; retrying with back-off");
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
      this.#logger.warn({ key: kv.key.toString('utf8') }, 'cluster rate limit: ignoring a value that is not a counts message');
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
    foldRemoteCounts(limiter, peers, this.#foldedInto.get(scope) === limiter ? clients : peers.clients(), this.#clock.now());
    this.#foldedInto.set(scope, limiter);
    this.folded++;
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.#clock.setTimer(resolve, ms);
      this.#wake = () => {
        cancel();
        resolve();
      };
    });
  }
}
