/**
 * Store errors: one class per failure, each with a stable `code`. Anything that crosses a process or
 * wire boundary is matched on `code`, never on the message. `store/grpc/status.ts` maps these to the
 * gRPC status codes and messages etcd uses, and back.
 */

export type StoreErrorCode =
  | 'VX_STORE_COMPACTED'
  | 'VX_STORE_FUTURE_REVISION'
  | 'VX_STORE_LEASE_NOT_FOUND'
  | 'VX_STORE_LEASE_EXISTS'
  | 'VX_STORE_TOO_LARGE'
  | 'VX_STORE_EMPTY_KEY'
  | 'VX_STORE_DUPLICATE_KEY'
  | 'VX_STORE_INVALID_ARGUMENT'
  | 'VX_STORE_CLOSED'
  | 'VX_STORE_CORRUPT'
  | 'VX_STORE_LOCKED'
  | 'VX_STORE_UNAVAILABLE';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The revision asked for was compacted away; history starts at `compactRevision`. */
export class CompactedError extends StoreError {
  constructor(readonly compactRevision: number) {
    super('VX_STORE_COMPACTED', `store: required revision has been compacted (history starts after ${compactRevision})`);
  }
}

export class FutureRevisionError extends StoreError {
  constructor(readonly requested: number, readonly current: number) {
    super('VX_STORE_FUTURE_REVISION', `store: required revision ${requested} is a future revision (current ${current})`);
  }
}

export class LeaseNotFoundError extends StoreError {
  constructor(readonly leaseId: string) {
    super('VX_STORE_LEASE_NOT_FOUND', `store: requested lease not found (${leaseId})`);
  }
}

/** The lease is gone (expired or revoked), from any Store implementation. */
export function isLeaseNotFound(err: unknown): boolean {
  return err instanceof StoreError && err.code === 'VX_STORE_LEASE_NOT_FOUND';
}

export class LeaseExistsError extends StoreError {
  constructor(readonly leaseId: string) {
    super('VX_STORE_LEASE_EXISTS', `store: lease already exists (${leaseId})`);
  }
}

/** A key, value or request over the store's size limit: refused, never truncated. */
export class TooLargeError extends StoreError {
  constructor(what: string, size: number, limit: number) {
    super('VX_STORE_TOO_LARGE', `store: request is too large: ${what} is ${size} bytes, the limit is ${limit}`);
  }
}

export class EmptyKeyError extends StoreError {
  constructor() {
    super('VX_STORE_EMPTY_KEY', 'store: key is not provided');
  }
}

export class DuplicateKeyError extends StoreError {
  constructor() {
    super('VX_STORE_DUPLICATE_KEY', 'store: duplicate key given in txn request');
  }
}

export class InvalidArgumentError extends StoreError {
  constructor(message: string) {
    super('VX_STORE_INVALID_ARGUMENT', `store: ${message}`);
  }
}

export class StoreClosedError extends StoreError {
  constructor() {
    super('VX_STORE_CLOSED', 'store: the store is closed');
  }
}

/** The data directory holds damage that is not a torn tail: refuse to start rather than lose data. */
export class CorruptDataError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VX_STORE_CORRUPT', `store: ${message}`, options);
  }
}

/** Another process holds the data directory's lock. */
export class DataDirLockedError extends StoreError {
  constructor(readonly dataDir: string, readonly holder?: string) {
    super(
      'VX_STORE_LOCKED',
      `store: data directory ${dataDir} is in use by another process${holder ? ` (${holder})` : ''}; stop it or choose another store.data_dir`,
    );
  }
}

/** The remote store cannot be reached (network, etcd down); callers may retry. */
export class StoreUnavailableError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('VX_STORE_UNAVAILABLE', `store: ${message}`, options);
  }
}
