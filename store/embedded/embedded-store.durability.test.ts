import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/eventually.js';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { openTestStore, recordingLogger } from '../../test/helpers/embedded-store.js';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { CorruptDataError, DataDirLockedError } from '../errors.js';
import { prefixRange, type WatchBatch } from '../store.js';
import { EmbeddedStore } from './embedded-store.js';
import { decodeFrames } from './wal/record.js';

const segments = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
const snapshots = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith('.snap')).sort();

async function writeSome(store: EmbeddedStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await store.txn({ success: [{ op: 'put', key: `k/${i % 7}`, value: `v${i}` }, { op: 'put', key: `m/${i}`, value: 'x' }] });
}

describe('EmbeddedStore durability', () => {
  it('keeps data, revisions, versions and leases (remaining TTL) across a restart', async () => {
    const clock = new FakeClock();
    const { store, dir } = await openTestStore({ clock });
    const lease = await store.grant(30);
    await store.put('leased', 'v', { lease: lease.id });
    await writeSome(store, 20);
    await store.delete({ key: 'k/3' });
    const before = await store.range({ key: 'k/', rangeEnd: 'z' });
    clock.advance(10_000);
    await store.close();

    clock.advance(5_000); // down for 5 s: the lease keeps counting
    const { store: reopened } = await openTestStore({ dataDir: dir, clock });
    expect(await reopened.range({ key: 'k/', rangeEnd: 'z' })).toEqual(before);
    expect(await reopened.timeToLive(lease.id, { keys: true })).toEqual({
      id: lease.id,
      ttlSeconds: 15,
      grantedTtlSeconds: 30,
      keys: [Buffer.from('leased')],
    });
    expect(await reopened.put('next', 'x')).toEqual({ revision: before.revision + 1 });
    clock.advance(15_000);
    await eventually(async () => expect(await reopened.get('leased')).toBeUndefined());
  });

  it('snapshots, deletes covered segments, and keeps history, compaction and watch replay after restart', async () => {
    const options = { snapshotEveryRecords: 25, walSegmentBytes: 512, retainRevisions: 0 };
    const { store, dir } = await openTestStore(options);
    await writeSome(store, 60);
    await store.compact(10);
    await store.txn({ success: [{ op: 'put', key: 'z/2', value: '1' }, { op: 'put', key: 'z/1', value: '1' }] }); // 62
    await writeSome(store, 80); // enough WAL for a later snapshot to cover revision 62
    await store.close();
    expect(store.stats().snapshots).toBeGreaterThanOrEqual(2);
    expect(await snapshots(dir)).toHaveLength(1);
    const walFiles = await segments(dir);
    expect(walFiles.length).toBeLessThan(20);
    expect(walFiles[0]).not.toBe('0000000000000001.wal');

    const { store: reopened } = await openTestStore({ ...options, dataDir: dir });
    expect(reopened.stats()).toMatchObject({ revision: 142, compactRevision: 10 });
    expect((await reopened.get('k/0', { revision: 12 }))?.modRevision).toBe(9);
    await expect(reopened.get('k/0', { revision: 9 })).rejects.toMatchObject({ code: 'VX_STORE_COMPACTED' });
    // k/1 is written at revisions 3, 10, 17, ...: replay from 11 finds 17, its prevKv the one kept at 10.
    const it = reopened.watch({ key: 'k/1', startRevision: 11, prevKv: true })[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toMatchObject({ revision: 17, events: [{ type: 'put', kv: { version: 3 }, prevKv: { modRevision: 10 } }] });
    // A txn's events keep the txn's order, not key order (sub-revisions survive snapshot and replay).
    const z = await reopened.watch({ ...prefixRange('z/'), startRevision: 62 })[Symbol.asyncIterator]().next();
    expect((z.value as WatchBatch).events.map((e) => e.kv.key.toString())).toEqual(['z/2', 'z/1']);
  });

  it('logs a range delete or a lease revoke as one small record, replayed to the same result', async () => {
    const { store, dir } = await openTestStore();
    const { id } = await store.grant(60);
    await Promise.all(Array.from({ length: 500 }, (_, i) => store.put(`p/${i}`, 'x'.repeat(100), { lease: i % 2 ? id : '0' })));
    const before = store.stats().wal.bytes;
    await store.revoke(id);
    await store.delete(prefixRange('p/'));
    expect(store.stats().wal.bytes - before).toBeLessThan(100);
    const at = store.stats().revision;
    await store.close();
    const { store: reopened } = await openTestStore({ dataDir: dir });
    expect(reopened.stats().revision).toBe(at);
    expect((await reopened.range({ ...prefixRange('p/'), revision: at - 2 })).count).toBe(500);
    expect((await reopened.range({ ...prefixRange('p/'), revision: at - 1 })).count).toBe(250);
    expect((await reopened.range(prefixRange('p/'))).count).toBe(0);
  });

  it('opens a WAL whose last record is torn, with a warning, and truncates it', async () => {
    const { store, dir } = await openTestStore();
    await writeSome(store, 5);
    await store.close();
    const [segment] = await segments(dir);
    const path = join(dir, segment!);
    const size = (await stat(path)).size;
    await writeFile(path, (await readFile(path)).subarray(0, size - 7));

    const logger = recordingLogger();
    const { store: reopened } = await openTestStore({ dataDir: dir, logger });
    expect(reopened.stats().revision).toBe(5); // the 5th txn (revision 6) was cut
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(/torn record/);
    expect(logger.warnings[0]!.fields).toMatchObject({ file: path });
    expect((await stat(path)).size).toBeLessThan(size - 7);
    await reopened.put('after', 'x');
    await reopened.close();
    const { store: again } = await openTestStore({ dataDir: dir });
    expect(await again.get('after')).toMatchObject({ modRevision: 6 });
  });

  it('refuses to open a WAL with a flipped byte before the tail, naming file and offset', async () => {
    const { store, dir } = await openTestStore();
    await writeSome(store, 5);
    await store.close();
    const path = join(dir, (await segments(dir))[0]!);
    const buf = await readFile(path);
    const second = decodeFrames(buf).frames[1]!.offset;
    buf[second + 20]! ^= 0x10; // a payload byte of the second of five records
    await writeFile(path, buf);
    const opening = EmbeddedStore.open({ dataDir: dir });
    await expect(opening).rejects.toBeInstanceOf(CorruptDataError);
    await expect(opening).rejects.toThrow(`store: WAL file ${path} is damaged at byte offset ${second} (CRC mismatch) and more data follows; refusing to start`);
    await expect(readdir(dir)).resolves.not.toContain('LOCK');
  });

  it('refuses to open with a damaged snapshot', async () => {
    const { store, dir } = await openTestStore({ snapshotEveryRecords: 3 });
    await writeSome(store, 5);
    await store.close();
    const [snapshot] = await snapshots(dir);
    const path = join(dir, snapshot!);
    const buf = await readFile(path);
    buf[buf.length >> 1]! ^= 0x01;
    await writeFile(path, buf);
    await expect(EmbeddedStore.open({ dataDir: dir })).rejects.toThrow(new RegExp(`^store: snapshot ${path} is damaged at byte offset \\d+`));
  });

  it('refuses a second opener of the same data directory and takes over a stale lock', async () => {
    const dir = await tempDir();
    const { store } = await openTestStore({ dataDir: dir });
    await expect(EmbeddedStore.open({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
    await store.close();
    await writeFile(join(dir, 'LOCK'), '2147483646\n'); // a pid that is not running
    const logger = recordingLogger();
    const { store: taken } = await openTestStore({ dataDir: dir, logger });
    expect(logger.warnings[0]!.message).toMatch(/stale/);
    expect(await readFile(join(dir, 'LOCK'), 'utf8')).toBe(`${process.pid}\n`);
    await taken.close();
    expect(await readdir(dir)).not.toContain('LOCK');
  });

  it('group-commits concurrent writes: many puts share one fdatasync', async () => {
    const { store } = await openTestStore();
    const before = store.stats().wal;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.put(`g/${i}`, 'v')));
    const after = store.stats().wal;
    expect(new Set(results.map((r) => r.revision)).size).toBe(200);
    expect(after.records - before.records).toBe(200);
    expect(after.syncs - before.syncs).toBeLessThanOrEqual(2);
    expect((await store.range(prefixRange('g/'))).count).toBe(200);
  });
});
