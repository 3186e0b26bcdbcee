/**
 * A range read as etcd's apply layer shapes it: `count` is every key in the range at the revision;
 * a sort target other than `key` with order `none` sorts ascending; with sorting, all matches are
 * sorted before `limit` cuts them; `more` says the limit left keys out; `countOnly` returns no kvs.
 */
import type { KeyValue, RangeRequest, RangeResult, SortTarget } from '../../store.js';
import type { KvIndex } from './kv-index.js';
import { keyBounds } from './keys.js';

const EMPTY = Buffer.alloc(0);

/** Reads `request` from `index` as of `revision`; `revision` becomes the result's revision too. */
export function queryRange(index: KvIndex, request: RangeRequest, revision: number, headerRevision: number): RangeResult {
  const bounds = keyBounds(request);
  const limit = request.limit && request.limit > 0 ? request.limit : 0;
  const target = request.sortTarget ?? 'key';
  let order = request.sortOrder ?? 'none';
  if (order === 'none' && target !== 'key') order = 'ascend';
  // Index order is key-ascending: only another order needs every match before the limit applies.
  const needsSort = order === 'descend' || (order === 'ascend' && target !== 'key');
  const countOnly = request.countOnly === true;

  const kvs: KeyValue[] = [];
  let count = 0;
  const visit = (kv: KeyValue | undefined): void => {
    if (!kv) return;
    count++;
    if (!countOnly && (limit === 0 || needsSort || kvs.length < limit)) kvs.push(kv);
  };
  if (bounds.single) visit(index.get(bounds.start)?.at(revision));
  else for (const key of index.range(bounds.start, bounds.end)) visit(key.at(revision));

  if (countOnly) return { kvs: [], count, more: false, revision: headerRevision };
  if (needsSort) {
    const cmp = comparator(target);
    kvs.sort(order === 'descend' ? (a, b) => cmp(b, a) : cmp);
  }
  const more = limit > 0 && count > limit;
  if (kvs.length > limit && limit > 0) kvs.length = limit;
  return {
    kvs: request.keysOnly ? kvs.map((kv) => ({ ...kv, value: EMPTY })) : kvs,
    count,
    more,
    revision: headerRevision,
  };
}

function comparator(target: SortTarget): (a: KeyValue, b: KeyValue) => number {
  switch (target) {
    case 'key':
      return (a, b) => Buffer.compare(a.key, b.key);
    case 'value':
      return (a, b) => Buffer.compare(a.value, b.value);
    case 'version':
      return (a, b) => a.version - b.version;
    case 'create':
      return (a, b) => a.createRevision - b.createRevision;
    case 'mod':
      return (a, b) => a.modRevision - b.modRevision;
  }
}
