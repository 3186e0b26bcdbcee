/**
 * Leases (etcd's lessor): grant, renew, revoke, time-to-live, and expiry by deadline. The lessor
 * knows nothing of the MVCC store: it tracks which key names are attached to which lease (the store
 * tells it after each write) and, when a deadline passes, calls the injected `revoke(id)`, which must
 * delete the lease's keys in one txn and then call {@link Lessor.remove}.
 *
 * Deadlines are absolute clock milliseconds, so a lease keeps its remaining TTL across a restart.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, LeaseExistsError, LeaseNotFoundError } from '../../errors.js';
import type { LeaseId, LeaseTimeToLive, WatchEvent } from '../../store.js';
import type { Clock } from '../clock.js';
import type { PersistedLease } from '../wal/snapshot.js';
import { ExpiryQueue } from './expiry-queue.js';

/** etcd's MaxLeaseTTL (seconds). */
export const MAX_LEASE_TTL_SECONDS = 9_000_000_000;
const INT64_MAX = (1n << 63n) - 1n;

/** Lessor wiring and tunables. */
export interface LessorOptions {
  clock: Clock;
  /** Grants below this TTL get this TTL (etcd: 2 s with its default election timeout). */
  minTtlSeconds: number;
  /** Revokes an expired lease (the store's delete-keys-in-one-txn). */
  revoke: (id: LeaseId) => void;
  /** Expiries handled per timer tick; more due leases wait for the next tick, scheduled at once. */
  maxExpiriesPerTick: number;
}

interface Lease {
  id: LeaseId;
  ttlSeconds: number;
  deadlineMs: number;
  keys: Set<string>;
  expiring: boolean;
}

/** Lease state and expiry. */
export class Lessor {
  private readonly leases = new Map<LeaseId, Lease>();
  private readonly queue = new ExpiryQueue();
  private cancelTimer: (() => void) | undefined;
  private armedFor = Infinity;
  private running = false;

  constructor(private readonly options: LessorOptions) {}

  /** A fresh random ID in [1, 2^63) that is not in use. */
  newId(): LeaseId {
    for (;;) {
      const id = randomBytes(8).readBigUInt64BE(0) & INT64_MAX;
      if (id !== 0n && !this.leases.has(id.toString())) return id.toString();
    }
  }

  /** The TTL a grant of `ttlSeconds` really gets. */
  effectiveTtl(ttlSeconds: number): number {
    if (!Number.isSafeInteger(ttlSeconds)) throw new InvalidArgumentError(`lease TTL must be an integer number of seconds, got ${ttlSeconds}`);
    if (ttlSeconds > MAX_LEASE_TTL_SECONDS) throw new InvalidArgumentError(`too large lease TTL (${ttlSeconds} s, the limit is ${MAX_LEASE_TTL_SECONDS})`);
    return Math.max(ttlSeconds, this.options.minTtlSeconds);
  }

  /** Creates a lease expiring at `deadlineMs`. */
  grant(id: LeaseId, ttlSeconds: number, deadlineMs: number): void {
    if (this.leases.has(id)) throw new LeaseExistsError(id);
    this.leases.set(id, { id, ttlSeconds, deadlineMs, keys: new Set(), expiring: false });
    this.schedule(id, deadlineMs);
  }

  /** Checks `id` may be renewed now and returns the new deadline (apply it with {@link setDeadline}). */
  renewDeadline(id: LeaseId): number {
    const lease = this.leases.get(id);
    if (!lease || lease.expiring || lease.deadlineMs <= this.options.clock.now()) throw new LeaseNotFoundError(id);
    return Math.round(this.options.clock.now() + lease.ttlSeconds * 1000);
  }

  /** Moves a lease's deadline (a renewal, live or replayed). */
  setDeadline(id: LeaseId, deadlineMs: number): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    lease.deadlineMs = deadlineMs;
    this.schedule(id, deadlineMs);
  }

  /** Whether `id` exists (expired leases exist until revoked). */
  has(id: LeaseId): boolean {
    return this.leases.has(id);
  }

  /** The granted TTL in seconds, or undefined. */
  ttlOf(id: LeaseId): number | undefined {
    return this.leases.get(id)?.ttlSeconds;
  }

  /** Names of the keys attached to `id`, sorted. */
  keysOf(id: LeaseId): string[] {
    return [...(this.leases.get(id)?.keys ?? [])].sort();
  }

  /** Forgets `id` (after its keys were deleted). */
  remove(id: LeaseId): void {
    this.leases.delete(id);
  }

  /** Follows a committed txn's events: a key leaves its old lease and joins its new one. */
  trackChanges(events: readonly WatchEvent[]): void {
    for (const event of events) {
      const oldLease = event.prevKv?.lease ?? '0';
      const newLease = event.type === 'put' ? event.kv.lease : '0';
      if (oldLease === newLease) continue;
      const name = event.kv.key.toString('latin1');
      if (oldLease !== '0') this.detach(oldLease, name);
      if (newLease !== '0') this.attach(newLease, name);
    }
  }

  attach(id: LeaseId, name: string): void {
    this.leases.get(id)?.keys.add(name);
  }

  detach(id: LeaseId, name: string): void {
    this.leases.get(id)?.keys.delete(name);
  }

  /** etcd's LeaseTimeToLive: TTL -1 for a lease that does not exist; remaining seconds truncated. */
  timeToLive(id: LeaseId, withKeys: boolean): LeaseTimeToLive {
    const lease = this.leases.get(id);
    if (!lease) return { id, ttlSeconds: -1, grantedTtlSeconds: 0, keys: [] };
    const remainingMs = lease.deadlineMs - this.options.clock.now();
    return {
      id,
      ttlSeconds: Math.max(0, Math.floor(remainingMs / 1000)),
      grantedTtlSeconds: lease.ttlSeconds,
      keys: withKeys ? this.keysOf(id).map((name) => Buffer.from(name, 'latin1')) : [],
    };
  }

  /** Every lease ID. */
  ids(): LeaseId[] {
    return [...this.leases.keys()];
  }

  /** Every lease as a snapshot stores it. */
  persisted(): PersistedLease[] {
    return [...this.leases.values()].map(({ id, ttlSeconds, deadlineMs }) => ({ id, ttlSeconds, deadlineMs }));
  }

  /** Starts expiring leases (after recovery, so replay never races the timer). */
  start(): void {
    this.running = true;
    this.arm();
  }

  /** Stops the expiry timer. */
  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedFor = Infinity;
  }

  private schedule(id: LeaseId, deadlineMs: number): void {
    this.queue.push({ id, deadlineMs });
    if (this.running && deadlineMs < this.armedFor) this.arm();
  }

  private arm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const next = this.queue.peek();
    this.armedFor = next ? next.deadlineMs : Infinity;
    if (!next) return;
    this.cancelTimer = this.options.clock.setTimer(() => this.expire(), next.deadlineMs - this.options.clock.now());
  }

  private expire(): void {
    this.cancelTimer = undefined;
    this.armedFor = Infinity;
    if (!this.running) return;
    const now = this.options.clock.now();
    let handled = 0;
    for (let top = this.queue.peek(); top && top.deadlineMs <= now && handled < this.options.maxExpiriesPerTick; top = this.queue.peek()) {
      this.queue.pop();
      const lease = this.leases.get(top.id);
      // Skip entries superseded by a renewal, and leases already on their way out.
      if (!lease || lease.deadlineMs !== top.deadlineMs || lease.expiring) continue;
      lease.expiring = true;
      handled++;
      this.options.revoke(lease.id);
    }
    if (this.running) this.arm();
  }
}
