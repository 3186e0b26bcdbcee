import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { decodeFrames, encodeFrame } from './record.js';
import { WalWriter, type WalFileOpener, type WalWriterOptions } from './wal-writer.js';

async function writer(dir: string, overrides: Partial<WalWriterOptions> = {}) {
  const durable: number[] = [];
  const wal = await WalWriter.open({
    dir,
    segmentBytes: 1 << 20,
    nextIndex: 1,
    segments: [],
    tailBytes: 0,
    onDurable: (mark) => durable.push(mark),
    onFailure: (err) => new Error('wal failed', { cause: err }),
    ...overrides,
  });
  return { wal, durable };
}

const frame = (text: string) => encodeFrame(1, Buffer.from(text));

describe('WalWriter', () => {
  it('batches appends made while a sync is in flight into one writev + fdatasync', async () => {
    const dir = await tempDir();
    const { wal, durable } = await writer(dir);
    const first = wal.append(frame('a'), 1);
    const rest = Array.from({ length: 50 }, (_, i) => wal.append(frame(`b${i}`), 2 + i));
    await Promise.all([first, ...rest]);
    expect(wal.stats()).toMatchObject({ records: 51, syncs: 2, batches: 2 });
    expect(durable).toEqual([1, 51]);
    expect(wal.lastIndex).toBe(51);
    await wal.close();
    const [segment] = await readdir(dir);
    expect(decodeFrames(await readFile(join(dir, segment!))).frames).toHaveLength(51);
  });

  it('rotates segments by size, naming each by its first record index, and removes covered ones', async () => {
    const dir = await tempDir();
    const { wal } = await writer(dir, { segmentBytes: 100 });
    for (let i = 0; i < 12; i++) await wal.append(frame(`record-${i}-${'x'.repeat(20)}`), i);
    const names = (await readdir(dir)).sort();
    expect(names[0]).toBe('0000000000000001.wal');
    expect(names.length).toBeGreaterThan(3);
    await wal.removeSegmentsCoveredBy(6);
    const left = (await readdir(dir)).sort();
    expect(parseInt(left[0]!, 16)).toBeLessThanOrEqual(7);
    expect(left.length).toBeLessThan(names.length);
    await wal.close();
  });

  it('after a failed fdatasync, rejects that batch and every later append and flush', async () => {
    const dir = await tempDir();
    let syncs = 0;
    const failing: WalFileOpener = async (path) => {
      const handle = await open(path, 'a');
      return {
        writev: (buffers) => handle.writev(buffers),
        datasync: () => (++syncs === 2 ? Promise.reject(new Error('EIO: simulated')) : handle.datasync()),
        close: () => handle.close(),
      };
    };
    const { wal, durable } = await writer(dir, { openFile: failing });
    await wal.append(frame('ok'), 1);
    await expect(wal.append(frame('lost'), 2)).rejects.toThrow('wal failed');
    await expect(wal.append(frame('later'), 3)).rejects.toThrow('wal failed');
    await expect(wal.flushed()).rejects.toThrow('wal failed');
    expect(durable).toEqual([1]);
    await wal.close().catch(() => undefined);
  });
});
