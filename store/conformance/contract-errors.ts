/** Contract cases: compaction, future revisions, empty keys, oversized requests. */
import { expect, it } from 'vitest';
import { CompactedError, EmptyKeyError, FutureRevisionError, TooLargeError } from '../errors.js';
import { prefixRange } from '../store.js';
import { WatchReader, currentRevision } from './contract-context.js';
import type { ContractContext } from './contract-context.js';

/** Between etcd's 1.5 MiB request limit and its 2 MiB gRPC frame limit: refused by the store itself. */
const TOO_LARGE_VALUE_BYTES = 1.75 * 1024 * 1024;
/** Comfortably under the limit: must be stored whole. */
const LARGE_VALUE_BYTES = 1024 * 1024;

/** Registers the compaction and error cases. */
export function errorCases(ctx: ContractContext): void {
  it('after compaction, older reads and watches throw CompactedError naming the compaction revision', async () => {
    const store = ctx.store();
    const old = await store.put(ctx.key('a'), '1');
    const kept = await store.put(ctx.key('a'), '2');
    await store.put(ctx.key('a'), '3');
    await store.compact(kept.revision);
    const read = await store.get(ctx.key('a'), { revision: old.revision }).catch((err: unknown) => err);
    expect(read).toBeInstanceOf(CompactedError);
    expect((read as CompactedError).compactRevision).toBe(kept.revision);
    expect((await store.get(ctx.key('a'), { revision: kept.revision }))?.value.toString()).toBe('2');

    const reader = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: old.revision }));
    const ended = await reader.end();
    expect(ended).toBeInstanceOf(CompactedError);
    expect((ended as CompactedError).compactRevision).toBe(kept.revision);

    const fromKept = new WatchReader(store.watch({ ...prefixRange(ctx.prefix()), startRevision: kept.revision }));
    expect((await fromKept.next()).revision).toBe(kept.revision);
    fromKept.cancel();

    await expect(store.compact(old.revision)).rejects.toBeInstanceOf(CompactedError);
  });

  it('reads and compaction beyond the current revision throw FutureRevisionError', async () => {
    const store = ctx.store();
    const now = await currentRevision(store);
    const err = await store.range({ key: ctx.key('a'), revision: now + 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FutureRevisionError);
    expect((err as FutureRevisionError).requested).toBe(now + 10);
    expect((err as FutureRevisionError).current).toBeGreaterThanOrEqual(now);
    await expect(store.compact(now + 10)).rejects.toBeInstanceOf(FutureRevisionError);
  });

  it('an empty key is refused by put, get, range and delete with EmptyKeyError', async () => {
    const store = ctx.store();
    await expect(store.put('', 'x')).rejects.toBeInstanceOf(EmptyKeyError);
    await expect(store.get('')).rejects.toBeInstanceOf(EmptyKeyError);
    await expect(store.range({ key: '', rangeEnd: 'z' })).rejects.toBeInstanceOf(EmptyKeyError);
    await expect(store.delete({ key: '' })).rejects.toBeInstanceOf(EmptyKeyError);
  });

  it('a value over the request limit is refused with TooLargeError; a 1 MiB value is stored whole', async () => {
    const store = ctx.store();
    const before = await currentRevision(store);
    const huge = Buffer.alloc(TOO_LARGE_VALUE_BYTES, 7);
    await expect(store.put(ctx.key('huge'), huge)).rejects.toBeInstanceOf(TooLargeError);
    await expect(store.txn({ success: [{ op: 'put', key: ctx.key('huge'), value: huge }] })).rejects.toBeInstanceOf(
      TooLargeError,
    );
    expect(await currentRevision(store)).toBe(before);
    const large = Buffer.alloc(LARGE_VALUE_BYTES, 9);
    await store.put(ctx.key('large'), large);
    expect((await store.get(ctx.key('large')))?.value.equals(large)).toBe(true);
  });
}
