import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FrameScanner, closeFrame } from './frame-scanner.js';

/** ws's own framing classes (exported by the package, not declared by @types/ws). */
const { Receiver, Sender } = createRequire(import.meta.url)('ws') as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): void };
};

/** Frames as `ws` puts them on the wire (its Sender is the reference, not a copy of our logic). */
function frames(messages: Array<{ data: Buffer; opcode: number }>, mask: boolean): Buffer[] {
  return messages.map(({ data, opcode }) => Buffer.concat(Sender.frame(data, { fin: true, opcode, mask, readOnly: false, rsv1: false, maskBuffer: Buffer.alloc(4, 7) })));
}

const MESSAGES = [
  { data: Buffer.from('hi'), opcode: 1 },
  { data: Buffer.alloc(0), opcode: 9 },
  { data: Buffer.alloc(300, 1), opcode: 2 },
  { data: Buffer.alloc(70_000, 2), opcode: 2 },
  { data: Buffer.alloc(125, 3), opcode: 1 },
];

describe('FrameScanner', () => {
  for (const mask of [false, true]) {
    it(`finds every frame end in ${mask ? 'masked' : 'unmasked'} frames, whatever the chunking`, () => {
      const list = frames(MESSAGES, mask);
      const ends = new Set<number>();
      let total = 0;
      for (const f of list) ends.add((total += f.length));
      const stream = Buffer.concat(list);
      for (const size of [1, 2, 3, 7, 100, 4096, stream.length]) {
        const scanner = new FrameScanner();
        const seen: number[] = [];
        for (let at = 0; at < stream.length; at += size) {
          const chunk = stream.subarray(at, Math.min(at + size, stream.length));
          let offset = 0;
          while (offset < chunk.length) {
            const taken = scanner.scan(chunk.subarray(offset), true);
            offset += taken === 0 ? scanner.scan(chunk.subarray(offset, offset + 1)) : taken;
            if (scanner.atBoundary) seen.push(at + offset);
          }
        }
        expect(new Set(seen), `chunks of ${size}`).toEqual(ends);
      }
    });
  }

  it('stops at the end of the frame in progress and takes nothing at a boundary', () => {
    const [a, b] = frames(MESSAGES.slice(0, 3).filter((_, i) => i !== 1), false);
    const scanner = new FrameScanner();
    expect(scanner.scan(a!.subarray(0, 2))).toBe(2);
    expect(scanner.atBoundary).toBe(false);
    const rest = Buffer.concat([a!.subarray(2), b!]);
    expect(scanner.scan(rest, true)).toBe(a!.length - 2);
    expect(scanner.atBoundary).toBe(true);
    expect(scanner.scan(b!, true)).toBe(0);
  });

  it('notices a close frame', () => {
    const scanner = new FrameScanner();
    scanner.scan(Buffer.concat(frames([{ data: Buffer.from('x'), opcode: 1 }], true)));
    expect(scanner.sawClose).toBe(false);
    scanner.scan(closeFrame(1000, '', true));
    expect(scanner.sawClose).toBe(true);
  });
});

describe('closeFrame', () => {
  for (const masked of [false, true]) {
    it(`is read by ws as a close with its code and reason (${masked ? 'masked' : 'unmasked'})`, async () => {
      const receiver = new Receiver({ isServer: masked });
      const got = new Promise<[number, string]>((resolve) => receiver.on('conclude', (code: number, reason: Buffer) => resolve([code, reason.toString()])));
      receiver.write(closeFrame(1001, 'going away', masked));
      expect(await got).toEqual([1001, 'going away']);
    });
  }
});
