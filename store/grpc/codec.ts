/**
 * etcd v3 wire messages ↔ Store requests and results: pure conversions, no I/O. Requests are
 * checked the way etcd's v3rpc layer checks them (empty key, sort options, txn op count, request
 * size), so every Store behind the server answers bad input with etcd's errors.
 */
import { Long } from '@grpc/proto-loader';
import {
  EmptyKeyError,
  InvalidArgumentError,
  TooLargeError,
} from '../errors.js';
import type {
  Compare,
  CompareResult,
  DeleteResult,
  KeyValue,
  PutResult,
  RangeRequest,
  RangeResult,
  SortOrder,
  SortTarget,
  TxnOp,
  TxnOpResult,
  TxnRequest,
  TxnResult,
} from '../store.js';
import { MAX_REQUEST_BYTES } from './status.js';
import type { Compare__Output } from '../../proto/gen/etcdserverpb/Compare.js';
import type { DeleteRangeRequest__Output } from '../../proto/gen/etcdserverpb/DeleteRangeRequest.js';
import type { DeleteRangeResponse } from '../../proto/gen/etcdserverpb/DeleteRangeResponse.js';
import type { PutRequest__Output } from '../../proto/gen/etcdserverpb/PutRequest.js';
import type { PutResponse } from '../../proto/gen/etcdserverpb/PutResponse.js';
import type { RangeRequest__Output } from '../../proto/gen/etcdserverpb/RangeRequest.js';
import type { RangeResponse } from '../../proto/gen/etcdserverpb/RangeResponse.js';
import type { RequestOp__Output } from '../../proto/gen/etcdserverpb/RequestOp.js';
import type { ResponseHeader } from '../../proto/gen/etcdserverpb/ResponseHeader.js';
import type { ResponseOp } from '../../proto/gen/etcdserverpb/ResponseOp.js';
import type { TxnRequest__Output } from '../../proto/gen/etcdserverpb/TxnRequest.js';
import type { TxnResponse } from '../../proto/gen/etcdserverpb/TxnResponse.js';
import type { KeyValue as WireKeyValue } from '../../proto/gen/mvccpb/KeyValue.js';

/** etcd's --max-txn-ops default: more compares or ops in one branch is refused. */
export const MAX_TXN_OPS = 128;

/** Bytes a request costs on top of its keys and values, for the size limit (field tags, lengths). */
const PER_FIELD_OVERHEAD = 16;

/** The cluster identity every response header carries. */
export interface ServerIdentity {
  clusterId: string;
  memberId: string;
  raftTerm: string;
}

/**
 * Outgoing int64 fields are handed to protobufjs as numbers (revisions and versions are safe
 * integers) or as prepared Longs: a decimal string would be parsed with Long.fromString on every
 * response, several times per response, for ids that never change.
 */
interface WireIdentity {
  clusterId: Long;
  memberId: Long;
  raftTerm: Long;
}

const wireIdentities = new WeakMap<ServerIdentity, WireIdentity>();

function wireIdentity(identity: ServerIdentity): WireIdentity {
  let wire = wireIdentities.get(identity);
  if (!wire) {
    wire = {
      clusterId: Long.fromString(identity.clusterId, true),
      memberId: Long.fromString(identity.memberId, true),
      raftTerm: Long.fromString(identity.raftTerm, true),
    };
    wireIdentities.set(identity, wire);
  }
  return wire;
}

/** etcd's ResponseHeader for a response served at `revision`. */
export function header(identity: ServerIdentity, revision: number): ResponseHeader {
  const wire = wireIdentity(identity);
  return { cluster_id: wire.clusterId, member_id: wire.memberId, revision, raft_term: wire.raftTerm };
}

/** A Store KeyValue as mvccpb.KeyValue. */
export function encodeKeyValue(kv: KeyValue): WireKeyValue {
  return {
    key: kv.key,
    value: kv.value,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

/** Parses an int64 that arrived as a decimal string; values beyond 2^53 are refused, not rounded. */
export function int64(value: string | undefined, field: string): number {
  const n = Number(value ?? '0');
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${field} ${value} is out of range`);
  return n;
}

const SORT_ORDERS: Readonly<Record<string, SortOrder>> = { NONE: 'none', ASCEND: 'ascend', DESCEND: 'descend' };
const SORT_TARGETS: Readonly<Record<string, SortTarget>> = {
  KEY: 'key',
  VERSION: 'version',
  CREATE: 'create',
  MOD: 'mod',
  VALUE: 'value',
};

function requireKey(key: Buffer): Buffer {
  if (key.length === 0) throw new EmptyKeyError();
  return key;
}

/** Revision filters etcd applies after the read (min/max mod and create revision). */
export interface RangeFilters {
  minMod: number;
  maxMod: number;
  minCreate: number;
  maxCreate: number;
}

/** A wire RangeRequest as a Store RangeRequest, plus the revision filters the server applies itself. */
export function decodeRange(req: RangeRequest__Output): { request: RangeRequest; filters?: RangeFilters } {
  const sortOrder = SORT_ORDERS[req.sort_order];
  const sortTarget = SORT_TARGETS[req.sort_target];
  if (!sortOrder || !sortTarget) throw new InvalidArgumentError('invalid sort option');
  const request: RangeRequest = {
    key: requireKey(req.key),
    limit: Math.max(0, int64(req.limit, 'limit')),
    revision: Math.max(0, int64(req.revision, 'revision')),
    sortOrder,
    sortTarget,
    keysOnly: req.keys_only,
    countOnly: req.count_only,
  };
  if (req.range_end.length > 0) request.rangeEnd = req.range_end;
  const filters: RangeFilters = {
    minMod: int64(req.min_mod_revision, 'min_mod_revision'),
    maxMod: int64(req.max_mod_revision, 'max_mod_revision'),
    minCreate: int64(req.min_create_revision, 'min_create_revision'),
    maxCreate: int64(req.max_create_revision, 'max_create_revision'),
  };
  const filtered = filters.minMod || filters.maxMod || filters.minCreate || filters.maxCreate;
  return filtered && !req.count_only ? { request, filters } : { request };
}

/**
 * Applies etcd's revision filters to a result read without a limit, then the limit. `count` stays
 * the number of keys in the range before filtering, as etcd reports it.
 */
export function filterRange(result: RangeResult, filters: RangeFilters, limit: number): RangeResult {
  const kept = result.kvs.filter(
    (kv) =>
      (!filters.minMod || kv.modRevision >= filters.minMod) &&
      (!filters.maxMod || kv.modRevision <= filters.maxMod) &&
      (!filters.minCreate || kv.createRevision >= filters.minCreate) &&
      (!filters.maxCreate || kv.createRevision <= filters.maxCreate),
  );
  const more = limit > 0 && kept.length > limit;
  return { ...result, kvs: more ? kept.slice(0, limit) : kept, more };
}

/** A Store RangeResult as etcd's RangeResponse. */
export function encodeRange(identity: ServerIdentity, result: RangeResult): RangeResponse {
  return {
    header: header(identity, result.revision),
    kvs: result.kvs.map(encodeKeyValue),
    more: result.more,
    count: result.count,
  };
}

/** A wire PutRequest as the Store's put arguments. */
export function decodePut(req: PutRequest__Output): { key: Buffer; value: Buffer; lease: string; prevKv: boolean } {
  if (req.ignore_value || req.ignore_lease) {
    throw new InvalidArgumentError('ignore_value and ignore_lease are not supported by this server');
  }
  return { key: requireKey(req.key), value: req.value, lease: req.lease, prevKv: req.prev_kv };
}

/** A Store PutResult as etcd's PutResponse. */
export function encodePut(identity: ServerIdentity, result: PutResult): PutResponse {
  return { header: header(identity, result.revision), prev_kv: result.prevKv ? encodeKeyValue(result.prevKv) : null };
}

/** A wire DeleteRangeRequest as the Store's delete arguments. */
export function decodeDelete(req: DeleteRangeRequest__Output): { key: Buffer; rangeEnd?: Buffer; prevKv: boolean } {
  const key = requireKey(req.key);
  return req.range_end.length > 0 ? { key, rangeEnd: req.range_end, prevKv: req.prev_kv } : { key, prevKv: req.prev_kv };
}

/** A Store DeleteResult as etcd's DeleteRangeResponse. */
export function encodeDelete(identity: ServerIdentity, result: DeleteResult): DeleteRangeResponse {
  return {
    header: header(identity, result.revision),
    deleted: result.deleted,
    prev_kvs: result.prevKvs.map(encodeKeyValue),
  };
}

const COMPARE_RESULTS: Readonly<Record<string, CompareResult>> = {
  EQUAL: 'equal',
  NOT_EQUAL: 'not_equal',
  GREATER: 'greater',
  LESS: 'less',
};

function decodeCompare(c: Compare__Output): Compare {
  const result = COMPARE_RESULTS[c.result];
  if (!result) throw new InvalidArgumentError(`invalid compare result ${c.result}`);
  const selector = c.range_end.length > 0 ? { key: c.key, rangeEnd: c.range_end } : { key: c.key };
  switch (c.target) {
    case 'VALUE':
      return { ...selector, result, target: 'value', value: c.value ?? Buffer.alloc(0) };
    case 'VERSION':
      return { ...selector, result, target: 'version', value: int64(c.version, 'version') };
    case 'CREATE':
      return { ...selector, result, target: 'create', value: int64(c.create_revision, 'create_revision') };
    case 'MOD':
      return { ...selector, result, target: 'mod', value: int64(c.mod_revision, 'mod_revision') };
    case 'LEASE':
      return { ...selector, result, target: 'lease', value: c.lease ?? '0' };
    default:
      throw new InvalidArgumentError(`invalid compare target ${String(c.target)}`);
  }
}

function decodeOp(op: RequestOp__Output): TxnOp {
  if (op.request_range) {
    const { request, filters } = decodeRange(op.request_range);
    if (filters) throw new InvalidArgumentError('revision filters are not supported inside a txn');
    return { op: 'range', ...request };
  }
  if (op.request_put) {
    const put = decodePut(op.request_put);
    return { op: 'put', key: put.key, value: put.value, lease: put.lease, prevKv: put.prevKv };
  }
  if (op.request_delete_range) return { op: 'delete', ...decodeDelete(op.request_delete_range) };
  if (op.request_txn) throw new InvalidArgumentError('nested txn requests are not supported by this server');
  throw new InvalidArgumentError('txn request op is empty');
}

/** A wire TxnRequest as a Store TxnRequest, with etcd's op-count limit. */
export function decodeTxn(req: TxnRequest__Output): TxnRequest {
  if (req.compare.length > MAX_TXN_OPS || req.success.length > MAX_TXN_OPS || req.failure.length > MAX_TXN_OPS) {
    throw new InvalidArgumentError('too many operations in txn request');
  }
  return { compare: req.compare.map(decodeCompare), success: req.success.map(decodeOp), failure: req.failure.map(decodeOp) };
}

function encodeOpResult(identity: ServerIdentity, r: TxnOpResult): ResponseOp {
  switch (r.op) {
    case 'range':
      return { response_range: encodeRange(identity, r) };
    case 'put':
      return { response_put: encodePut(identity, r) };
    case 'delete':
      return { response_delete_range: encodeDelete(identity, r) };
  }
}

/** A Store TxnResult as etcd's TxnResponse. */
export function encodeTxn(identity: ServerIdentity, result: TxnResult): TxnResponse {
  return {
    header: header(identity, result.revision),
    succeeded: result.succeeded,
    responses: result.responses.map((r) => encodeOpResult(identity, r)),
  };
}

/**
 * Refuses a request whose keys and values exceed etcd's request limit (1.5 MiB), the way etcd refuses
 * a proposal larger than --max-request-bytes. Counts keys, values and a small per-field overhead.
 */
export function checkRequestSize(parts: readonly (Buffer | undefined)[]): void {
  let size = 0;
  for (const part of parts) size += (part?.length ?? 0) + PER_FIELD_OVERHEAD;
  if (size > MAX_REQUEST_BYTES) throw new TooLargeError('request', size, MAX_REQUEST_BYTES);
}

/** The keys and values of a txn, for {@link checkRequestSize}. */
export function txnParts(req: TxnRequest__Output): Buffer[] {
  const parts: Buffer[] = [];
  for (const c of req.compare) parts.push(c.key, c.range_end, c.value ?? Buffer.alloc(0));
  for (const op of [...req.success, ...req.failure]) {
    if (op.request_put) parts.push(op.request_put.key, op.request_put.value);
    if (op.request_range) parts.push(op.request_range.key, op.request_range.range_end);
    if (op.request_delete_range) parts.push(op.request_delete_range.key, op.request_delete_range.range_end);
  }
  return parts;
}
