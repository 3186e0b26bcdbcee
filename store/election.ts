/**
 * Leader election over any Store, as etcd's concurrency package does it: a candidate grants a lease
 * and, in one txn, puts the leader key with that lease only if the key does not exist
 * (createRevision == 0). The leader renews every TTL/3. It steps down the moment the lease is lost:
 * a failed renewal, a renewal not confirmed before the lease's deadline (counted from the last
 * confirmed renewal), or the leader key deleted or taken over. Followers watch the key and campaign
 * again as soon as it is deleted, and every `retryMs` besides, so a dead leader is replaced within
 * TTL + retry. Leader work can be fenced with `fence()`, a compare on the key's createRevision.
 */
import type { Compare, LeaseId, Store, Watcher } from './store.js';

export interface ElectionOptions {
  key: string;
  /** This candidate's id, stored as the key's value. */
  id: string;
  ttlSeconds: number;
  /** Followers campaign again at least this often (ms). */
  retryMs: number;
  /** Renewals happen this often (ms); default TTL/3. */
  renewMs?: number;
  /** Errors that do not end the election (store unreachable, ...): reported, then retried. */
  onError?: (error: unknown) => void;
}

export type LeadershipListener = (leading: boolean) => void;

export class LeaderElection {
  readonly #store: Store;
  readonly #options: Required<Omit<ElectionOptions, 'onError'>> & Pick<ElectionOptions, 'onError'>;
  readonly #listeners = new Set<LeadershipListener>();
  #running = false;
  #leading = false;
  #lease: LeaseId | undefined;
  #leaderCreateRevision = 0;
  #watcher: Watcher | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  /** The campaign in flight, if any: stop() waits for it so a late win is undone before stop returns. */
  #campaigning: Promise<void> | undefined;

  constructor(store: Store, options: ElectionOptions) {
    if (!(options.ttlSeconds >= 1)) throw new RangeError(`ttlSeconds must be ≥ 1 (got ${options.ttlSeconds})`);
    this.#store = store;
    this.#options = { renewMs: (options.ttlSeconds * 1000) / 3, ...options };
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Called with true on winning and false on losing leadership. */
  onChange(listener: LeadershipListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A compare that holds only while this candidate's leadership lasts: add it to leader-only txns. */
  fence(): Compare {
    return { key: this.#options.key, target: 'create', result: 'equal', value: this.#leaderCreateRevision };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#watchLeaderKey();
    void this.#campaign();
  }

  /** Stops campaigning; a leader resigns by revoking its lease, so a follower can take over at once. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    this.#watcher?.cancel();
    await this.#campaigning;
    const lease = this.#lease;
    this.#stepDown();
    if (lease !== undefined) await this.#store.revoke(lease).catch(() => undefined);
  }

  #campaign(): Promise<void> {
    if (!this.#running || this.#leading || this.#campaigning) return this.#campaigning ?? Promise.resolve();
    clearTimeout(this.#retryTimer);
    this.#campaigning = this.#tryToWin().finally(() => {
      this.#campaigning = undefined;
      if (this.#running && !this.#leading) this.#retryTimer = setTimeout(() => void this.#campaign(), this.#options.retryMs);
    });
    return this.#campaigning;
  }

  /** One attempt: grant a lease, put the key only if nobody holds it; a lost or late attempt revokes its lease. */
  async #tryToWin(): Promise<void> {
    try {
      const { key, id, ttlSeconds } = this.#options;
      const grantedAt = Date.now();
      const lease = (await this.#store.grant(ttlSeconds)).id;
      const result = await this.#store.txn({
        compare: [{ key, target: 'create', result: 'equal', value: 0 }],
        success: [{ op: 'put', key, value: id, lease }],
        failure: [{ op: 'range', key }],
      });
      if (result.succeeded && this.#running) {
        this.#lease = lease;
        this.#leaderCreateRevision = result.revision;
        this.#becomeLeader(grantedAt);
      } else {
        await this.#store.revoke(lease).catch(() => undefined);
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  #becomeLeader(confirmedAt: number): void {
    this.#leading = true;
    this.#armDeadline(confirmedAt);
    this.#renewTimer = setInterval(() => void this.#renew(), this.#options.renewMs);
    this.#emit(true);
  }

  /** The lease ends TTL after the last confirmed renewal; without a newer one by then, leadership is gone. */
  #armDeadline(confirmedAt: number): void {
    clearTimeout(this.#deadlineTimer);
    const remaining = confirmedAt + this.#options.ttlSeconds * 1000 - Date.now();
    this.#deadlineTimer = setTimeout(() => this.#lose(), Math.max(0, remaining));
  }

  async #renew(): Promise<void> {
    const lease = this.#lease;
    if (!this.#leading || lease === undefined) return;
    const sentAt = Date.now();
    try {
      await this.#store.keepAlive(lease);
      if (this.#leading && this.#lease === lease) this.#armDeadline(sentAt);
    } catch (error) {
      this.#options.onError?.(error);
      if ((error as { code?: string }).code === 'VX_STORE_LEASE_NOT_FOUND') this.#lose();
    }
  }

  #lose(): void {
    if (!this.#leading) return;
    this.#stepDown();
    if (this.#running) this.#retryTimer = setTimeout(() => void this.#campaign(), this.#options.retryMs);
  }

  #stepDown(): void {
    clearInterval(this.#renewTimer);
    clearTimeout(this.#deadlineTimer);
    this.#lease = undefined;
    if (this.#leading) {
      this.#leading = false;
      this.#emit(false);
    }
  }

  /** Deleted key: campaign now. Key rewritten by someone else while we lead: we lost. */
  #watchLeaderKey(): void {
    const watcher = this.#store.watch({ key: this.#options.key });
    this.#watcher = watcher;
    void (async () => {
      try {
        for await (const batch of watcher) {
          for (const event of batch.events) {
            if (event.type === 'delete') {
              this.#lose();
              void this.#campaign();
            } else if (this.#leading && event.kv.createRevision !== this.#leaderCreateRevision) {
              this.#lose();
            }
          }
        }
      } catch (error) {
        this.#options.onError?.(error);
        if (this.#running && this.#watcher === watcher) setTimeout(() => this.#running && this.#watchLeaderKey(), this.#options.retryMs);
      }
    })();
  }

  #emit(leading: boolean): void {
    for (const listener of this.#listeners) listener(leading);
  }
}
