import { describe, expect, it } from 'vitest';
import { openTestStore } from '../../test/helpers/embedded-store.js';
import { CompactedError, DuplicateKeyError, EmptyKeyError, FutureRevisionError, InvalidArgumentError, LeaseNotFoundError, TooLargeError } from '../errors.js';
import { ALL_KEYS_FROM, prefixRange, type Compare } from '../store.js';

const str = (b: Buffer | undefined): string | undefined => b?.toString();

describe('EmbeddedStore revisions and versions (etcd semantics)', () => {
  it('starts at revision 1 and bumps once per write txn that changes something', async () => {
    const { store } = await openTestStore();
    expect((await store.range({ key: 'a' })).revision).toBe(1);
    expect(await store.put('a', '1')).toEqual({ revision: 2 });
    expect((await store.put('a', '2', { prevKv: true })).prevKv).toMatchObject({ createRevision: 2, modRevision: 2, version: 1 });
    expect(await store.get('a')).toMatchObject({ value: Buffer.from('2'), createRevision: 2, modRevision: 3, version: 2, lease: '0' });
    expect(await store.delete({ key: 'missing' })).toEqual({ revision: 3, deleted: 0, prevKvs: [] });
    const deleted = await store.delete({ key: 'a' }, { prevKv: true });
    expect(deleted).toMatchObject({ revision: 4, deleted: 1 });
    expect(str(deleted.prevKvs[0]?.value)).toBe('2');
    expect(await store.put('a', '3')).toEqual({ revision: 5 });
    expect(await store.get('a')).toMatchObject({ createRevision: 5, modRevision: 5, version: 1 });
  });

  it('deletes a prefix in one revision and reads old revisions', async () => {
    const { store } = await openTestStore();
    for (const k of ['p/a', 'p/b', 'q']) await store.put(k, k);
    const result = await store.delete(prefixRange('p/'));
    expect(result).toMatchObject({ revision: 5, deleted: 2 });
    expect((await store.range(prefixRange('p/'))).count).toBe(0);
    expect((await store.range({ ...prefixRange('p/'), revision: 4 })).kvs.map((kv) => str(kv.key))).toEqual(['p/a', 'p/b']);
    expect((await store.range({ key: 'p/a', rangeEnd: ALL_KEYS_FROM })).kvs.map((kv) => str(kv.key))).toEqual(['q']);
  });
});

describe('EmbeddedStore txn', () => {
  async function seeded() {
    const { store } = await openTestStore();
    const lease = await store.grant(60);
    await store.put('k', 'm'); // rev 2
    await store.put('k', 'm', { lease: lease.id }); // rev 3: version 2, create 2, mod 3
    await store.put('k2', 'z'); // rev 4
    return { store, lease: lease.id };
  }

  const cases: Array<[string, (lease: string) => Compare, boolean]> = [
    ['value equal', () => ({ key: 'k', target: 'value', result: 'equal', value: 'm' }), true],
    ['value greater', () => ({ key: 'k', target: 'value', result: 'greater', value: 'a' }), true],
    ['value less', () => ({ key: 'k', target: 'value', result: 'less', value: 'a' }), false],
    ['value on a missing key (even not_equal)', () => ({ key: 'nope', target: 'value', result: 'not_equal', value: 'x' }), false],
    ['version equal', () => ({ key: 'k', target: 'version', result: 'equal', value: 2 }), true],
    ['version of a missing key is 0', () => ({ key: 'nope', target: 'version', result: 'equal', value: 0 }), true],
    ['create equal', () => ({ key: 'k', target: 'create', result: 'equal', value: 2 }), true],
    ['create of a missing key is 0 (election)', () => ({ key: 'nope', target: 'create', result: 'equal', value: 0 }), true],
    ['mod greater', () => ({ key: 'k', target: 'mod', result: 'greater', value: 2 }), true],
    ['mod less', () => ({ key: 'k', target: 'mod', result: 'less', value: 3 }), false],
    ['lease equal', (lease) => ({ key: 'k', target: 'lease', result: 'equal', value: lease }), true],
    ['lease of a missing key is 0', () => ({ key: 'nope', target: 'lease', result: 'equal', value: '0' }), true],
    ['range: every key must match', () => ({ key: 'k', rangeEnd: 'k3', target: 'version', result: 'equal', value: 1 }), false],
    ['range: all match', () => ({ key: 'k', rangeEnd: 'k3', target: 'mod', result: 'greater', value: 1 }), true],
  ];
  it.each(cases)('compare %s', async (_name, compare, expected) => {
    const { store, lease } = await seeded();
    const result = await store.txn({ compare: [compare(lease)], success: [{ op: 'range', key: 'k' }] });
    expect(result.succeeded).toBe(expected);
    expect(result.revision).toBe(4);
  });

  it('runs the chosen branch at one new revision, reads seeing earlier writes of the txn', async () => {
    const { store } = await seeded();
    const result = await store.txn({
      compare: [{ key: 'k', target: 'version', result: 'equal', value: 2 }],
      success: [
        { op: 'range', key: 'n' },
        { op: 'put', key: 'n', value: '1' },
        { op: 'range', key: 'n' },
        { op: 'delete', key: 'k2', prevKv: true },
      ],
      failure: [{ op: 'put', key: 'f', value: '1' }],
    });
    expect(result.succeeded).toBe(true);
    expect(result.revision).toBe(5);
    const [before, put, after, del] = result.responses;
    expect(before).toMatchObject({ op: 'range', count: 0, revision: 4 });
    expect(put).toEqual({ op: 'put', revision: 5 });
    expect(after).toMatchObject({ op: 'range', count: 1, revision: 5 });
    expect(del).toMatchObject({ op: 'delete', revision: 5, deleted: 1 });
    expect(await store.get('f')).toBeUndefined();
  });

  it('leaves the revision alone for a read-only or failed no-op txn', async () => {
    const { store } = await seeded();
    const result = await store.txn({ compare: [{ key: 'k', target: 'version', result: 'equal', value: 9 }], failure: [{ op: 'delete', key: 'none' }] });
    expect(result).toMatchObject({ succeeded: false, revision: 4 });
  });

  it('is atomic: a put under a missing lease fails the whole txn before any change', async () => {
    const { store } = await seeded();
    const txn = store.txn({ success: [{ op: 'put', key: 'x', value: '1' }, { op: 'put', key: 'y', value: '1', lease: '12345' }] });
    await expect(txn).rejects.toBeInstanceOf(LeaseNotFoundError);
    expect(await store.get('x')).toBeUndefined();
    expect((await store.range({ key: 'x' })).revision).toBe(4);
  });

  it.each([
    ['two puts of one key', [{ op: 'put', key: 'a', value: '1' }, { op: 'put', key: 'a', value: '2' }]],
    ['a put inside a delete range', [{ op: 'delete', key: 'a', rangeEnd: 'c' }, { op: 'put', key: 'b', value: '2' }]],
  ] as const)('refuses %s with DuplicateKeyError (etcd checkIntervals)', async (_name, success) => {
    const { store } = await openTestStore();
    await expect(store.txn({ success: [...success] })).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('refuses bad input with typed errors', async () => {
    const { store } = await openTestStore({ maxRequestBytes: 1024, maxTxnOps: 2 });
    await expect(store.put('', 'v')).rejects.toBeInstanceOf(EmptyKeyError);
    await expect(store.range({ key: '' })).rejects.toBeInstanceOf(EmptyKeyError);
    await expect(store.put('k', Buffer.alloc(2000))).rejects.toThrow(TooLargeError);
    await expect(store.put('k', Buffer.alloc(2000))).rejects.toThrow('store: request is too large: request is 2001 bytes, the limit is 1024');
    const ops = [1, 2, 3].map((i) => ({ op: 'put' as const, key: `k${i}`, value: 'v' }));
    await expect(store.txn({ success: ops })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(store.put('k', 'v', { lease: 'abc' })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect((await store.range({ key: 'k' })).revision).toBe(1);
  });
});

describe('EmbeddedStore range', () => {
  async function fruit() {
    const { store } = await openTestStore();
    await store.put('f/cherry', '3'); // rev 2
    await store.put('f/apple', '1'); // rev 3
    await store.put('f/banana', '2'); // rev 4
    await store.put('f/apple', '9'); // rev 5: apple version 2
    return store;
  }
  const keys = (kvs: Array<{ key: Buffer }>) => kvs.map((kv) => str(kv.key));

  it('limits in key order and reports count and more', async () => {
    const store = await fruit();
    const result = await store.range({ ...prefixRange('f/'), limit: 2 });
    expect(keys(result.kvs)).toEqual(['f/apple', 'f/banana']);
    expect(result).toMatchObject({ count: 3, more: true, revision: 5 });
    expect((await store.range({ ...prefixRange('f/'), limit: 3 })).more).toBe(false);
  });

  it.each([
    ['key', 'descend', ['f/cherry', 'f/banana', 'f/apple']],
    ['create', 'ascend', ['f/cherry', 'f/apple', 'f/banana']],
    ['mod', 'descend', ['f/apple', 'f/banana', 'f/cherry']],
    ['version', 'descend', ['f/apple', 'f/banana', 'f/cherry']],
    ['value', 'ascend', ['f/banana', 'f/cherry', 'f/apple']],
    ['create', 'none', ['f/cherry', 'f/apple', 'f/banana']],
  ] as const)('sorts by %s %s (before the limit)', async (sortTarget, sortOrder, expected) => {
    const store = await fruit();
    expect(keys((await store.range({ ...prefixRange('f/'), sortTarget, sortOrder })).kvs)).toEqual(expected);
    const limited = await store.range({ ...prefixRange('f/'), sortTarget, sortOrder, limit: 1 });
    expect(keys(limited.kvs)).toEqual(expected.slice(0, 1));
  });

  it('serves keysOnly and countOnly', async () => {
    const store = await fruit();
    const keysOnly = await store.range({ ...prefixRange('f/'), keysOnly: true });
    expect(keysOnly.kvs.map((kv) => kv.value.length)).toEqual([0, 0, 0]);
    expect(keysOnly.kvs[0]).toMatchObject({ version: 2, modRevision: 5 });
    expect(await store.range({ ...prefixRange('f/'), countOnly: true })).toEqual({ kvs: [], count: 3, more: false, revision: 5 });
  });

  it('reads at a revision, refuses future and compacted revisions', async () => {
    const store = await fruit();
    const old = await store.range({ ...prefixRange('f/'), revision: 3 });
    expect(keys(old.kvs)).toEqual(['f/apple', 'f/cherry']);
    expect(old.revision).toBe(5);
    expect(str((await store.get('f/apple', { revision: 4 }))?.value)).toBe('1');
    await expect(store.range({ key: 'f/apple', revision: 6 })).rejects.toBeInstanceOf(FutureRevisionError);
    await store.compact(4);
    await expect(store.range({ key: 'f/apple', revision: 3 })).rejects.toEqual(new CompactedError(4));
    expect(str((await store.get('f/apple', { revision: 4 }))?.value)).toBe('1');
    await expect(store.compact(4)).rejects.toBeInstanceOf(CompactedError);
    await expect(store.compact(9)).rejects.toBeInstanceOf(FutureRevisionError);
  });
});
