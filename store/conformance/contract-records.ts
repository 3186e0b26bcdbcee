/** Contract cases for typed records: validation, indexes kept in the same txn, leases, conflicts. */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import * as z from 'zod';
import { RecordConflictError, RecordValidationError } from '../records/errors.js';
import { defineRecord } from '../records/record-type.js';
import { Records } from '../records/records.js';
import { prefixRange } from '../store.js';
import { eventually } from './contract-context.js';
import type { ContractContext } from './contract-context.js';

/** A record type private to one case: its own primary prefix and its own index namespace. */
function testType(ctx: ContractContext) {
  return defineRecord({
    name: `t${randomBytes(4).toString('hex')}`,
    prefix: ctx.key('rec/'),
    idField: 'id',
    indexes: ['app', 'status'],
    schema: z.object({ id: z.string(), app: z.string(), status: z.enum(['Running', 'Draining', 'Dead']), port: z.number().int() }),
  });
}

async function indexKeys(ctx: ContractContext, typeName: string): Promise<string[]> {
  const { kvs } = await ctx.store().range({ ...prefixRange(`vortex:index:${typeName}:`), keysOnly: true });
  return kvs.map((kv) => kv.key.toString());
}

/** Registers the records cases. */
export function recordsCases(ctx: ContractContext): void {
  it('validates on write and writes nothing when invalid', async () => {
    const type = testType(ctx);
    const records = new Records(ctx.store());
    await expect(records.put(type, { id: 'a', app: 'hello', status: 'Sleeping' as 'Running', port: 1 })).rejects.toBeInstanceOf(RecordValidationError);
    expect(await records.get(type, 'a')).toBeUndefined();
    expect(await indexKeys(ctx, type.name)).toEqual([]);
  });

  it('round-trips a record and finds it through each index', async () => {
    const type = testType(ctx);
    const records = new Records(ctx.store());
    const revision = await records.put(type, { id: 'a', app: 'hello', status: 'Running', port: 3000 });
    await records.put(type, { id: 'b', app: 'hello', status: 'Draining', port: 3001 });
    await records.put(type, { id: 'c', app: 'other', status: 'Running', port: 3002 });
    expect(await records.get(type, 'a')).toMatchObject({ record: { id: 'a', port: 3000 }, modRevision: revision });
    const ids = async (where: Record<string, string>) => (await records.query(type, where)).map((s) => s.record.id);
    expect(await ids({ app: 'hello' })).toEqual(['a', 'b']);
    expect(await ids({ status: 'Running' })).toEqual(['a', 'c']);
    expect(await ids({ app: 'hello', status: 'Running' })).toEqual(['a']);
    expect(await ids({ app: 'nobody' })).toEqual([]);
    expect((await records.list(type)).map((s) => s.record.id)).toEqual(['a', 'b', 'c']);
  });

  it('an update moves its index entries; a delete removes them', async () => {
    const type = testType(ctx);
    const records = new Records(ctx.store());
    await records.put(type, { id: 'a', app: 'hello', status: 'Running', port: 3000 });
    await records.put(type, { id: 'a', app: 'hello', status: 'Draining', port: 3000 });
    expect(await records.query(type, { status: 'Running' })).toEqual([]);
    expect((await records.query(type, { status: 'Draining' })).map((s) => s.record.id)).toEqual(['a']);
    expect(await indexKeys(ctx, type.name)).toEqual([`vortex:index:${type.name}:app:hello:a`, `vortex:index:${type.name}:status:Draining:a`]);
    expect(await records.delete(type, 'a')).toBe(true);
    expect(await records.delete(type, 'a')).toBe(false);
    expect(await indexKeys(ctx, type.name)).toEqual([]);
  });

  it('compare-and-set: a write at a stale revision is refused', async () => {
    const type = testType(ctx);
    const records = new Records(ctx.store());
    await expect(records.put(type, { id: 'a', app: 'x', status: 'Running', port: 1 }, { expectModRevision: 0 })).resolves.toBeGreaterThan(0);
    const first = (await records.get(type, 'a'))!.modRevision;
    await records.put(type, { id: 'a', app: 'x', status: 'Draining', port: 1 }, { expectModRevision: first });
    await expect(records.put(type, { id: 'a', app: 'x', status: 'Dead', port: 1 }, { expectModRevision: first })).rejects.toBeInstanceOf(RecordConflictError);
    expect((await records.get(type, 'a'))!.record.status).toBe('Draining');
  });

  it('concurrent writers leave exactly one index entry per field', async () => {
    const type = testType(ctx);
    const records = new Records(ctx.store());
    const statuses = ['Running', 'Draining', 'Dead'] as const;
    await Promise.all(Array.from({ length: 12 }, (_, i) => records.put(type, { id: 'a', app: `app${i % 4}`, status: statuses[i % 3]!, port: i })));
    const { record } = (await records.get(type, 'a'))!;
    expect(await indexKeys(ctx, type.name)).toEqual([`vortex:index:${type.name}:app:${record.app}:a`, `vortex:index:${type.name}:status:${record.status}:a`]);
  });

  it('a leased record and its index entries vanish together when the lease is revoked', async () => {
    const type = testType(ctx);
    const store = ctx.store();
    const records = new Records(store);
    const lease = await store.grant(60);
    await records.put(type, { id: 'a', app: 'hello', status: 'Running', port: 1 }, { lease: lease.id });
    expect(await indexKeys(ctx, type.name)).toHaveLength(2);
    await store.revoke(lease.id);
    await eventually(async () => ((await records.get(type, 'a')) === undefined ? true : undefined), 5_000, 'record deleted');
    expect(await indexKeys(ctx, type.name)).toEqual([]);
    expect(await records.query(type, { app: 'hello' })).toEqual([]);
  });
}
