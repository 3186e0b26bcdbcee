/**
 * EmbeddedStore options and their defaults. Every tunable is an option (tests shrink them); the
 * defaults below are the documented values, with units.
 */
import { InvalidArgumentError } from '../errors.js';
import { systemClock, type Clock } from './clock.js';

/** Where warnings go; a pino logger fits (`warn(fields, message)`). */
export interface StoreLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Options for {@link EmbeddedStore.open}; only `dataDir` is required. */
export interface EmbeddedStoreOptions {
  /** Directory for the lock file, WAL segments and snapshots; created if missing. */
  dataDir: string;
  /** Start a new WAL segment once the current one reaches this size. Default 64 MiB. */
  walSegmentBytes?: number;
  /** Take a snapshot after this many WAL records since the last one. Default 100,000 records. */
  snapshotEveryRecords?: number;
  /** ...or after this many WAL bytes since the last one, whichever comes first. Default 256 MiB. */
  snapshotEveryBytes?: number;
  /** Keys per snapshot page; the event loop runs between pages. Default 1,000 keys. */
  snapshotPageKeys?: number;
  /**
   * Automatic compaction keeps the last this-many revisions of history (reads at and watches from
   * older revisions get CompactedError). 0 turns it off. Default 10,000 revisions.
   */
  retainRevisions?: number;
  /** Largest request: keys + values + range ends of one put/delete/txn. Default 1.5 MiB (etcd's). */
  maxRequestBytes?: number;
  /** Largest key. Default 1.5 MiB: like etcd, no limit beyond the request limit. */
  maxKeyBytes?: number;
  /** Most operations in one txn branch, and most compares. Default 128 (etcd's --max-txn-ops). */
  maxTxnOps?: number;
  /**
   * Bytes of WAL records waiting for their durable write; a write arriving past this bound is refused
   * with StoreUnavailableError (retry later) instead of queueing without limit. Default 64 MiB.
   */
  maxPendingWriteBytes?: number;
  /** Leases granted with a shorter TTL get this TTL (etcd's minimum with default settings). Default 2 s. */
  minLeaseTtlSeconds?: number;
  /** Lease expiries handled per timer tick; the rest follow on the next tick. Default 1,000. */
  maxLeaseExpiriesPerTick?: number;
  /** Wall clock and timers (lease deadlines); injectable for tests. Default Date.now + setTimeout. */
  clock?: Clock;
  /** Receives recovery warnings (torn WAL tail, stale lock) and background errors. Default: stderr. */
  logger?: StoreLogger;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<EmbeddedStoreOptions>;

const MiB = 1024 * 1024;

/** The defaults, one place. */
export const DEFAULTS = {
  walSegmentBytes: 64 * MiB,
  snapshotEveryRecords: 100_000,
  snapshotEveryBytes: 256 * MiB,
  snapshotPageKeys: 1_000,
  retainRevisions: 10_000,
  maxRequestBytes: 1.5 * MiB,
  maxKeyBytes: 1.5 * MiB,
  maxTxnOps: 128,
  maxPendingWriteBytes: 64 * MiB,
  minLeaseTtlSeconds: 2,
  maxLeaseExpiriesPerTick: 1_000,
} as const;

const stderrLogger: StoreLogger = {
  warn(fields, message) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg: message, ...fields })}\n`);
  },
};

/** Fills in defaults and checks every number; throws InvalidArgumentError naming the option. */
export function resolveOptions(options: EmbeddedStoreOptions): ResolvedOptions {
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new InvalidArgumentError('embedded store: dataDir must be a non-empty path');
  }
  const resolved: ResolvedOptions = {
    ...DEFAULTS,
    clock: systemClock,
    logger: stderrLogger,
    ...stripUndefined(options),
    dataDir: options.dataDir,
  };
  for (const name of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const value = resolved[name];
    const min = name === 'retainRevisions' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`embedded store: ${name} = ${String(value)}, must be an integer >= ${min}`);
    }
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
