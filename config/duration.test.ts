import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['1s', 1_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['0s', 0],
    [' 15s ', 15_000],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', '5x', 's', '-1s', '1 s', '1d', '1s2', 'ms'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [1_000, '1s'],
    [1_500, '1500ms'],
    [120_000, '2m'],
    [3_600_000, '1h'],
    [0, '0ms'],
  ])('%i ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
