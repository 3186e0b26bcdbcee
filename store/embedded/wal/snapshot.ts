/**
 * Snapshots: the MVCC state (every key's retained history, tombstones included), the revisions and
 * the leases as of WAL record `walIndex`, so recovery loads it and replays only later records.
 * Keeping the retained history (not just the latest values) means reads at old revisions and watch
 * replay from any revision >= compactRevision work the same after a restart as before it.
 *
 * File `<walIndex, 16 hex digits>.snap`, a sequence of framed records (see record.ts):
 *   META  walIndex, revision, compactRevision, leases (id, ttlSeconds, deadlineMs)
 *   KEYS  * a page of keys, each: key, changes (revision, sub, live, [value, createRevision, version, lease])
 *   END   number of keys, so a file cut short is detected
 * It is written to `<name>.tmp`, fsynced, renamed into place, and the directory fsynced.
 */
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptDataError } from '../../errors.js';
import type { KeyValue, LeaseId } from '../../store.js';
import { ByteReader, ByteWriter } from '../binary.js';
import { fsyncDir } from '../fsync-dir.js';
import { tombstoneKv } from '../mvcc/key-index.js';
import type { KeyHistory } from '../mvcc/kv-store.js';
import { decodeFrames, encodeFrame, FRAME_OVERHEAD, sealFrame } from './record.js';

const META = 16;
const KEYS = 17;
const END = 18;
const SNAP_RE = /^([0-9a-f]{16})\.snap$/;

/** A lease as persisted: the absolute deadline survives restarts, so the remaining TTL does. */
export interface PersistedLease {
  id: LeaseId;
  ttlSeconds: number;
  deadlineMs: number;
}

/** Everything in a snapshot except the key histories. */
export interface SnapshotMeta {
  walIndex: number;
  revision: number;
  compactRevision: number;
  leases: PersistedLease[];
}

/** Snapshot files in `dir`, newest last. */
export async function listSnapshots(dir: string): Promise<Array<{ path: string; walIndex: number }>> {
  const out: Array<{ path: string; walIndex: number }> = [];
  for (const name of await readdir(dir)) {
    const match = SNAP_RE.exec(name);
    if (match) out.push({ path: join(dir, name), walIndex: parseInt(match[1]!, 16) });
  }
  return out.sort((a, b) => a.walIndex - b.walIndex);
}

/**
 * Writes a snapshot. `nextPage` is called until it returns undefined; each page is written before
 * the next is asked for, so the event loop keeps running between pages.
 */
export async function writeSnapshot(dir: string, meta: SnapshotMeta, nextPage: () => KeyHistory[] | undefined): Promise<string> {
  const path = join(dir, `${meta.walIndex.toString(16).padStart(16, '0')}.snap`);
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  let keys = 0;
  try {
    await handle.write(encodeFrame(META, encodeMeta(meta)));
    for (let page = nextPage(); page; page = nextPage()) {
      if (page.length === 0) continue;
      keys += page.length;
      await handle.write(encodeKeys(page));
    }
    await handle.write(encodeFrame(END, new ByteWriter(8).varuint(keys).finish()));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncDir(dir);
  return path;
}

/** Loads a snapshot, handing each key's history to `onKey`; any damage is `CorruptDataError`. */
export async function loadSnapshot(path: string, onKey: (history: KeyHistory) => void): Promise<SnapshotMeta> {
  const buf = await readFile(path);
  const { frames, damage } = decodeFrames(buf);
  if (damage) {
    throw new CorruptDataError(`snapshot ${path} is damaged at byte offset ${damage.offset} (${damage.reason}); refusing to start`);
  }
  let meta: SnapshotMeta | undefined;
  let keys = 0;
  for (const [i, frame] of frames.entries()) {
    try {
      if (i === 0 && frame.type === META) meta = decodeMeta(frame.payload);
      else if (meta && frame.type === KEYS) keys += decodeKeys(frame.payload, onKey);
      else if (meta && frame.type === END && i === frames.length - 1) {
        const expected = new ByteReader(frame.payload).varuint();
        if (expected !== keys) throw new RangeError(`holds ${keys} keys, END says ${expected}`);
        return meta;
      } else throw new RangeError(`unexpected record type ${frame.type}`);
    } catch (err) {
      throw new CorruptDataError(`snapshot ${path} is invalid at byte offset ${frame.offset}: ${String(err)}`, { cause: err });
    }
  }
  throw new CorruptDataError(`snapshot ${path} is incomplete (no END record)`);
}

/** Deletes snapshots older than `keep` and leftover temp files. */
export async function removeOldSnapshots(dir: string, keep: string | undefined): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((SNAP_RE.test(name) && path !== keep) || name.endsWith('.snap.tmp')) await unlink(path);
  }
}

function encodeMeta(meta: SnapshotMeta): Buffer {
  const w = new ByteWriter(64).varuint(meta.walIndex).varuint(meta.revision).varuint(meta.compactRevision);
  w.varuint(meta.leases.length);
  for (const lease of meta.leases) w.string(lease.id).varuint(lease.ttlSeconds).varuint(lease.deadlineMs);
  return w.finish();
}

function decodeMeta(payload: Buffer): SnapshotMeta {
  const r = new ByteReader(payload);
  const meta: SnapshotMeta = { walIndex: r.varuint(), revision: r.varuint(), compactRevision: r.varuint(), leases: [] };
  for (let n = r.varuint(); n > 0; n--) meta.leases.push({ id: r.string(), ttlSeconds: r.varuint(), deadlineMs: r.varuint() });
  return meta;
}

/** A KEYS frame, sized up front so the page is encoded into one buffer with no copying. */
function encodeKeys(page: KeyHistory[]): Buffer {
  let size = FRAME_OVERHEAD + 8;
  for (const { key, kvs } of page) {
    size += key.length + 16;
    for (const kv of kvs) size += 40 + kv.value.length + kv.lease.length;
  }
  const w = new ByteWriter(size, FRAME_OVERHEAD).varuint(page.length);
  for (const { key, kvs, subs } of page) {
    w.bytes(key).varuint(kvs.length);
    for (let i = 0; i < kvs.length; i++) {
      const kv = kvs[i]!;
      w.varuint(kv.modRevision).varuint(subs?.[i] ?? 0);
      if (kv.version > 0) w.u8(1).bytes(kv.value).varuint(kv.createRevision).varuint(kv.version).string(kv.lease);
      else w.u8(0);
    }
  }
  return sealFrame(w.finish(), KEYS);
}

function decodeKeys(payload: Buffer, onKey: (history: KeyHistory) => void): number {
  const r = new ByteReader(payload);
  const count = r.varuint();
  for (let n = 0; n < count; n++) {
    const key = r.bytes();
    const kvs: KeyValue[] = [];
    let subs: number[] | undefined;
    for (let e = r.varuint(), i = 0; i < e; i++) {
      const modRevision = r.varuint();
      const sub = r.varuint();
      if (sub !== 0) (subs ??= new Array<number>(i).fill(0)).push(sub);
      else subs?.push(0);
      if (r.u8() === 1) {
        const value = r.bytes();
        kvs.push(Object.freeze({ key, value, createRevision: r.varuint(), modRevision, version: r.varuint(), lease: r.string() }));
      } else kvs.push(tombstoneKv(key, modRevision));
    }
    onKey({ key, kvs, subs });
  }
  if (!r.done) throw new RangeError('trailing bytes in a KEYS record');
  return count;
}
