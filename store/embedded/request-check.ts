/**
 * Input checks done before a request touches any state, as etcd's gRPC layer does them: empty keys,
 * sizes, too many txn ops, and duplicate keys (a txn branch may not put one key twice, nor put a key
 * that a delete in the same branch covers). Sizes count key, value and range-end bytes, an
 * approximation of etcd's encoded request size.
 */
import { DuplicateKeyError, EmptyKeyError, InvalidArgumentError, TooLargeError } from '../errors.js';
import type { Bytes, Compare, KeySelector, LeaseId, TxnOp, TxnRequest } from '../store.js';
import { inBounds, keyBounds, keyName, type KeyBounds } from './mvcc/keys.js';

/** The limits checked here. */
export interface RequestLimits {
  maxRequestBytes: number;
  maxKeyBytes: number;
  maxTxnOps: number;
}

const INT64_MAX = (1n << 63n) - 1n;

/** Throws unless `id` is a decimal int64 >= 0. */
export function checkLeaseId(id: LeaseId): void {
  if (typeof id !== 'string' || !/^(0|[1-9][0-9]{0,18})$/.test(id) || BigInt(id) > INT64_MAX) {
    throw new InvalidArgumentError(`lease ID must be a decimal int64, got ${JSON.stringify(id)}`);
  }
}

/** Checks a single put. */
export function checkPut(key: Bytes, value: Bytes, limits: RequestLimits): void {
  checkKey(key, limits);
  checkSize(byteLength(key) + byteLength(value), limits);
}

/** Checks a range or delete selector. */
export function checkSelector(selector: KeySelector, limits: RequestLimits): void {
  checkKey(selector.key, limits);
  checkSize(byteLength(selector.key) + (selector.rangeEnd ? byteLength(selector.rangeEnd) : 0), limits);
}

/** Checks a whole txn request. */
export function checkTxn(request: TxnRequest, limits: RequestLimits): void {
  const compares = request.compare ?? [];
  const success = request.success ?? [];
  const failure = request.failure ?? [];
  if (Math.max(compares.length, success.length, failure.length) > limits.maxTxnOps) {
    throw new InvalidArgumentError(`too many operations in txn request (the limit is ${limits.maxTxnOps})`);
  }
  let size = 0;
  for (const compare of compares) {
    checkKey(compare.key, limits);
    size += byteLength(compare.key) + (compare.rangeEnd ? byteLength(compare.rangeEnd) : 0) + compareValueBytes(compare);
  }
  for (const op of [...success, ...failure]) {
    checkKey(op.key, limits);
    size += byteLength(op.key) + (op.op === 'put' ? byteLength(op.value) : op.rangeEnd ? byteLength(op.rangeEnd) : 0);
    if (op.op === 'put' && op.lease !== undefined) checkLeaseId(op.lease);
  }
  checkSize(size, limits);
  checkIntervals(success);
  checkIntervals(failure);
}

/** etcd's checkIntervals: duplicate puts, or a put inside a delete range, in one branch. */
function checkIntervals(ops: TxnOp[]): void {
  const deletes: KeyBounds[] = [];
  for (const op of ops) if (op.op === 'delete') deletes.push(keyBounds(op));
  const puts = new Set<string>();
  for (const op of ops) {
    if (op.op !== 'put') continue;
    const name = keyName(op.key);
    if (puts.has(name) || deletes.some((bounds) => inBounds(name, bounds))) throw new DuplicateKeyError();
    puts.add(name);
  }
}

function checkKey(key: Bytes, limits: RequestLimits): void {
  const length = byteLength(key);
  if (length === 0) throw new EmptyKeyError();
  if (length > limits.maxKeyBytes) throw new TooLargeError('key', length, limits.maxKeyBytes);
}

function checkSize(size: number, limits: RequestLimits): void {
  if (size > limits.maxRequestBytes) throw new TooLargeError('request', size, limits.maxRequestBytes);
}

function compareValueBytes(compare: Compare): number {
  return compare.target === 'value' ? byteLength(compare.value) : 0;
}

function byteLength(bytes: Bytes): number {
  return typeof bytes === 'string' ? Buffer.byteLength(bytes, 'utf8') : bytes.length;
}
