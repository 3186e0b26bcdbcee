/** Contract cases: txn compares on every target and result, both branches, missing keys, op results. */
import { expect, it } from 'vitest';
import { DuplicateKeyError } from '../errors.js';
import { prefixRange } from '../store.js';
import type { Compare, CompareResult, Store } from '../store.js';
import type { ContractContext } from './contract-context.js';

async function holds(store: Store, compare: Compare): Promise<boolean> {
  return (await store.txn({ compare: [compare] })).succeeded;
}

/** Registers the txn cases. */
export function txnCases(ctx: ContractContext): void {
  it('a txn whose compares hold runs success, bumps the revision once and reports op results', async () => {
    const store = ctx.store();
    const put = await store.put(ctx.key('a'), 'one');
    const res = await store.txn({
      compare: [{ key: ctx.key('a'), target: 'value', result: 'equal', value: 'one' }],
      success: [
        { op: 'put', key: ctx.key('a'), value: 'two', prevKv: true },
        { op: 'put', key: ctx.key('b'), value: 'new' },
        { op: 'range', key: ctx.key('a') },
      ],
      failure: [{ op: 'put', key: ctx.key('a'), value: 'failed' }],
    });
    expect(res.succeeded).toBe(true);
    expect(res.revision).toBe(put.revision + 1);
    expect(res.responses.map((r) => r.op)).toEqual(['put', 'put', 'range']);
    const [first, second, read] = res.responses;
    expect(first).toMatchObject({ op: 'put', revision: res.revision });
    expect(first?.op === 'put' && first.prevKv?.value.toString()).toBe('one');
    expect(second).toMatchObject({ op: 'put', revision: res.revision });
    // A read inside a write txn sees the txn's own earlier writes, at the txn's revision.
    expect(read?.op === 'range' && read.kvs[0]?.value.toString()).toBe('two');
    expect(read).toMatchObject({ op: 'range', revision: res.revision, count: 1 });
    const a = await store.get(ctx.key('a'));
    const b = await store.get(ctx.key('b'));
    expect(a).toMatchObject({ modRevision: res.revision, version: 2 });
    expect(b).toMatchObject({ createRevision: res.revision, modRevision: res.revision, version: 1 });
  });

  it('a txn whose compare fails runs failure; a txn that writes nothing keeps the revision', async () => {
    const store = ctx.store();
    const put = await store.put(ctx.key('a'), 'one');
    const res = await store.txn({
      compare: [{ key: ctx.key('a'), target: 'value', result: 'equal', value: 'other' }],
      success: [{ op: 'put', key: ctx.key('a'), value: 'success' }],
      failure: [{ op: 'range', ...prefixRange(ctx.prefix()) }],
    });
    expect(res.succeeded).toBe(false);
    expect(res.revision).toBe(put.revision);
    expect(res.responses).toHaveLength(1);
    expect(res.responses[0]).toMatchObject({ op: 'range', count: 1, revision: put.revision });
    expect((await store.get(ctx.key('a')))?.value.toString()).toBe('one');
    const empty = await store.txn({});
    expect(empty).toEqual({ succeeded: true, revision: put.revision, responses: [] });
  });

  it('compares on version, create and mod revision honour equal, not_equal, greater and less', async () => {
    const store = ctx.store();
    const key = ctx.key('a');
    const created = await store.put(key, 'v1');
    const modified = await store.put(key, 'v2');
    const cases: [Compare['target'] & ('version' | 'create' | 'mod'), number][] = [
      ['version', 2],
      ['create', created.revision],
      ['mod', modified.revision],
    ];
    for (const [target, actual] of cases) {
      const check = (result: CompareResult, value: number): Promise<boolean> => holds(store, { key, target, result, value });
      expect(await check('equal', actual), `${target} equal`).toBe(true);
      expect(await check('equal', actual + 1), `${target} equal+1`).toBe(false);
      expect(await check('not_equal', actual + 1), `${target} not_equal`).toBe(true);
      expect(await check('not_equal', actual), `${target} not_equal self`).toBe(false);
      expect(await check('greater', actual - 1), `${target} greater`).toBe(true);
      expect(await check('greater', actual), `${target} greater self`).toBe(false);
      expect(await check('less', actual + 1), `${target} less`).toBe(true);
      expect(await check('less', actual), `${target} less self`).toBe(false);
    }
  });

  it('compares on value are byte-wise, and on lease compare the attached lease id', async () => {
    const store = ctx.store();
    const key = ctx.key('a');
    const lease = await store.grant(30);
    await store.put(key, 'm', { lease: lease.id });
    expect(await holds(store, { key, target: 'value', result: 'equal', value: Buffer.from('m') })).toBe(true);
    expect(await holds(store, { key, target: 'value', result: 'greater', value: 'l' })).toBe(true);
    expect(await holds(store, { key, target: 'value', result: 'less', value: 'mm' })).toBe(true);
    expect(await holds(store, { key, target: 'value', result: 'not_equal', value: 'm' })).toBe(false);
    expect(await holds(store, { key, target: 'lease', result: 'equal', value: lease.id })).toBe(true);
    expect(await holds(store, { key, target: 'lease', result: 'equal', value: '0' })).toBe(false);
    expect(await holds(store, { key, target: 'lease', result: 'not_equal', value: '0' })).toBe(true);
    await store.revoke(lease.id);
  });

  it('a missing key compares as version, create, mod and lease 0, and fails every value compare', async () => {
    const store = ctx.store();
    const key = ctx.key('missing');
    expect(await holds(store, { key, target: 'version', result: 'equal', value: 0 })).toBe(true);
    expect(await holds(store, { key, target: 'create', result: 'equal', value: 0 })).toBe(true);
    expect(await holds(store, { key, target: 'mod', result: 'less', value: 1 })).toBe(true);
    expect(await holds(store, { key, target: 'lease', result: 'equal', value: '0' })).toBe(true);
    expect(await holds(store, { key, target: 'value', result: 'equal', value: '' })).toBe(false);
    expect(await holds(store, { key, target: 'value', result: 'not_equal', value: 'x' })).toBe(false);
  });

  it('a compare with a range end must hold for every key in the range', async () => {
    const store = ctx.store();
    await store.put(ctx.key('a'), '1');
    await store.put(ctx.key('b'), '1');
    await store.put(ctx.key('b'), '2');
    const range = prefixRange(ctx.prefix());
    expect(await holds(store, { ...range, target: 'version', result: 'greater', value: 0 })).toBe(true);
    expect(await holds(store, { ...range, target: 'version', result: 'equal', value: 1 })).toBe(false);
    expect(await holds(store, { ...range, target: 'value', result: 'equal', value: '1' })).toBe(false);
  });

  it('create-if-absent: a txn on createRevision 0 succeeds once', async () => {
    const store = ctx.store();
    const key = ctx.key('leader');
    const claim = (who: string): Promise<boolean> =>
      store
        .txn({
          compare: [{ key, target: 'create', result: 'equal', value: 0 }],
          success: [{ op: 'put', key, value: who }],
        })
        .then((r) => r.succeeded);
    expect(await claim('one')).toBe(true);
    expect(await claim('two')).toBe(false);
    expect((await store.get(key))?.value.toString()).toBe('one');
  });

  it('a txn delete reports deleted and prevKvs', async () => {
    const store = ctx.store();
    await store.put(ctx.key('a'), '1');
    await store.put(ctx.key('b'), '2');
    const res = await store.txn({ success: [{ op: 'delete', ...prefixRange(ctx.prefix()), prevKv: true }] });
    const del = res.responses[0];
    expect(del).toMatchObject({ op: 'delete', deleted: 2, revision: res.revision });
    expect(del?.op === 'delete' && del.prevKvs.map((kv) => kv.value.toString())).toEqual(['1', '2']);
  });

  it('two writes to the same key in one branch are refused with DuplicateKeyError', async () => {
    const store = ctx.store();
    const key = ctx.key('a');
    await expect(
      store.txn({ success: [{ op: 'put', key, value: '1' }, { op: 'put', key, value: '2' }] }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(
      store.txn({ success: [{ op: 'put', key, value: '1' }, { op: 'delete', ...prefixRange(ctx.prefix()) }] }),
    ).rejects.toBeInstanceOf(DuplicateKeyError);
    expect(await store.get(key)).toBeUndefined();
  });
}
