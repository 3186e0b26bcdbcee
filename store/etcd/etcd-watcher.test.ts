import type { IEvent, IKeyValue } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { batchesOf } from './etcd-watcher.js';

const kv = (key: string, modRevision: number): IKeyValue => ({
  key: Buffer.from(key),
  value: Buffer.from('v'),
  create_revision: String(modRevision),
  mod_revision: String(modRevision),
  version: '1',
  lease: '0',
});
const put = (key: string, rev: number): IEvent => ({ type: 'Put', kv: kv(key, rev) } as IEvent);
const del = (key: string, rev: number): IEvent => ({ type: 'Delete', kv: kv(key, rev) } as IEvent);

describe('batchesOf', () => {
  it('groups one response\'s events into one batch per revision, keeping their order', () => {
    const batches = batchesOf([put('b', 4), put('a', 4), del('c', 5), put('a', 7)], (why) => new Error(why));
    expect(batches.map((b) => [b.revision, b.events.map((e) => `${e.type} ${e.kv.key.toString()}`)])).toEqual([
      [4, ['put b', 'put a']],
      [5, ['delete c']],
      [7, ['put a']],
    ]);
  });

  it('refuses events that go back in revision', () => {
    expect(() => batchesOf([put('a', 5), put('b', 4)], (why) => new Error(why))).toThrow('4 after 5');
  });
});
