/** Contract cases: grant, keep-alive, time-to-live with keys, leases(), revoke, expiry. */
import { randomInt } from 'node:crypto';
import { expect, it } from 'vitest';
import { LeaseExistsError, LeaseNotFoundError } from '../errors.js';
import { WatchReader, currentRevision, eventually } from './contract-context.js';
import type { ContractContext } from './contract-context.js';

/** How long a 2-second lease may take to expire and delete its keys (etcd checks about twice a second). */
const EXPIRY_WAIT_MS = 10_000;

/** Registers the lease cases. */
export function leaseCases(ctx: ContractContext): void {
  it('grant returns a decimal id and the TTL; keys put with it carry it; keepAlive renews to the TTL', async () => {
    const store = ctx.store();
    const lease = await store.grant(30);
    expect(lease.id).toMatch(/^[1-9]\d*$/);
    expect(lease.ttlSeconds).toBe(30);
    await store.put(ctx.key('a'), '1', { lease: lease.id });
    expect((await store.get(ctx.key('a')))?.lease).toBe(lease.id);
    expect(await store.keepAlive(lease.id)).toBe(30);
    await store.revoke(lease.id);
  });

  it('grant with a chosen id uses it, and granting it again is refused', async () => {
    const store = ctx.store();
    const id = String(randomInt(1, 2 ** 47));
    expect(await store.grant(30, { id })).toEqual({ id, ttlSeconds: 30 });
    await expect(store.grant(30, { id })).rejects.toBeInstanceOf(LeaseExistsError);
    await store.revoke(id);
  });

  it('timeToLive reports remaining and granted TTL and the attached keys; leases() lists the lease', async () => {
    const store = ctx.store();
    const lease = await store.grant(60);
    await store.put(ctx.key('b'), '1', { lease: lease.id });
    await store.put(ctx.key('a'), '1', { lease: lease.id });
    const ttl = await store.timeToLive(lease.id, { keys: true });
    expect(ttl.id).toBe(lease.id);
    expect(ttl.grantedTtlSeconds).toBe(60);
    expect(ttl.ttlSeconds).toBeGreaterThan(0);
    expect(ttl.ttlSeconds).toBeLessThanOrEqual(60);
    expect(ttl.keys.map((k) => k.toString()).sort()).toEqual([ctx.key('a'), ctx.key('b')]);
    expect((await store.timeToLive(lease.id)).keys).toEqual([]);
    expect(await store.leases()).toContain(lease.id);
    await store.revoke(lease.id);
  });

  it('a put without the lease detaches the key, so revoking the lease leaves it alone', async () => {
    const store = ctx.store();
    const lease = await store.grant(60);
    await store.put(ctx.key('a'), '1', { lease: lease.id });
    await store.put(ctx.key('a'), '2');
    expect((await store.get(ctx.key('a')))?.lease).toBe('0');
    expect((await store.timeToLive(lease.id, { keys: true })).keys).toEqual([]);
    await store.revoke(lease.id);
    expect((await store.get(ctx.key('a')))?.value.toString()).toBe('2');
  });

  it('revoke deletes the attached keys in one revision that a watch sees as DELETEs', async () => {
    const store = ctx.store();
    const lease = await store.grant(60);
    await store.put(ctx.key('a'), '1', { lease: lease.id });
    await store.put(ctx.key('b'), '1', { lease: lease.id });
    await store.put(ctx.key('c'), 'unleased');
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ key: ctx.key('a'), rangeEnd: ctx.key('z'), startRevision: start }));
    try {
      await store.revoke(lease.id);
      const batch = await reader.next();
      expect(batch.revision).toBe(start);
      expect(batch.events.map((e) => [e.type, e.kv.key.toString()]).sort()).toEqual([
        ['delete', ctx.key('a')],
        ['delete', ctx.key('b')],
      ]);
      expect(await store.get(ctx.key('a'))).toBeUndefined();
      expect(await store.get(ctx.key('c'))).toBeDefined();
      expect(await currentRevision(store)).toBe(start);
    } finally {
      reader.cancel();
    }
  });

  it('a revoked lease is gone: TTL -1, not listed; keepAlive, revoke and puts with it throw LeaseNotFoundError', async () => {
    const store = ctx.store();
    const lease = await store.grant(60);
    await store.revoke(lease.id);
    expect(await store.timeToLive(lease.id)).toMatchObject({ id: lease.id, ttlSeconds: -1 });
    expect(await store.leases()).not.toContain(lease.id);
    await expect(store.keepAlive(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expect(store.revoke(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expect(store.put(ctx.key('a'), '1', { lease: lease.id })).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expect(
      store.txn({ success: [{ op: 'put', key: ctx.key('a'), value: '1', lease: lease.id }] }),
    ).rejects.toBeInstanceOf(LeaseNotFoundError);
    expect(await store.get(ctx.key('a'))).toBeUndefined();
  });

  it('a lease that is not kept alive expires, deleting its keys with a DELETE event', async () => {
    const store = ctx.store();
    // 2 s: etcd's minimum TTL with its default election timeout (shorter grants are raised to it).
    const lease = await store.grant(2);
    await store.put(ctx.key('a'), '1', { lease: lease.id });
    const start = (await currentRevision(store)) + 1;
    const reader = new WatchReader(store.watch({ key: ctx.key('a'), startRevision: start }));
    try {
      const batch = await reader.next(EXPIRY_WAIT_MS);
      expect(batch.events.map((e) => e.type)).toEqual(['delete']);
      expect(batch.revision).toBe(start);
      await eventually(async () => ((await store.timeToLive(lease.id)).ttlSeconds === -1 ? true : undefined), EXPIRY_WAIT_MS, 'lease gone');
      expect(await store.get(ctx.key('a'))).toBeUndefined();
    } finally {
      reader.cancel();
    }
  });
}
