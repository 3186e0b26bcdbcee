/**
 * Txn compares, as etcd evaluates them (applyCompare): every key in the range must satisfy the
 * compare; a missing key counts as version/createRevision/modRevision 0 and lease 0, except that a
 * `value` compare on a missing key is always false (gRPC cannot tell an empty value from none).
 */
import { toBuffer, type Compare, type CompareResult, type KeyValue } from '../../store.js';

const MISSING: Omit<KeyValue, 'key' | 'value'> = { createRevision: 0, modRevision: 0, version: 0, lease: '0' };

/** Whether `kvs` (the keys the compare selects, read at the txn's revision) satisfy `compare`. */
export function evaluateCompare(compare: Compare, kvs: KeyValue[]): boolean {
  if (kvs.length === 0) return compare.target === 'value' ? false : compareOne(compare, MISSING);
  return kvs.every((kv) => compareOne(compare, kv));
}

function compareOne(compare: Compare, kv: Omit<KeyValue, 'key' | 'value'> & { value?: Buffer }): boolean {
  switch (compare.target) {
    case 'value':
      return holds(compare.result, Buffer.compare(kv.value ?? Buffer.alloc(0), toBuffer(compare.value)));
    case 'version':
      return holds(compare.result, kv.version - compare.value);
    case 'create':
      return holds(compare.result, kv.createRevision - compare.value);
    case 'mod':
      return holds(compare.result, kv.modRevision - compare.value);
    case 'lease': {
      // Lease IDs are int64: compare them as integers, not as strings.
      const a = BigInt(kv.lease);
      const b = BigInt(compare.value);
      return holds(compare.result, a < b ? -1 : a > b ? 1 : 0);
    }
  }
}

function holds(result: CompareResult, sign: number): boolean {
  switch (result) {
    case 'equal':
      return sign === 0;
    case 'not_equal':
      return sign !== 0;
    case 'greater':
      return sign > 0;
    case 'less':
      return sign < 0;
  }
}
