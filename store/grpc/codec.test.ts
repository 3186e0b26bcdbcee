import { describe, expect, it } from 'vitest';
import { EmptyKeyError, InvalidArgumentError, TooLargeError } from '../errors.js';
import type { KeyValue } from '../store.js';
import { MAX_TXN_OPS, checkRequestSize, decodeRange, decodeTxn, encodeKeyValue, filterRange, header, int64 } from './codec.js';
import { etcdProto } from './proto.js';
import { MAX_REQUEST_BYTES } from './status.js';
import type { RangeRequest__Output } from '../../proto/gen/etcdserverpb/RangeRequest.js';
import type { RequestOp__Output } from '../../proto/gen/etcdserverpb/RequestOp.js';

/** A RangeRequest as proto-loader hands it to a handler (defaults filled in). */
function rangeRequest(overrides: Partial<RangeRequest__Output> = {}): RangeRequest__Output {
  return {
    key: Buffer.from('k'),
    range_end: Buffer.alloc(0),
    limit: '0',
    revision: '0',
    sort_order: 'NONE',
    sort_target: 'KEY',
    serializable: false,
    keys_only: false,
    count_only: false,
    min_mod_revision: '0',
    max_mod_revision: '0',
    min_create_revision: '0',
    max_create_revision: '0',
    ...overrides,
  };
}

const kv = (key: string, createRevision: number, modRevision: number): KeyValue => ({
  key: Buffer.from(key),
  value: Buffer.from('v'),
  createRevision,
  modRevision,
  version: 1,
  lease: '0',
});

describe('decodeRange', () => {
  it('maps etcd names and numbers to the Store request; an empty range_end means one key', () => {
    const { request, filters } = decodeRange(
      rangeRequest({ limit: '3', revision: '9', sort_order: 'DESCEND', sort_target: 'CREATE', keys_only: true }),
    );
    expect(request).toEqual({
      key: Buffer.from('k'),
      limit: 3,
      revision: 9,
      sortOrder: 'descend',
      sortTarget: 'create',
      keysOnly: true,
      countOnly: false,
    });
    expect(filters).toBeUndefined();
    expect(decodeRange(rangeRequest({ range_end: Buffer.from([0]) })).request.rangeEnd).toEqual(Buffer.from([0]));
  });

  it('refuses an empty key, unknown sort options and int64s beyond 2^53', () => {
    expect(() => decodeRange(rangeRequest({ key: Buffer.alloc(0) }))).toThrow(EmptyKeyError);
    expect(() => decodeRange(rangeRequest({ sort_order: 7 as unknown as 'NONE' }))).toThrow('invalid sort option');
    expect(() => int64('9007199254740993', 'revision')).toThrow(InvalidArgumentError);
    expect(int64('9007199254740991', 'revision')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('returns revision filters, which filterRange applies before the limit and after the count', () => {
    const { filters } = decodeRange(rangeRequest({ min_mod_revision: '3', max_create_revision: '5' }));
    expect(filters).toEqual({ minMod: 3, maxMod: 0, minCreate: 0, maxCreate: 5 });
    const result = { kvs: [kv('a', 1, 2), kv('b', 2, 3), kv('c', 4, 6), kv('d', 6, 7)], count: 4, more: false, revision: 7 };
    const filtered = filterRange(result, filters!, 1);
    expect(filtered.kvs.map((k) => k.key.toString())).toEqual(['b']);
    expect(filtered).toMatchObject({ count: 4, more: true, revision: 7 });
  });
});

describe('decodeTxn', () => {
  const put = (key: string): RequestOp__Output => ({
    request_put: { key: Buffer.from(key), value: Buffer.from('v'), lease: '0', prev_kv: false, ignore_value: false, ignore_lease: false },
    request: 'request_put',
  });

  it('refuses more than etcd\'s 128 ops per branch', () => {
    const ops = Array.from({ length: MAX_TXN_OPS + 1 }, (_, i) => put(`k${i}`));
    expect(() => decodeTxn({ compare: [], success: ops, failure: [] })).toThrow('too many operations in txn request');
    expect(decodeTxn({ compare: [], success: ops.slice(1), failure: [] }).success).toHaveLength(MAX_TXN_OPS);
  });

  it('refuses nested txns and ops with no request', () => {
    expect(() => decodeTxn({ compare: [], success: [{ request: 'request_txn', request_txn: { compare: [], success: [], failure: [] } }], failure: [] })).toThrow(
      'nested txn',
    );
    expect(() => decodeTxn({ compare: [], success: [{}], failure: [] })).toThrow('empty');
  });
});

describe('checkRequestSize and encodeKeyValue', () => {
  it('refuses requests over 1.5 MiB counting keys and values', () => {
    expect(() => checkRequestSize([Buffer.alloc(10), Buffer.alloc(MAX_REQUEST_BYTES - 100)])).not.toThrow();
    expect(() => checkRequestSize([Buffer.alloc(10), Buffer.alloc(MAX_REQUEST_BYTES)])).toThrow(TooLargeError);
  });

  it('hands revisions and versions to the encoder as numbers, lease ids as given', () => {
    expect(encodeKeyValue({ ...kv('a', 2, 3), lease: '7587' })).toEqual({
      key: Buffer.from('a'),
      value: Buffer.from('v'),
      create_revision: 2,
      mod_revision: 3,
      version: 1,
      lease: '7587',
    });
  });

  it('encodes headers and key-values that decode to the same decimal int64s', () => {
    const identity = { clusterId: '9223372036854775807', memberId: '1234567890123456789', raftTerm: '1' };
    const range = etcdProto().etcdserverpb.KV.service.Range;
    const wire = range.responseSerialize({ header: header(identity, 42), kvs: [encodeKeyValue({ ...kv('a', 2, 3), lease: '7587' })] });
    const decoded = range.responseDeserialize(wire);
    expect(decoded.header).toEqual({ cluster_id: identity.clusterId, member_id: identity.memberId, revision: '42', raft_term: '1' });
    expect(decoded.kvs[0]).toMatchObject({ create_revision: '2', mod_revision: '3', version: '1', lease: '7587' });
  });
});
