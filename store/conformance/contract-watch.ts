/** Contract cases: watch from the past and live, prevKv, filters, per-txn batches, cancel. */
import { expect, it } from 'vitest';
import { prefixRange } from '../store.js';
import type { WatchBatch } from '../store.js';
import { WatchReader, currentRevision } from './contract-context.js';
import type { ContractContext } from './contract-context.js';

const summary = (batch: WatchBatch): string[] =>
  batch.events.map((e) => `${e.type} ${e.kv.key.toString().split('/').at(-1)}=${e.kv.value.toString()}`);

/** Registers the watch cases. */
export function watchCases(ctx: ContractContext): void {
  it('a watch from a past revision replays history in order, one batch per revision', async () => {
    const store = ctx.store();
    const first = await store.put(ctx.key('a'), '1');
    await store.put(ctx.key('b'), '2');
    await store.put(`${ctx.prefix().slice(0, -1)}0`, 'outside');
    const del = await store.delete({ key: ctx.key('a') });
    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: first.revision }));
    try {
      const b1 = await reader.next();
      const b2 = await reader.next();
      const b3 = await reader.next();
      expect([b1.revision, b2.revision, b3.revision]).toEqual([first.revision, first.revision + 1, del.revision]);
      expect([summary(b1), summary(b2), summary(b3)]).toEqual([['put a=1'], ['put b=2'], ['delete a=']]);
      expect(b1.events[0]?.kv).toMatchObject({ createRevision: first.revision, modRevision: first.revision, version: 1 });
      // A delete event carries the key at the delete's revision with nothing else (etcd's tombstone).
      expect(b3.events[0]?.kv).toEqual({
        key: Buffer.from(ctx.key('a')),
        value: Buffer.alloc(0),
        createRevision: 0,
        modRevision: del.revision,
        version: 0,
        lease: '0',
      });
      expect(b3.events[0]?.prevKv).toBeUndefined();
    } finally {
      reader.cancel();
    }
  });

  it('a watch on one key sees only that key, live, from the next revision on', async () => {
    const store = ctx.store();
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ key: ctx.key('a'), startRevision: start }));
    try {
      await store.put(ctx.key('ab'), 'not me');
      const put = await store.put(ctx.key('a'), 'me');
      const batch = await reader.next();
      expect(batch.revision).toBe(put.revision);
      expect(summary(batch)).toEqual(['put a=me']);
    } finally {
      reader.cancel();
    }
  });

  it('a watch from a future revision waits for it, skipping the revisions before', async () => {
    const store = ctx.store();
    const start = (await currentRevision(store)) + 3;
    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: start }));
    try {
      await store.put(ctx.key('a'), '1');
      await store.put(ctx.key('a'), '2');
      const third = await store.put(ctx.key('a'), '3');
      expect(third.revision).toBe(start);
      const batch = await reader.next();
      expect(batch.revision).toBe(start);
      expect(summary(batch)).toEqual(['put a=3']);
    } finally {
      reader.cancel();
    }
  });

  it('a watch without a start revision delivers changes made after it started, in order', async () => {
    const store = ctx.store();
    const reader = new WatchReader(store.watch(prefixRange(ctx.prefix())));
    try {
      // When "now" is taken is up to the store (a remote watch starts asynchronously), so write until
      // the watch reports one of our writes; from then on every write must arrive, in order.
      const revisions = new Map<number, string>();
      let first: WatchBatch | undefined;
      for (let i = 0; i < 50 && !first; i++) {
        revisions.set((await store.put(ctx.key('k'), String(i))).revision, String(i));
        first = await reader.next(200).catch(() => undefined);
      }
      expect(first).toBeDefined();
      expect(revisions.get(first!.revision)).toBe(first!.events[0]?.kv.value.toString());
      const later = await store.put(ctx.key('k'), 'later');
      let batch = await reader.next();
      while (batch.revision < later.revision) batch = await reader.next();
      expect(batch.revision).toBe(later.revision);
    } finally {
      reader.cancel();
    }
  });

  it('prevKv adds the previous value to puts over an existing key and to deletes', async () => {
    const store = ctx.store();
    const first = await store.put(ctx.key('a'), '1');
    await store.put(ctx.key('a'), '2');
    await store.delete({ key: ctx.key('a') });
    const reader = new WatchReader(store.watch({ key: ctx.key('a'), startRevision: first.revision, prevKv: true }));
    try {
      const created = await reader.next();
      const updated = await reader.next();
      const deleted = await reader.next();
      expect(created.events[0]?.prevKv).toBeUndefined();
      expect(updated.events[0]?.prevKv).toMatchObject({ modRevision: first.revision, version: 1 });
      expect(updated.events[0]?.prevKv?.value.toString()).toBe('1');
      expect(deleted.events[0]?.prevKv?.value.toString()).toBe('2');
      expect(deleted.events[0]?.prevKv?.version).toBe(2);
    } finally {
      reader.cancel();
    }
  });

  it('filters drop puts (noput) or deletes (nodelete)', async () => {
    const store = ctx.store();
    const first = await store.put(ctx.key('a'), '1');
    await store.put(ctx.key('b'), '1');
    const del = await store.delete({ key: ctx.key('a') });
    const last = await store.put(ctx.key('c'), '1');
    const noPut = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: first.revision, filters: ['noput'] }));
    const noDelete = new WatchReader(
      store.watch({ ...prefixRange(ctx.prefix()), startRevision: first.revision, filters: ['nodelete'] }),
    );
    try {
      const onlyDelete = await noPut.next();
      expect(onlyDelete.revision).toBe(del.revision);
      expect(summary(onlyDelete)).toEqual(['delete a=']);
      const puts = [await noDelete.next(), await noDelete.next(), await noDelete.next()];
      expect(puts.map((b) => b.revision)).toEqual([first.revision, first.revision + 1, last.revision]);
    } finally {
      noPut.cancel();
      noDelete.cancel();
    }
  });

  it('all changes of one txn arrive as one batch, in the order the txn made them', async () => {
    const store = ctx.store();
    await store.put(ctx.key('x'), 'old');
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: start }));
    try {
      const txn = await store.txn({
        success: [
          { op: 'put', key: ctx.key('c'), value: '3' },
          { op: 'delete', key: ctx.key('x') },
          { op: 'put', key: ctx.key('a'), value: '1' },
          { op: 'put', key: ctx.key('b'), value: '2' },
        ],
      });
      const batch = await reader.next();
      expect(batch.revision).toBe(txn.revision);
      expect(summary(batch)).toEqual(['put c=3', 'delete x=', 'put a=1', 'put b=2']);
    } finally {
      reader.cancel();
    }
  });

  it('a range delete is one batch with its DELETE events in key order', async () => {
    const store = ctx.store();
    for (const name of ['c', 'a', 'b']) await store.put(ctx.key(name), name);
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: start, prevKv: true }));
    try {
      const del = await store.delete(prefixRange(ctx.prefix()));
      const batch = await reader.next();
      expect(batch.revision).toBe(del.revision);
      expect(summary(batch)).toEqual(['delete a=', 'delete b=', 'delete c=']);
      expect(batch.events.map((e) => e.prevKv?.value.toString())).toEqual(['a', 'b', 'c']);
    } finally {
      reader.cancel();
    }
  });

  it('under concurrent writers a watch sees every revision exactly once, in order', async () => {
    const store = ctx.store();
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: start }));
    try {
      // 200 puts, 20 in flight at a time: enough to interleave, quick on every store.
      const written: number[] = [];
      for (let round = 0; round < 10; round++) {
        const puts = Array.from({ length: 20 }, (_, i) => store.put(ctx.key(`k${i % 7}`), `${round}.${i}`));
        for (const put of await Promise.all(puts)) written.push(put.revision);
      }
      written.sort((a, b) => a - b);
      const seen: number[] = [];
      while (seen.length < written.length) {
        const batch = await reader.next();
        expect(batch.events).toHaveLength(1);
        seen.push(batch.revision);
      }
      expect(seen).toEqual(written);
    } finally {
      reader.cancel();
    }
  });

  it('cancel ends iteration cleanly, and so does leaving a for-await loop', async () => {
    const store = ctx.store();
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: start }));
    await store.put(ctx.key('a'), '1');
    await reader.next();
    reader.cancel();
    expect(await reader.end()).toBe(true);

    const watcher = store.watch({ ...prefixRange(ctx.prefix()), startRevision: start });
    let seen = 0;
    for await (const _ of watcher) {
      seen++;
      break;
    }
    expect(seen).toBe(1);
    // The watch is gone: a later write must not break anything, and a new watch still works.
    const put = await store.put(ctx.key('b'), '2');
    const again = new WatchReader(store.watch({ key: ctx.key('b'), startRevision: put.revision }));
    expect((await again.next()).revision).toBe(put.revision);
    again.cancel();
  });
}
