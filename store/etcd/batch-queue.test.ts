import { describe, expect, it } from 'vitest';
import type { WatchBatch } from '../store.js';
import { BatchQueue, HIGH_WATER_BATCHES, LOW_WATER_BATCHES } from './batch-queue.js';

const batch = (revision: number): WatchBatch => ({ revision, events: [] });

describe('BatchQueue', () => {
  it('delivers batches in order, then ends after the buffered ones', async () => {
    const queue = new BatchQueue({ pause: () => undefined, resume: () => undefined });
    queue.push(batch(1));
    queue.push(batch(2));
    queue.end();
    queue.push(batch(3));
    const seen: number[] = [];
    for await (const b of queue) seen.push(b.revision);
    expect(seen).toEqual([1, 2]);
  });

  it('hands a batch straight to a waiting reader, and fails it after the buffered batches', async () => {
    const queue = new BatchQueue({ pause: () => undefined, resume: () => undefined });
    const iterator = queue[Symbol.asyncIterator]();
    const waiting = iterator.next();
    queue.push(batch(5));
    expect(await waiting).toEqual({ value: batch(5), done: false });
    queue.push(batch(6));
    queue.fail(new Error('compacted'));
    expect(await iterator.next()).toEqual({ value: batch(6), done: false });
    await expect(iterator.next()).rejects.toThrow('compacted');
  });

  it('pauses the producer at the high water mark and resumes it at the low one', async () => {
    const calls: string[] = [];
    const queue = new BatchQueue({ pause: () => calls.push('pause'), resume: () => calls.push('resume') });
    for (let i = 1; i <= HIGH_WATER_BATCHES; i++) queue.push(batch(i));
    expect(calls).toEqual(['pause']);
    const iterator = queue[Symbol.asyncIterator]();
    for (let i = 0; i < HIGH_WATER_BATCHES - LOW_WATER_BATCHES - 1; i++) await iterator.next();
    expect(calls).toEqual(['pause']);
    await iterator.next();
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('clear drops what is buffered and ends at once', async () => {
    const queue = new BatchQueue({ pause: () => undefined, resume: () => undefined });
    queue.push(batch(1));
    queue.clear();
    expect(await queue[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
  });
});
