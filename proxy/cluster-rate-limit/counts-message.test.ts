import { describe, expect, it } from 'vitest';
import { parseIp } from '../ip-address.js';
import type { CountsMessage } from './counts-message.js';
import { MAX_DECODED_ENTRIES, decodeCounts, encodeCounts, formatClientKey, shiftCounts } from './counts-message.js';

const message: CountsMessage = {
  window: 10_000,
  bucket: 176_412_345,
  curr: [
    ['198.51.100.7', 15],
    ['2001:db8:1:2:0:0:0:0', 3],
  ],
  prev: [['198.51.100.7', 20]],
};

describe('counts message', () => {
  it('is compact JSON and reads back as written', () => {
    const text = encodeCounts(message);
    expect(text).toBe('{"w":10000,"b":176412345,"c":[["198.51.100.7",15],["2001:db8:1:2:0:0:0:0",3]],"p":[["198.51.100.7",20]]}');
    expect(decodeCounts(Buffer.from(text))).toEqual(message);
  });

  it.each([
    ['not JSON', '{"w":'],
    ['no window', '{"b":1,"c":[],"p":[]}'],
    ['a negative bucket', '{"w":1000,"b":-1,"c":[],"p":[]}'],
    ['a zero count', '{"w":1000,"b":1,"c":[["1.2.3.4",0]],"p":[]}'],
    ['a fractional count', '{"w":1000,"b":1,"c":[["1.2.3.4",1.5]],"p":[]}'],
    ['an entry that is not a pair', '{"w":1000,"b":1,"c":[["1.2.3.4"]],"p":[]}'],
    ['a client key over 64 characters', `{"w":1000,"b":1,"c":[["${'a'.repeat(65)}",1]],"p":[]}`],
  ])('refuses %s', (_name, text) => {
    expect(decodeCounts(text)).toBeUndefined();
  });

  it(`refuses a list over ${MAX_DECODED_ENTRIES} entries`, () => {
    const many = Array.from({ length: MAX_DECODED_ENTRIES + 1 }, (_, i) => [`10.0.${i >> 8}.${i & 255}`, 1]);
    expect(decodeCounts(JSON.stringify({ w: 1000, b: 1, c: many, p: [] }))).toBeUndefined();
  });

  it('shifts to a later bucket: current becomes previous, then nothing', () => {
    expect(shiftCounts(message, message.bucket)).toBe(message);
    expect(shiftCounts(message, message.bucket + 1)).toEqual({ window: 10_000, bucket: message.bucket + 1, curr: [], prev: message.curr });
    expect(shiftCounts(message, message.bucket + 2)).toEqual({ window: 10_000, bucket: message.bucket + 2, curr: [], prev: [] });
  });

  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['2001:db8:1:2::', '2001:db8:1:2:0:0:0:0'],
    ['fe80::ffff:1', 'fe80:0:0:0:0:0:ffff:1'],
  ])('writes the client %s as %s, which parses back to the same key', (address, text) => {
    const parts = parseIp(address)!;
    expect(formatClientKey(parts)).toBe(text);
    expect(parseIp(text)).toEqual(parts);
  });
});
