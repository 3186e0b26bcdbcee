import { describe, expect, it } from 'vitest';
import { keys } from '../store/keys.js';
import { EVENT_RETENTION } from '../store/records/scale-event.js';
import { prefixRange } from '../store/store.js';
import { openTestStore } from '../test/helpers/embedded-store.js';
import { EventSequence, eventId, pruneEvents } from './event-log.js';

describe('EventSequence', () => {
  it('is epoch ms × 1000 and strictly increasing, even when the clock stands still or steps back', () => {
    const seq = new EventSequence();
    expect([seq.next(5), seq.next(5), seq.next(4), seq.next(7)]).toEqual([5_000, 5_001, 5_002, 7_000]);
  });

  it('names events by app and zero-padded sequence', () => {
    expect(eventId('hello', 42)).toBe('hello:0000000000000042');
  });
});

describe('pruneEvents', () => {
  it('keeps the newest EVENT_RETENTION events of the app and leaves other apps alone', async () => {
    const { store } = await openTestStore();
    const seq = new EventSequence();
    const ops = Array.from({ length: EVENT_RETENTION + 30 }, (_, i) => ({ op: 'put' as const, key: keys.event('hello', seq.next(i)), value: '{}' }));
    for (let i = 0; i < ops.length; i += 100) await store.txn({ success: ops.slice(i, i + 100) });
    await store.put(keys.event('hello-2', 1), '{}');
    expect(await pruneEvents(store, 'hello')).toBe(30);
    const left = await store.range({ ...prefixRange(keys.eventsOfApp('hello')), keysOnly: true });
    expect(left.count).toBe(EVENT_RETENTION);
    expect(left.kvs[0]!.key.toString()).toBe(keys.event('hello', 30_000));
    expect((await store.range(prefixRange(keys.eventsOfApp('hello-2')))).count).toBe(1);
    expect(await pruneEvents(store, 'hello')).toBe(0);
  });
});
