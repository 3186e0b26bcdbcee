/**
 * `ratelimiter.scope: cluster`: exchanges rate-limit counts with the other proxies through the store,
 * in the background. The hot path never waits on it: it reads what was folded into the limiters'
 * tables. Two independent sides (docs/proxy.md, "Rate limiting across proxies"):
 * - CountPublisher: every `sync_interval`, this proxy's changed counts, one txn, one lease of its own;
 * - CountReceiver: a watch on the other proxies' counts, folded into the tables (replaced, not added).
 * Store outage: traffic never stops. The limiters keep their local counts and the last remote ones,
 * which age out with their buckets; each side logs once, retries with back-off (up to 5 s), and logs
 * again when it recovers.
 */
import type { Clock } from '../../store/embedded/clock.js';
import { systemClock } from '../../store/embedded/clock.js';
import { CountPublisher } from './count-publisher.js';
import { CountReceiver } from './count-receiver.js';
import type { RemoteTotals } from './peer-counts.js';
import { DEFAULT_BOUNDS } from './publication.js';
import type { RateLimitSyncLogger, RateLimitSyncOptions } from './rate-limit-sync-options.js';

export type { RateLimitSyncLogger, RateLimitSyncOptions } from './rate-limit-sync-options.js';

const monotonicClock: Clock = { now: () => performance.now(), setTimer: (callback, ms) => systemClock.setTimer(callback, ms) };
const SILENT: RateLimitSyncLogger = { info: () => {}, warn: () => {} };

/** The exchange. Call start() once; stop() revokes the lease. */
export class RateLimitSync {
  readonly #publisher: CountPublisher;
  readonly #receiver: CountReceiver;
  #stopping: Promise<void> | null = null;

  constructor(options: RateLimitSyncOptions) {
    const { store, limiters, proxyId, intervalMs } = options;
    if (proxyId === '' || proxyId.includes(':')) throw new RangeError(`proxyId must be non-empty without ":" (got ${JSON.stringify(proxyId)})`);
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0 (got ${intervalMs})`);
    const clock = options.clock ?? monotonicClock;
    const logger = options.logger ?? SILENT;
    this.#receiver = new CountReceiver({ store, limiters, proxyId, clock, logger });
    this.#publisher = new CountPublisher({
      store,
      limiters,
      proxyId,
      intervalMs,
      clock,
      logger,
      bounds: options.bounds ?? DEFAULT_BOUNDS,
      beforeCycle: () => this.#receiver.maintain(),
    });
  }

  /** Txns that published this proxy's counts. */
  get published(): number {
    return this.#publisher.published;
  }

  /** Failed publish cycles in a row. */
  get publishFailures(): number {
    return this.#publisher.failures;
  }

  /** Messages and deletions from other proxies folded into the limiters. */
  get folded(): number {
    return this.#receiver.folded;
  }

  /** Failed watch attempts in a row. */
  get watchFailures(): number {
    return this.#receiver.failures;
  }

  /** Starts both sides: the first read and the first publication go out at once. */
  start(): void {
    this.#receiver.start();
    this.#publisher.start();
  }

  /** The proxies whose counts for `scope` are folded in (status and tests). */
  peers(scope: string): string[] {
    return this.#receiver.peers(scope);
  }

  /**
   * The other proxies' counts for `client` (message text, see formatClientKey) in the current bucket
   * of `scope`'s limiter and the one before; undefined when this proxy has no such limiter.
   */
  remoteTotals(scope: string, client: string): RemoteTotals | undefined {
    return this.#receiver.remoteTotals(scope, client);
  }

  /** Resolves once the publish cycle under way (if any) has finished (tests and shutdown). */
  idle(): Promise<void> {
    return this.#publisher.idle();
  }

  /** Stops both sides and revokes the lease, which deletes this proxy's counts at once. */
  stop(): Promise<void> {
    this.#stopping ??= Promise.all([this.#receiver.stop(), this.#publisher.stop()]).then(() => undefined);
    return this.#stopping;
  }
}
