/** Contract cases: put, get, range (prefix, limit, sort, count/keys only, at revision), delete. */
import { expect, it } from 'vitest';
import { ALL_KEYS_FROM, prefixRange } from '../store.js';
import type { KeyValue, SortTarget } from '../store.js';
import type { ContractContext } from './contract-context.js';

const keysOf = (kvs: KeyValue[]): string[] => kvs.map((kv) => kv.key.toString('utf8'));

/** Registers the key-value cases. */
export function kvCases(ctx: ContractContext): void {
  it('put creates a key at a new revision with version 1, and get returns it byte for byte', async () => {
    const store = ctx.store();
    const key = ctx.key('a');
    const put = await store.put(key, 'one');
    const kv = await store.get(key);
    expect(kv).toEqual({
      key: Buffer.from(key),
      value: Buffer.from('one'),
      createRevision: put.revision,
      modRevision: put.revision,
      version: 1,
      lease: '0',
    });
    expect(Buffer.isBuffer(kv?.value)).toBe(true);
    expect(put.prevKv).toBeUndefined();
  });

  it('a second put bumps revision and version, keeps createRevision, and returns prevKv on request', async () => {
    const store = ctx.store();
    const key = ctx.key('a');
    const first = await store.put(key, 'one');
    const second = await store.put(key, 'two', { prevKv: true });
    expect(second.revision).toBe(first.revision + 1);
    expect(second.prevKv?.value.toString()).toBe('one');
    expect(second.prevKv?.version).toBe(1);
    const kv = await store.get(key);
    expect(kv).toMatchObject({ createRevision: first.revision, modRevision: second.revision, version: 2 });
    expect(kv?.value.toString()).toBe('two');
  });

  it('binary keys and values round-trip exactly, including empty values', async () => {
    const store = ctx.store();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const key = Buffer.concat([Buffer.from(ctx.key('bin-')), bytes.subarray(1)]);
    await store.put(key, bytes);
    expect((await store.get(key))?.value.equals(bytes)).toBe(true);
    await store.put(ctx.key('empty'), '');
    const empty = await store.get(ctx.key('empty'));
    expect(empty?.value.length).toBe(0);
    expect(empty?.version).toBe(1);
  });

  it('get of a missing key is undefined; get at an old revision sees the old value', async () => {
    const store = ctx.store();
    expect(await store.get(ctx.key('missing'))).toBeUndefined();
    const first = await store.put(ctx.key('a'), 'one');
    await store.put(ctx.key('a'), 'two');
    const old = await store.get(ctx.key('a'), { revision: first.revision });
    expect(old?.value.toString()).toBe('one');
    expect(old?.modRevision).toBe(first.revision);
  });

  it('range over a prefix returns keys in order with count, more and the current revision', async () => {
    const store = ctx.store();
    await store.put(ctx.key('c'), '3');
    await store.put(ctx.key('a'), '1');
    const last = await store.put(ctx.key('b'), '2');
    await store.put(`${ctx.prefix().slice(0, -1)}0`, 'outside'); // "prefix0" sorts after "prefix/"
    const all = await store.range(prefixRange(ctx.prefix()));
    expect(keysOf(all.kvs)).toEqual([ctx.key('a'), ctx.key('b'), ctx.key('c')]);
    expect(all).toMatchObject({ count: 3, more: false, revision: last.revision + 1 });

    const limited = await store.range({ ...prefixRange(ctx.prefix()), limit: 2 });
    expect(keysOf(limited.kvs)).toEqual([ctx.key('a'), ctx.key('b')]);
    expect(limited).toMatchObject({ count: 3, more: true });

    const exact = await store.range({ ...prefixRange(ctx.prefix()), limit: 3 });
    expect(exact).toMatchObject({ count: 3, more: false });

    const counted = await store.range({ ...prefixRange(ctx.prefix()), countOnly: true });
    expect(counted).toMatchObject({ kvs: [], count: 3 });

    const keysOnly = await store.range({ ...prefixRange(ctx.prefix()), keysOnly: true });
    expect(keysOf(keysOnly.kvs)).toEqual([ctx.key('a'), ctx.key('b'), ctx.key('c')]);
    expect(keysOnly.kvs.every((kv) => kv.value.length === 0 && kv.version === 1)).toBe(true);
  });

  it('range with an explicit end is half-open, and ALL_KEYS_FROM reads every key from the start', async () => {
    const store = ctx.store();
    for (const name of ['a', 'b', 'c', 'd']) await store.put(ctx.key(name), name);
    const half = await store.range({ key: ctx.key('b'), rangeEnd: ctx.key('d') });
    expect(keysOf(half.kvs)).toEqual([ctx.key('b'), ctx.key('c')]);
    const from = await store.range({ key: ctx.key('c'), rangeEnd: ALL_KEYS_FROM, limit: 2 });
    expect(keysOf(from.kvs)).toEqual([ctx.key('c'), ctx.key('d')]);
  });

  it('range sorts by every target in both orders, and sort applies before limit', async () => {
    const store = ctx.store();
    // b: created first, modified last, version 3, value "x"; a: version 1, value "z"; c: version 2, value "y".
    await store.put(ctx.key('b'), 'w');
    await store.put(ctx.key('a'), 'z');
    await store.put(ctx.key('c'), 'y0');
    await store.put(ctx.key('c'), 'y');
    await store.put(ctx.key('b'), 'x0');
    await store.put(ctx.key('b'), 'x');
    const sorted = async (sortTarget: SortTarget, sortOrder: 'ascend' | 'descend', limit = 0): Promise<string[]> =>
      keysOf((await store.range({ ...prefixRange(ctx.prefix()), sortTarget, sortOrder, limit })).kvs).map((k) =>
        k.slice(ctx.prefix().length),
      );
    expect(await sorted('key', 'descend')).toEqual(['c', 'b', 'a']);
    expect(await sorted('key', 'ascend')).toEqual(['a', 'b', 'c']);
    expect(await sorted('create', 'ascend')).toEqual(['b', 'a', 'c']);
    expect(await sorted('create', 'descend')).toEqual(['c', 'a', 'b']);
    expect(await sorted('mod', 'descend')).toEqual(['b', 'c', 'a']);
    expect(await sorted('version', 'ascend')).toEqual(['a', 'c', 'b']);
    expect(await sorted('value', 'ascend')).toEqual(['b', 'c', 'a']);
    expect(await sorted('value', 'descend')).toEqual(['a', 'c', 'b']);
    expect(await sorted('key', 'descend', 1)).toEqual(['c']);
    expect(await sorted('create', 'descend', 1)).toEqual(['c']);
    const top = await store.range({ ...prefixRange(ctx.prefix()), sortTarget: 'mod', sortOrder: 'descend', limit: 1 });
    expect(top).toMatchObject({ count: 3, more: true });
  });

  it('range at a past revision sees the store as it was then', async () => {
    const store = ctx.store();
    await store.put(ctx.key('a'), '1');
    const mid = await store.put(ctx.key('b'), '1');
    await store.put(ctx.key('a'), '2');
    await store.delete({ key: ctx.key('b') });
    await store.put(ctx.key('c'), '1');
    const then = await store.range({ ...prefixRange(ctx.prefix()), revision: mid.revision });
    expect(keysOf(then.kvs)).toEqual([ctx.key('a'), ctx.key('b')]);
    expect(then.kvs[0]?.value.toString()).toBe('1');
    expect(then.count).toBe(2);
  });

  it('delete removes one key at a new revision; deleting nothing leaves the revision alone', async () => {
    const store = ctx.store();
    const put = await store.put(ctx.key('a'), '1');
    const del = await store.delete({ key: ctx.key('a') });
    expect(del).toEqual({ revision: put.revision + 1, deleted: 1, prevKvs: [] });
    expect(await store.get(ctx.key('a'))).toBeUndefined();
    const none = await store.delete({ key: ctx.key('a') });
    expect(none).toEqual({ revision: del.revision, deleted: 0, prevKvs: [] });
  });

  it('delete of a prefix returns prevKvs in key order, and a re-put starts a new generation', async () => {
    const store = ctx.store();
    await store.put(ctx.key('b'), '2');
    const first = await store.put(ctx.key('a'), '1');
    await store.put(ctx.key('a'), '1b');
    const del = await store.delete(prefixRange(ctx.prefix()), { prevKv: true });
    expect(del.deleted).toBe(2);
    expect(keysOf(del.prevKvs)).toEqual([ctx.key('a'), ctx.key('b')]);
    expect(del.prevKvs[0]).toMatchObject({ createRevision: first.revision, version: 2 });
    expect((await store.range(prefixRange(ctx.prefix()))).count).toBe(0);
    const again = await store.put(ctx.key('a'), 'new');
    expect(await store.get(ctx.key('a'))).toMatchObject({ createRevision: again.revision, version: 1 });
  });
}
