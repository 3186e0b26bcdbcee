import { describe, expect, it } from 'vitest';
import { decodeFrames, encodeFrame, HEADER_BYTES } from './record.js';

const frames = (...payloads: string[]): Buffer => Buffer.concat(payloads.map((p, i) => encodeFrame(i + 1, Buffer.from(p))));

describe('record framing', () => {
  it('round-trips records with their types and offsets', () => {
    const buf = frames('alpha', '', 'gamma');
    const { frames: decoded, validEnd, damage } = decodeFrames(buf);
    expect(damage).toBeUndefined();
    expect(validEnd).toBe(buf.length);
    expect(decoded.map((f) => [f.type, f.payload.toString()])).toEqual([
      [1, 'alpha'],
      [2, ''],
      [3, 'gamma'],
    ]);
    expect(decoded[1]!.offset).toBe(HEADER_BYTES + 1 + 5);
  });

  it.each([
    ['cut in the header', 5],
    ['cut in the payload', 3],
    ['cut mid-payload', 20],
  ])('treats a last record %s as torn', (_name, keep) => {
    const good = frames('one', 'two');
    const last = encodeFrame(9, Buffer.from('a-longer-third-record'));
    const buf = Buffer.concat([good, last.subarray(0, keep)]);
    const { frames: decoded, validEnd, damage } = decodeFrames(buf);
    expect(decoded).toHaveLength(2);
    expect(validEnd).toBe(good.length);
    expect(damage).toMatchObject({ offset: good.length, torn: true });
  });

  it('treats a zero-filled tail as torn', () => {
    const good = frames('one');
    const { damage } = decodeFrames(Buffer.concat([good, Buffer.alloc(4096)]));
    expect(damage).toMatchObject({ offset: good.length, torn: true });
  });

  it('treats a bad CRC on the very last record as torn', () => {
    const buf = frames('one', 'two');
    buf[buf.length - 1]! ^= 0xff;
    expect(decodeFrames(buf).damage).toMatchObject({ reason: 'CRC mismatch', torn: true });
  });

  it('reports a flipped payload byte followed by more records as corruption', () => {
    const buf = frames('one', 'two', 'three');
    buf[HEADER_BYTES + 2]! ^= 0x01;
    const { frames: decoded, damage } = decodeFrames(buf);
    expect(decoded).toHaveLength(0);
    expect(damage).toEqual({ offset: 0, reason: 'CRC mismatch', torn: false });
  });

  it('reports a flipped length byte as corruption instead of reading a huge record', () => {
    const buf = frames('one', 'two', 'three');
    const second = HEADER_BYTES + 4;
    buf[second + 1]! ^= 0x40;
    const { frames: decoded, damage } = decodeFrames(buf);
    expect(decoded).toHaveLength(1);
    expect(damage).toMatchObject({ offset: second, torn: false });
    expect(damage!.reason).toMatch(/bad length field/);
  });
});
