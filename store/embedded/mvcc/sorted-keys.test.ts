import { describe, expect, it } from 'vitest';
import { SortedKeys } from './sorted-keys.js';

/** Deterministic pseudo-random keys (xorshift), including bytes >= 0x80 and empty-ish prefixes. */
function* randomKeys(count: number, seed = 42): Generator<string> {
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const length = 1 + (Math.abs(x) % 6);
    let key = '';
    for (let j = 0; j < length; j++) key += String.fromCharCode((Math.abs(x) >>> (j * 4)) & 0xff);
    yield key;
  }
}

describe('SortedKeys', () => {
  it('matches a sorted array through inserts and deletes across many chunk splits', () => {
    const keys = new SortedKeys();
    const model = new Set<string>();
    let n = 0;
    for (const key of randomKeys(5000)) {
      if (n++ % 3 === 2) expect(keys.delete(key)).toBe(model.delete(key));
      else expect(keys.insert(key)).toBe(!model.has(key) && model.add(key) !== undefined);
    }
    const sorted = [...model].sort();
    expect(keys.size).toBe(sorted.length);
    expect([...keys.range('', undefined)]).toEqual(sorted);
  });

  it('scans half-open ranges in byte order', () => {
    const keys = new SortedKeys();
    for (const key of ['b', 'a', 'ab', 'c', '\xff', 'ba']) keys.insert(key);
    expect([...keys.range('a', 'b')]).toEqual(['a', 'ab']);
    expect([...keys.range('b', undefined)]).toEqual(['b', 'ba', 'c', '\xff']);
    expect([...keys.range('bb', 'c')]).toEqual([]);
    expect(keys.slice('ab', 2)).toEqual(['ab', 'b']);
  });

  it('scans correctly across chunk boundaries', () => {
    const keys = new SortedKeys();
    const all = Array.from({ length: 3000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    for (const key of [...all].reverse()) keys.insert(key);
    expect([...keys.range('k01000', 'k02000')]).toEqual(all.slice(1000, 2000));
    for (const key of all.slice(500, 2500)) keys.delete(key);
    expect([...keys.range('', undefined)]).toEqual([...all.slice(0, 500), ...all.slice(2500)]);
  });
});
