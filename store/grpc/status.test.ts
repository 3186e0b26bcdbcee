import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidArgumentError,
  LeaseExistsError,
  LeaseNotFoundError,
  StoreClosedError,
  StoreUnavailableError,
  TooLargeError,
} from '../errors.js';
import { MAX_REQUEST_BYTES, storeErrorFromMessage, toGrpcStatus } from './status.js';

describe('toGrpcStatus', () => {
  it.each([
    [new CompactedError(5), Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'],
    [new FutureRevisionError(9, 3), Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'],
    [new LeaseNotFoundError('7'), Status.NOT_FOUND, 'etcdserver: requested lease not found'],
    [new LeaseExistsError('7'), Status.FAILED_PRECONDITION, 'etcdserver: lease already exists'],
    [new TooLargeError('value', 2, 1), Status.INVALID_ARGUMENT, 'etcdserver: request is too large'],
    [new EmptyKeyError(), Status.INVALID_ARGUMENT, 'etcdserver: key is not provided'],
    [new DuplicateKeyError(), Status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
    [new InvalidArgumentError('too many operations in txn request'), Status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'],
    [new StoreClosedError(), Status.UNAVAILABLE, 'etcdserver: server stopped'],
  ])('%s → etcd status', (err, code, details) => {
    expect(toGrpcStatus(err)).toEqual({ code, details });
  });

  it('answers anything else with UNKNOWN and its message, as etcd does', () => {
    expect(toGrpcStatus(new Error('boom'))).toEqual({ code: Status.UNKNOWN, details: 'boom' });
  });
});

describe('storeErrorFromMessage', () => {
  it('rebuilds each StoreError from the message a client sees, with the caller\'s context', () => {
    const grpcText = (details: string): string => `3 INVALID_ARGUMENT: ${details}`;
    const lease = storeErrorFromMessage('5 NOT_FOUND: etcdserver: requested lease not found', { leaseId: '42' });
    expect(lease).toBeInstanceOf(LeaseNotFoundError);
    expect((lease as LeaseNotFoundError).leaseId).toBe('42');
    expect(storeErrorFromMessage('etcdserver: lease already exists', { leaseId: '9' })).toBeInstanceOf(LeaseExistsError);
    const large = storeErrorFromMessage(grpcText('etcdserver: request is too large'), { requestBytes: 2_000_000 });
    expect(large).toBeInstanceOf(TooLargeError);
    expect(large?.message).toContain(`${MAX_REQUEST_BYTES}`);
    expect(storeErrorFromMessage('8 RESOURCE_EXHAUSTED: Received message larger than max (3 vs. 2)')).toBeInstanceOf(TooLargeError);
    expect(storeErrorFromMessage(grpcText('etcdserver: key is not provided'))).toBeInstanceOf(EmptyKeyError);
    expect(storeErrorFromMessage(grpcText('etcdserver: duplicate key given in txn request'))).toBeInstanceOf(DuplicateKeyError);
    const ops = storeErrorFromMessage(grpcText('etcdserver: too many operations in txn request'));
    expect(ops).toBeInstanceOf(InvalidArgumentError);
    expect(ops?.message).toBe('store: too many operations in txn request');
    expect(storeErrorFromMessage('14 UNAVAILABLE: etcdserver: server stopped')).toBeInstanceOf(StoreUnavailableError);
    expect(storeErrorFromMessage('something else entirely')).toBeUndefined();
  });

  it('round-trips every mapped error through its wire message', () => {
    for (const err of [new LeaseNotFoundError('1'), new EmptyKeyError(), new DuplicateKeyError(), new TooLargeError('x', 2, 1)]) {
      const details = toGrpcStatus(err).details ?? '';
      expect(storeErrorFromMessage(details, { leaseId: '1' })?.code).toBe(err.code);
    }
  });
});
