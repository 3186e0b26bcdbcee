import { describe, expect, it } from 'vitest';
import { LineSplitter, parseEventLine } from './engine-events.js';

const managed = { 'vortex.managed': 'true', 'vortex.app': 'hello', 'vortex.instance': 'i-1' };

function line(fields: Record<string, unknown>): string {
  return JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: { ...managed, exitCode: '137' } }, time: 1_700_000_000, timeNano: 1_700_000_000_123_456_800, ...fields });
}

describe('LineSplitter', () => {
  it.each([
    { desc: 'one chunk, several lines', chunks: ['a\nb\nc\n'], expected: [['a', 'b', 'c']] },
    { desc: 'a line split across chunks', chunks: ['{"a":', '1}\n{"b"', ':2}\n'], expected: [[], ['{"a":1}'], ['{"b":2}']] },
    { desc: 'blank lines skipped', chunks: ['\n\na\n\n'], expected: [['a']] },
    { desc: 'no newline yet', chunks: ['abc'], expected: [[]] },
  ])('$desc', ({ chunks, expected }) => {
    const splitter = new LineSplitter();
    expect(chunks.map((chunk) => splitter.push(Buffer.from(chunk)))).toEqual(expected);
  });

  it('drops a line longer than the bound whole and resumes after its newline', () => {
    const splitter = new LineSplitter(8);
    expect(splitter.push('ok\n0123456789')).toEqual(['ok']);
    expect(splitter.push('more-of-it\nnext\n')).toEqual(['next']);
    expect(splitter.dropped).toBe(1);
  });
});

describe('parseEventLine', () => {
  it.each([
    { desc: 'die with exit code', text: line({}), expected: { action: 'die', id: 'c1', app: 'hello', instanceId: 'i-1', exitCode: 137 } },
    { desc: 'start', text: line({ Action: 'start' }), expected: { action: 'start', id: 'c1', app: 'hello', instanceId: 'i-1' } },
    { desc: 'destroy', text: line({ Action: 'destroy' }), expected: { action: 'destroy', id: 'c1' } },
  ])('reads $desc', ({ text, expected }) => {
    const event = parseEventLine(text);
    expect(event).toMatchObject(expected);
    expect(event?.at).toBeCloseTo(1_700_000_000_123, -1);
  });

  it.each([
    { desc: 'not JSON', text: '{"Type":' },
    { desc: 'an image event', text: line({ Type: 'image' }) },
    { desc: 'another action', text: line({ Action: 'exec_die' }) },
    { desc: 'an unmanaged container', text: line({ Actor: { ID: 'c1', Attributes: { 'vortex.app': 'hello' } } }) },
    { desc: 'a JSON scalar', text: '42' },
  ])('ignores $desc', ({ text }) => {
    expect(parseEventLine(text)).toBeUndefined();
  });
});
