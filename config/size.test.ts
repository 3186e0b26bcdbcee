import { describe, expect, it } from 'vitest';
import { parseSize } from './size.js';

describe('parseSize', () => {
  it.each([
    [1024, 1024],
    ['512', 512],
    ['16KiB', 16_384],
    ['10MB', 10_000_000],
    ['100MiB', 104_857_600],
    ['256m', 268_435_456],
    ['1g', 1_073_741_824],
    ['2kb', 2_000],
    ['1.5KiB', 1_536],
  ])('%j → %i bytes', (input, bytes) => expect(parseSize(input)).toBe(bytes));

  it.each([-1, 1.5, '', 'MB', '10 parsecs', '-3k', '1e3'])('rejects %j', (input) => expect(parseSize(input)).toBeUndefined());
});
