/**
 * The publishing side of the cluster rate limit: every interval, per shared limiter, this proxy's
 * counts (bounded, see publication.ts) go to `vortex:ratelimit:<scope>:<proxyId>`, all in ONE txn
 * under ONE lease of its own (TTL ≥ 2 s, three intervals, renewed every third), and only when they
 * changed since the last put. A failed cycle is logged once per outage and retried with back-off; a
 * lost lease is granted anew and every scope published afresh.
 */
import type { Clock } from '../../store/embedded/clock.js';
import { isLeaseNotFound } from '../../store/errors.js';
import { keys } from '../../store/keys.js';
import type { LeaseId, Store, TxnOp } from '../../store/store.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import { REVOKE_TIMEOUT_MS, leaseTtlSeconds } from '../telemetry.js';
import type { CountsMessage } from './counts-message.js';
import { encodeCounts, shiftCounts } from './counts-message.js';
import type { PublicationBounds } from './publication.js';
import { buildPublication } from './publication.js';
import type { RateLimitSyncLogger } from './rate-limit-sync-options.js';
import { RETRY_MAX_MS } from './rate-limit-sync-options.js';

/** What a CountPublisher needs (see RateLimitSyncOptions). */
export interface CountPublisherOptions {
  store: Store;
  limiters: () => ReadonlyMap<string, SlidingWindowLimiter>;
  proxyId: string;
  intervalMs: number;
  clock: Clock;
  logger: RateLimitSyncLogger;
  bounds: PublicationBounds;
  /** Runs at the start of every cycle (the receiver's upkeep). */
  beforeCycle: () => void;
}

/** Same counts as `last`, seen from `next`'s bucket: nothing to publish. */
function unchanged(last: CountsMessage | undefined, next: CountsMessage): boolean {
  if (last === undefined) return next.curr.length === 0 && next.prev.length === 0;
  return last.window === next.window && encodeCounts(shiftCounts(last, next.bucket)) === encodeCounts(next);
}

/** The publisher. start() once; stop() revokes the lease. */
export class CountPublisher {
  /** Txns that published counts. */
  published = 0;
  /** Failed cycles in a row. */
  failures = 0;
  readonly #options: CountPublisherOptions;
  readonly #ttlSeconds: number;
  /** Per scope: what is out under the current lease. */
  readonly #published = new Map<string, CountsMessage>();
  #lease: LeaseId | null = null;
  #renewedAt = 0;
  #stopped = false;
  #cancelTimer: (() => void) | null = null;
  #ticking: Promise<void> = Promise.resolve();

  constructor(options: CountPublisherOptions) {
    this.#options = options;
    this.#ttlSeconds = leaseTtlSeconds(options.intervalMs);
  }

  /** Runs the first cycle now, then one per interval (longer while the store fails). */
  start(): void {
    this.#ticking = this.#tick();
  }

  /** Resolves once the cycle under way (if any) has finished. */
  idle(): Promise<void> {
    return this.#ticking;
  }

  /** Stops and revokes the lease, which deletes this proxy's counts at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimer?.();
    await this.#ticking;
    const lease = this.#lease;
    this.#lease = null;
    if (lease === null) return;
    const { store, clock, logger } = this.#options;
    let cancelTimeout = (): void => {};
    const timeout = new Promise<'timeout'>((resolve) => {
      cancelTimeout = clock.setTimer(() => resolve('timeout'), REVOKE_TIMEOUT_MS);
    });
    try {
      const outcome = await Promise.race([store.revoke(lease).then(() => 'revoked' as const), timeout]);
      if (outcome === 'timeout') logger.warn({ lease }, 'rate-limit lease revoke timed out; the counts expire with the lease');
    } catch (err) {
      if (!isLeaseNotFound(err)) logger.warn({ err, lease }, 'rate-limit lease revoke failed; the counts expire with the lease');
    } finally {
      cancelTimeout();
    }
  }

  async #tick(): Promise<void> {
    this.#cancelTimer = null;
    this.#options.beforeCycle();
    await this.#cycle();
    if (this.#stopped) return;
    const interval = this.#options.intervalMs;
    const delay = this.failures === 0 ? interval : Math.min(Math.max(RETRY_MAX_MS, interval), interval * 2 ** (this.failures - 1));
    this.#cancelTimer = this.#options.clock.setTimer(() => {
      this.#ticking = this.#tick();
    }, delay);
  }

  /** One cycle: changed scopes put, vanished scopes deleted, in one txn. Never throws. */
  async #cycle(): Promise<void> {
    if (this.#stopped) return;
    const { store, proxyId, clock, logger } = this.#options;
    try {
      const limiters = this.#options.limiters();
      const lease = await this.#ensureLease();
      const now = clock.now();
      const ops: TxnOp[] = [];
      const next = new Map<string, CountsMessage>();
      for (const [scope, limiter] of limiters) {
        const message = buildPublication(limiter, now, this.#options.bounds);
        if (unchanged(this.#published.get(scope), message)) continue;
        ops.push({ op: 'put', key: keys.rateLimit(scope, proxyId), value: encodeCounts(message), lease });
        next.set(scope, message);
      }
      const gone = [...this.#published.keys()].filter((scope) => !limiters.has(scope));
      for (const scope of gone) ops.push({ op: 'delete', key: keys.rateLimit(scope, proxyId) });
      if (ops.length > 0) {
        await store.txn({ success: ops });
        this.published++;
      }
      for (const [scope, message] of next) this.#published.set(scope, message);
      for (const scope of gone) this.#published.delete(scope);
      if (this.failures > 0) logger.info({ failures: this.failures }, 'cluster rate limit: publishing counts again');
      this.failures = 0;
    } catch (err) {
      if (isLeaseNotFound(err)) this.#lease = null;
      this.failures++;
      if (this.failures === 1) {
        logger.warn({ err }, "cluster rate limit: cannot publish counts; traffic is unaffected, the other proxies see this one's last counts until they age out; retrying with back-off");
      }
    }
  }

  async #ensureLease(): Promise<LeaseId> {
    const { store, clock } = this.#options;
    const now = clock.now();
    if (this.#lease !== null && now - this.#renewedAt >= (this.#ttlSeconds * 1000) / 3) {
      try {
        await store.keepAlive(this.#lease);
        this.#renewedAt = now;
      } catch (err) {
        if (!isLeaseNotFound(err)) throw err;
        this.#lease = null;
      }
    }
    if (this.#lease === null) {
      this.#lease = (await store.grant(this.#ttlSeconds)).id;
      this.#renewedAt = now;
      // Whatever was under an old lease is gone with it: publish every scope anew.
      this.#published.clear();
    }
    return this.#lease;
  }
}
