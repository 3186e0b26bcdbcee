import { describe, expect, it } from 'vitest';
import { parseIp, wordMask } from './ip-address.js';

describe('parseIp', () => {
  it.each([
    ['127.0.0.1', { v6: false, hi: 0, lo: 0x7f000001, tail: [0, 0] }],
    ['255.255.255.255', { v6: false, hi: 0, lo: 0xffffffff, tail: [0, 0] }],
    ['0.0.0.0', { v6: false, hi: 0, lo: 0, tail: [0, 0] }],
    ['::1', { v6: true, hi: 0, lo: 0, tail: [0, 1] }],
    ['2001:db8::8a2e:370:7334', { v6: true, hi: 0x20010db8, lo: 0, tail: [0x8a2e, 0x03707334] }],
    ['2001:db8:1:2:3:4:5:6', { v6: true, hi: 0x20010db8, lo: 0x00010002, tail: [0x00030004, 0x00050006] }],
    ['::ffff:127.0.0.1', { v6: false, hi: 0, lo: 0x7f000001, tail: [0, 0] }],
    ['0000:0000:0000:0000:0000:ffff:7f00:0001', { v6: false, hi: 0, lo: 0x7f000001, tail: [0, 0] }],
    ['fe80::', { v6: true, hi: 0xfe800000, lo: 0, tail: [0, 0] }],
    ['::', { v6: true, hi: 0, lo: 0, tail: [0, 0] }],
  ])('%s', (text, parts) => expect(parseIp(text)).toEqual(parts));

  it.each(['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1..2.3', 'a.b.c.d', '1.2.3.4 ', ':::', '1::2::3', '12345::', '1:2:3:4:5:6:7', 'g::1', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3'])(
    'rejects %j',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );

  it('masks words', () => {
    expect(wordMask(0)).toBe(0);
    expect(wordMask(8)).toBe(0xff000000);
    expect(wordMask(32)).toBe(0xffffffff);
    expect(wordMask(40)).toBe(0xffffffff);
    expect(wordMask(-8)).toBe(0);
  });
});
