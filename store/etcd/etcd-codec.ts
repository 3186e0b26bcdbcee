/**
 * Store requests ↔ the etcd3 client's raw RPC messages (int64 as decimal strings, enums as etcd's
 * numbers, so the PascalCase names in etcd3's bundled protos never matter). Pure, no I/O.
 */
import type {
  ICompare,
  IDeleteRangeResponse,
  IKeyValue,
  IPutResponse,
  IRangeRequest,
  IRangeResponse,
  IRequestOp,
  IResponseOp,
} from 'etcd3';
import { NO_LEASE, toBuffer } from '../store.js';
import type {
  Compare,
  DeleteResult,
  KeyValue,
  PutResult,
  RangeRequest,
  RangeResult,
  TxnOp,
  TxnOpResult,
} from '../store.js';

/** etcd's enum numbers, from api/etcdserverpb/rpc.proto. */
const SORT_ORDER = { none: 0, ascend: 1, descend: 2 } as const;
const SORT_TARGET = { key: 0, version: 1, create: 2, mod: 3, value: 4 } as const;
const COMPARE_RESULT = { equal: 0, greater: 1, less: 2, not_equal: 3 } as const;
const COMPARE_TARGET = { version: 0, create: 1, mod: 2, value: 3, lease: 4 } as const;

/** An etcd KeyValue as a Store KeyValue. */
export function decodeKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: kv.lease || NO_LEASE,
  };
}

/** A Store RangeRequest as etcd's RangeRequest. */
export function encodeRange(r: RangeRequest): IRangeRequest {
  return {
    key: toBuffer(r.key),
    ...(r.rangeEnd !== undefined ? { range_end: toBuffer(r.rangeEnd) } : {}),
    limit: r.limit ?? 0,
    revision: r.revision ?? 0,
    sort_order: SORT_ORDER[r.sortOrder ?? 'none'],
    sort_target: SORT_TARGET[r.sortTarget ?? 'key'],
    keys_only: r.keysOnly ?? false,
    count_only: r.countOnly ?? false,
  };
}

/** etcd's RangeResponse as a Store RangeResult. */
export function decodeRange(res: IRangeResponse): RangeResult {
  return {
    kvs: res.kvs.map(decodeKeyValue),
    count: Number(res.count),
    more: res.more,
    revision: Number(res.header.revision),
  };
}

/** etcd's PutResponse as a Store PutResult. */
export function decodePut(res: IPutResponse): PutResult {
  const result: PutResult = { revision: Number(res.header.revision) };
  if (res.prev_kv) result.prevKv = decodeKeyValue(res.prev_kv);
  return result;
}

/** etcd's DeleteRangeResponse as a Store DeleteResult. */
export function decodeDelete(res: IDeleteRangeResponse): DeleteResult {
  return {
    revision: Number(res.header.revision),
    deleted: Number(res.deleted),
    prevKvs: (res.prev_kvs ?? []).map(decodeKeyValue),
  };
}

/** A Store Compare as etcd's Compare. */
export function encodeCompare(c: Compare): ICompare {
  const base: ICompare = {
    key: toBuffer(c.key),
    ...(c.rangeEnd !== undefined ? { range_end: toBuffer(c.rangeEnd) } : {}),
    result: COMPARE_RESULT[c.result],
    target: COMPARE_TARGET[c.target],
  };
  switch (c.target) {
    case 'value':
      return { ...base, value: toBuffer(c.value) };
    case 'version':
      return { ...base, version: c.value };
    case 'create':
      return { ...base, create_revision: c.value };
    case 'mod':
      return { ...base, mod_revision: c.value };
    case 'lease':
      return { ...base, lease: c.value };
  }
}

/** A Store TxnOp as etcd's RequestOp. */
export function encodeOp(op: TxnOp): IRequestOp {
  switch (op.op) {
    case 'range':
      return { request_range: encodeRange(op) };
    case 'put':
      return {
        request_put: {
          key: toBuffer(op.key),
          value: toBuffer(op.value),
          lease: op.lease ?? NO_LEASE,
          prev_kv: op.prevKv ?? false,
        },
      };
    case 'delete':
      return {
        request_delete_range: {
          key: toBuffer(op.key),
          ...(op.rangeEnd !== undefined ? { range_end: toBuffer(op.rangeEnd) } : {}),
          prev_kv: op.prevKv ?? false,
        },
      };
  }
}

/** etcd's ResponseOp (exactly one field set) as a Store TxnOpResult. */
export function decodeOpResult(res: IResponseOp): TxnOpResult {
  if (res.response_range) return { op: 'range', ...decodeRange(res.response_range) };
  if (res.response_put) return { op: 'put', ...decodePut(res.response_put) };
  if (res.response_delete_range) return { op: 'delete', ...decodeDelete(res.response_delete_range) };
  throw new Error('etcd returned a txn response op of a kind Vortex does not send (nested txn)');
}
