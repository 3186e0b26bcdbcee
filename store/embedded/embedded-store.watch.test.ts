import { describe, expect, it } from 'vitest';
import { openTestStore } from '../../test/helpers/embedded-store.js';
import { CompactedError } from '../errors.js';
import { prefixRange, type WatchBatch, type Watcher } from '../store.js';

/** Compact view of a batch: revision and `type key=value`. */
function view(batch: WatchBatch): [number, string[]] {
  return [batch.revision, batch.events.map((e) => `${e.type} ${e.kv.key.toString()}=${e.kv.value.toString()}${e.prevKv ? ` (was ${e.prevKv.value.toString()})` : ''}`)];
}

async function take(watcher: Watcher, n: number): Promise<Array<[number, string[]]>> {
  const out: Array<[number, string[]]> = [];
  const it = watcher[Symbol.asyncIterator]();
  while (out.length < n) {
    const next = await it.next();
    if (next.done) break;
    out.push(view(next.value));
  }
  return out;
}

describe('EmbeddedStore watch', () => {
  it('replays history from a revision, then goes live, one batch per txn in the txn order', async () => {
    const { store } = await openTestStore();
    await store.put('w/a', '1'); // 2
    await store.put('other', 'x'); // 3
    await store.txn({ success: [{ op: 'put', key: 'w/c', value: '3' }, { op: 'put', key: 'w/b', value: '2' }] }); // 4
    const watcher = store.watch({ ...prefixRange('w/'), startRevision: 2 });
    const replayed = await take(watcher, 2);
    expect(replayed).toEqual([
      [2, ['put w/a=1']],
      [4, ['put w/c=3', 'put w/b=2']],
    ]);
    const live = take(watcher, 2);
    await store.put('other', 'y'); // 5: not in range
    await store.delete(prefixRange('w/')); // 6
    await store.put('w/a', 'again'); // 7
    expect(await live).toEqual([
      [6, ['delete w/a=', 'delete w/b=', 'delete w/c=']],
      [7, ['put w/a=again']],
    ]);
    watcher.cancel();
  });

  it('starts after the current revision by default and adds prevKv on request', async () => {
    const { store } = await openTestStore();
    await store.put('k', 'old');
    const plain = store.watch({ key: 'k' });
    const withPrev = store.watch({ key: 'k', prevKv: true });
    const got = Promise.all([take(plain, 1), take(withPrev, 2)]);
    await store.put('k', 'new');
    await store.delete({ key: 'k' });
    const [p, w] = await got;
    expect(p).toEqual([[3, ['put k=new']]]);
    expect(w).toEqual([
      [3, ['put k=new (was old)']],
      [4, ['delete k= (was new)']],
    ]);
  });

  it('applies noput and nodelete filters and skips batches left empty', async () => {
    const { store } = await openTestStore();
    const deletesOnly = store.watch({ ...prefixRange('f/'), filters: ['noput'] });
    const putsOnly = store.watch({ ...prefixRange('f/'), filters: ['nodelete'] });
    const got = Promise.all([take(deletesOnly, 1), take(putsOnly, 2)]);
    await store.put('f/1', 'a'); // 2
    await store.delete({ key: 'f/1' }); // 3
    await store.put('f/2', 'b'); // 4
    expect(await got).toEqual([[[3, ['delete f/1=']]], [[2, ['put f/1=a']], [4, ['put f/2=b']]]]);
  });

  it('reports CompactedError when asked for compacted history, and cancel ends iteration', async () => {
    const { store } = await openTestStore();
    for (let i = 0; i < 5; i++) await store.put('k', String(i)); // 2..6
    await store.compact(5);
    const tooOld = store.watch({ key: 'k', startRevision: 4 });
    await expect(take(tooOld, 1)).rejects.toEqual(new CompactedError(5));
    const atCompact = store.watch({ key: 'k', startRevision: 5 });
    expect(await take(atCompact, 2)).toEqual([
      [5, ['put k=3']],
      [6, ['put k=4']],
    ]);
    const pending = take(atCompact, 1);
    atCompact.cancel();
    expect(await pending).toEqual([]);
    expect(store.stats().watchers).toBe(0);
  });

  it('a watcher that falls behind the retained history gets CompactedError, holding no buffer meanwhile', async () => {
    const { store } = await openTestStore({ retainRevisions: 10 });
    const slow = store.watch({ key: 'k', startRevision: 2 });
    for (let i = 0; i < 40; i++) await store.put('k', String(i));
    expect(store.stats().compactRevision).toBeGreaterThan(2);
    await expect(take(slow, 1)).rejects.toBeInstanceOf(CompactedError);
  });

  it('keeps its place while the consumer is busy, and honours a future start revision', async () => {
    const { store } = await openTestStore();
    const busy = store.watch({ key: 'k' });
    const future = store.watch({ key: 'k', startRevision: 5 });
    const futureFirst = take(future, 1);
    for (let i = 0; i < 6; i++) await Promise.all([store.put('k', String(i)), store.put(`noise/${i}`, 'x')]);
    // k is written at revisions 2, 4, ..., 12 (each round puts k, then noise).
    expect(await take(busy, 6)).toEqual([0, 1, 2, 3, 4, 5].map((i) => [2 + 2 * i, [`put k=${i}`]]));
    expect(await futureFirst).toEqual([[6, ['put k=2']]]);
  });

  it('ends watchers cleanly when the store closes', async () => {
    const { store } = await openTestStore();
    const watcher = store.watch({ key: 'k' });
    const pending = take(watcher, 1);
    await store.close();
    expect(await pending).toEqual([]);
  });
});
