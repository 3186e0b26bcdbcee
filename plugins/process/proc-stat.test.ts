import { describe, expect, it } from 'vitest';
import { parseProcStat, readProcStat } from './proc-stat.js';

const tail = '441584 3133440 393 18446744073709551615 93973456965632 0';
const fields = (state: string) => `${state} 13540 13540 30012 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 ${tail}`;

describe('parseProcStat', () => {
  it.each([
    { desc: 'a plain command', text: `13543 (cat) ${fields('R')}`, expected: { pid: 13543, state: 'R', pgrp: 13540, startTime: '441584', cpuTicks: 0, userTicks: 0 } },
    { desc: 'a name with spaces and ")"', text: `7 (a) b (c)) ${fields('S')}`, expected: { pid: 7, state: 'S', pgrp: 13540, startTime: '441584', cpuTicks: 0, userTicks: 0 } },
    { desc: 'a zombie', text: `9 (node) ${fields('Z')}`, expected: { pid: 9, state: 'Z', pgrp: 13540, startTime: '441584', cpuTicks: 0, userTicks: 0 } },
  ])('reads $desc', ({ text, expected }) => {
    expect(parseProcStat(text)).toEqual(expected);
  });

  it.each([
    { desc: 'empty text', text: '' },
    { desc: 'no parentheses', text: '1 cat R 1 1' },
    { desc: 'too few fields', text: '1 (cat) R 1 1 1' },
  ])('refuses $desc', ({ text }) => {
    expect(parseProcStat(text)).toBeUndefined();
  });

  it('reads this process, and nothing for a pid that cannot exist', async () => {
    expect(await readProcStat(process.pid)).toMatchObject({ pid: process.pid, state: expect.stringMatching(/^[RS]$/) as string });
    expect(await readProcStat(2 ** 30)).toBeUndefined();
  });
});
