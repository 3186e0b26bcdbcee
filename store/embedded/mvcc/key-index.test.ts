import { describe, expect, it } from 'vitest';
import { KeyIndex } from './key-index.js';

function history(): KeyIndex {
  // put@2, put@5, delete@7, put@9 (the worked example in key-index.ts)
  const key = new KeyIndex(Buffer.from('k'), 'k');
  key.put({ main: 2, sub: 0 }, Buffer.from('v2'), '0');
  key.put({ main: 5, sub: 0 }, Buffer.from('v5'), '0');
  key.tombstone({ main: 7, sub: 0 });
  key.put({ main: 9, sub: 1 }, Buffer.from('v9'), '0');
  return key;
}

describe('KeyIndex', () => {
  it.each([
    [1, undefined],
    [2, { value: 'v2', createRevision: 2, modRevision: 2, version: 1 }],
    [6, { value: 'v5', createRevision: 2, modRevision: 5, version: 2 }],
    [7, undefined],
    [8, undefined],
    [9, { value: 'v9', createRevision: 9, modRevision: 9, version: 1 }],
  ])('reads at revision %i', (revision, expected) => {
    const kv = history().at(revision);
    if (!expected) expect(kv).toBeUndefined();
    else expect({ ...kv, value: kv?.value.toString() }).toMatchObject(expected);
  });

  it.each([
    [4, [2, 5, 7, 9]],
    [6, [5, 7, 9]],
    [8, [9]],
    [10, [9]],
  ])('compacting at %i keeps revisions %j', (revision, kept) => {
    const key = history();
    expect(key.compact(revision)).toBe(false);
    expect(key.changes.map((kv) => kv.modRevision)).toEqual(kept);
  });

  it('reports empty after compacting past a final tombstone', () => {
    const key = new KeyIndex(Buffer.from('k'), 'k');
    key.put({ main: 2, sub: 0 }, Buffer.from('v'), '0');
    key.tombstone({ main: 3, sub: 0 });
    expect(key.compact(3)).toBe(true);
  });

  it('returns a tombstone KeyValue shaped like etcd delete events', () => {
    const key = history();
    expect(key.tombstone({ main: 11, sub: 0 })).toEqual({
      key: Buffer.from('k'),
      value: Buffer.alloc(0),
      createRevision: 0,
      modRevision: 11,
      version: 0,
      lease: '0',
    });
  });
});
