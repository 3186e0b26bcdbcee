import { describe, expect, it } from 'vitest';
import type { ScaleEventValue } from '../../store/records/scale-event.js';
import { DEFAULT_EVENT_LIMIT, MAX_EVENT_LIMIT, newestEvents, parseEventLimit } from './events-api.js';

function event(app: string, seq: number): ScaleEventValue {
  return { id: `${app}:${String(seq).padStart(16, '0')}`, app, kind: 'scale', message: `${app} ${seq}`, at: Math.floor(seq / 1000) };
}

describe('parseEventLimit', () => {
  it.each<[string | null, number]>([
    [null, DEFAULT_EVENT_LIMIT],
    ['1', 1],
    ['250', 250],
    [String(MAX_EVENT_LIMIT), MAX_EVENT_LIMIT],
  ])('limit=%s → %i', (text, limit) => {
    expect(parseEventLimit(text)).toEqual({ ok: true, limit });
  });

  it.each(['0', '1001', '-5', '2.5', 'ten', ''])('refuses limit=%j', (text) => {
    expect(parseEventLimit(text)).toEqual({ ok: false, message: `limit: must be a whole number from 1 to ${MAX_EVENT_LIMIT} (got ${JSON.stringify(text)})` });
  });
});

describe('newestEvents', () => {
  it('merges per-app lists by sequence, newest first, and keeps the newest `limit`', () => {
    const hello = [event('hello', 5_000_002), event('hello', 3_000_000)];
    const api = [event('api', 9_000_000), event('api', 4_000_001), event('api', 1_000_000)];
    expect(newestEvents([hello, api], 4).map((e) => e.message)).toEqual(['api 9000000', 'hello 5000002', 'api 4000001', 'hello 3000000']);
    expect(newestEvents([hello, api], 100)).toHaveLength(5);
    expect(newestEvents([], 10)).toEqual([]);
  });
});
