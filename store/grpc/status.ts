/**
 * StoreError ↔ gRPC status: the one table at the wire edge (etcd's api/v3rpc/rpctypes/error.go).
 * Messages are etcd's exact texts, because clients (etcd3's lib/errors.js, etcdctl) match on them.
 */
import { status as Status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';
import {
  DuplicateKeyError,
  EmptyKeyError,
  InvalidArgumentError,
  LeaseExistsError,
  LeaseNotFoundError,
  StoreError,
  StoreUnavailableError,
  TooLargeError,
} from '../errors.js';
import type { StoreErrorCode } from '../errors.js';

/** etcd's default --max-request-bytes: 1.5 MiB. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;

/** etcd lets gRPC frames exceed the request limit by this much, so the limit answers with etcd's own error. */
export const GRPC_OVERHEAD_BYTES = 512 * 1024;

interface WireError {
  code: Status;
  message: string;
}

/** The gRPC status and etcd message for each StoreError code. */
export const STORE_ERROR_TO_GRPC: Readonly<Record<StoreErrorCode, WireError | 'own-message'>> = {
  VX_STORE_COMPACTED: { code: Status.OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision has been compacted' },
  VX_STORE_FUTURE_REVISION: { code: Status.OUT_OF_RANGE, message: 'etcdserver: mvcc: required revision is a future revision' },
  VX_STORE_LEASE_NOT_FOUND: { code: Status.NOT_FOUND, message: 'etcdserver: requested lease not found' },
  VX_STORE_LEASE_EXISTS: { code: Status.FAILED_PRECONDITION, message: 'etcdserver: lease already exists' },
  VX_STORE_TOO_LARGE: { code: Status.INVALID_ARGUMENT, message: 'etcdserver: request is too large' },
  VX_STORE_EMPTY_KEY: { code: Status.INVALID_ARGUMENT, message: 'etcdserver: key is not provided' },
  VX_STORE_DUPLICATE_KEY: { code: Status.INVALID_ARGUMENT, message: 'etcdserver: duplicate key given in txn request' },
  // The store's own text after "etcdserver: " (e.g. "too many operations in txn request").
  VX_STORE_INVALID_ARGUMENT: 'own-message',
  VX_STORE_CLOSED: { code: Status.UNAVAILABLE, message: 'etcdserver: server stopped' },
  VX_STORE_CORRUPT: { code: Status.DATA_LOSS, message: 'etcdserver: corrupt cluster' },
  VX_STORE_LOCKED: { code: Status.UNAVAILABLE, message: 'etcdserver: server stopped' },
  VX_STORE_UNAVAILABLE: { code: Status.UNAVAILABLE, message: 'etcdserver: request timed out' },
};

/** The status a gRPC handler answers for `err`; anything that is not a StoreError is UNKNOWN, as in etcd. */
export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  if (err instanceof StoreError) {
    const wire = STORE_ERROR_TO_GRPC[err.code];
    if (wire === 'own-message') {
      return { code: Status.INVALID_ARGUMENT, details: `etcdserver: ${err.message.replace(/^store: /, '')}` };
    }
    return { code: wire.code, details: wire.message };
  }
  return { code: Status.UNKNOWN, details: err instanceof Error ? err.message : String(err) };
}

/** What the caller knew when the request failed; some errors need it to be rebuilt exactly. */
export interface ErrorContext {
  leaseId?: string;
  requestBytes?: number;
}

/** Builds the StoreError for an etcd error message; `undefined` when the message is not one of etcd's. */
export function storeErrorFromMessage(message: string, context: ErrorContext = {}): StoreError | undefined {
  // Compacted and future-revision errors need revisions the message lacks: EtcdStore rebuilds them.
  if (message.includes(wireMessage('VX_STORE_LEASE_NOT_FOUND'))) return new LeaseNotFoundError(context.leaseId ?? '0');
  if (message.includes(wireMessage('VX_STORE_LEASE_EXISTS'))) return new LeaseExistsError(context.leaseId ?? '0');
  if (message.includes(wireMessage('VX_STORE_TOO_LARGE')) || message.includes('larger than max')) {
    return new TooLargeError('request', context.requestBytes ?? 0, MAX_REQUEST_BYTES);
  }
  if (message.includes(wireMessage('VX_STORE_EMPTY_KEY'))) return new EmptyKeyError();
  if (message.includes(wireMessage('VX_STORE_DUPLICATE_KEY'))) return new DuplicateKeyError();
  const invalid = /etcdserver: (too many operations in txn request|invalid sort option|key not found|value is provided|lease is provided)/.exec(message);
  if (invalid) return new InvalidArgumentError(invalid[1]!);
  if (/etcdserver: (server stopped|request timed out|no leader|leader changed|unhealthy cluster)/.test(message)) {
    return new StoreUnavailableError(message);
  }
  return undefined;
}

/** etcd's message for a StoreError code. */
export function wireMessage(code: Exclude<StoreErrorCode, 'VX_STORE_INVALID_ARGUMENT'>): string {
  const wire = STORE_ERROR_TO_GRPC[code];
  return wire === 'own-message' ? '' : wire.message;
}
