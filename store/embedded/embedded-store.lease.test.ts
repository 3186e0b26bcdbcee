import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { openTestStore } from '../../test/helpers/embedded-store.js';
import { eventually } from '../../test/helpers/eventually.js';
import { LeaseExistsError, LeaseNotFoundError } from '../errors.js';
import { prefixRange, type WatchBatch } from '../store.js';

describe('EmbeddedStore leases', () => {
  it('grants, renews, reports time to live and keys, and lists leases', async () => {
    const clock = new FakeClock();
    const { store } = await openTestStore({ clock });
    const { id, ttlSeconds } = await store.grant(10);
    expect(ttlSeconds).toBe(10);
    expect((await store.grant(1)).ttlSeconds).toBe(2); // etcd's minimum TTL
    await store.put('a', '1', { lease: id });
    await store.put('b', '1', { lease: id });
    await store.put('b', '2'); // moves b off the lease
    clock.advance(4_500);
    expect(await store.timeToLive(id, { keys: true })).toEqual({ id, ttlSeconds: 5, grantedTtlSeconds: 10, keys: [Buffer.from('a')] });
    expect(await store.keepAlive(id)).toBe(10);
    expect((await store.timeToLive(id)).ttlSeconds).toBe(10);
    expect((await store.leases()).sort()).toContain(id);
    expect(await store.timeToLive('42')).toEqual({ id: '42', ttlSeconds: -1, grantedTtlSeconds: 0, keys: [] });
    await expect(store.grant(5, { id })).rejects.toBeInstanceOf(LeaseExistsError);
    expect(await store.grant(5, { id: '7' })).toEqual({ id: '7', ttlSeconds: 5 });
  });

  it('revoke deletes the attached keys in one txn', async () => {
    const { store } = await openTestStore();
    const { id } = await store.grant(60);
    await store.put('l/1', 'x', { lease: id }); // 2
    await store.put('l/2', 'y', { lease: id }); // 3
    const watcher = store.watch(prefixRange('l/'));
    const first = watcher[Symbol.asyncIterator]().next();
    await store.revoke(id);
    const batch = (await first).value as WatchBatch;
    expect(batch.revision).toBe(4);
    expect(batch.events.map((e) => [e.type, e.kv.key.toString()])).toEqual([
      ['delete', 'l/1'],
      ['delete', 'l/2'],
    ]);
    expect((await store.range(prefixRange('l/'))).count).toBe(0);
    await expect(store.revoke(id)).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expect(store.keepAlive(id)).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expect(store.put('l/3', 'z', { lease: id })).rejects.toBeInstanceOf(LeaseNotFoundError);
  });

  it('expires on the clock: keys are deleted in one txn and watchers see the DELETEs', async () => {
    const clock = new FakeClock();
    const { store } = await openTestStore({ clock });
    const short = await store.grant(5);
    const long = await store.grant(30);
    await store.put('s/1', 'x', { lease: short.id });
    await store.put('s/2', 'x', { lease: short.id });
    await store.put('s/3', 'x', { lease: long.id });
    const watcher = store.watch({ ...prefixRange('s/'), prevKv: true });
    const first = watcher[Symbol.asyncIterator]().next();

    clock.advance(4_999);
    expect(await store.leases()).toHaveLength(2);
    await store.keepAlive(long.id); // deadline moves to 4.999 s + 30 s
    clock.advance(1);
    const batch = (await first).value as WatchBatch;
    expect(batch.events.map((e) => [e.type, e.kv.key.toString(), e.prevKv?.lease])).toEqual([
      ['delete', 's/1', short.id],
      ['delete', 's/2', short.id],
    ]);
    expect(await store.leases()).toEqual([long.id]);
    await expect(store.keepAlive(short.id)).rejects.toBeInstanceOf(LeaseNotFoundError);

    clock.advance(30_000);
    await eventually(async () => expect((await store.range(prefixRange('s/'))).count).toBe(0));
    expect(await store.leases()).toEqual([]);
  });
});
