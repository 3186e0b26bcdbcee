import { describe, expect, it } from 'vitest';
import { TopCounts } from './top-counts.js';

function kept(top: TopCounts): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  top.forEach((count, slot) => out.push([count, slot]));
  return out.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
}

describe('TopCounts', () => {
  it('keeps the largest counts of many, whatever the order they come in', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % 10_000;
    const offered = Array.from({ length: 5_000 }, (_, slot) => [random(), slot] as [number, number]);
    const top = new TopCounts(50);
    for (const [count, slot] of offered) top.offer(count, slot);
    const expected = [...offered].sort((a, b) => b[0] - a[0]).slice(0, 50).map(([count]) => count);
    expect(kept(top).map(([count]) => count)).toEqual(expected);
  });

  it('keeps everything while under max, and the first of equal counts at the cut', () => {
    const top = new TopCounts(3);
    top.offer(5, 1);
    top.offer(2, 2);
    expect(kept(top)).toEqual([
      [5, 1],
      [2, 2],
    ]);
    top.offer(2, 3);
    top.offer(2, 4);
    top.offer(1, 5);
    expect(kept(top)).toEqual([
      [5, 1],
      [2, 2],
      [2, 3],
    ]);
    top.offer(3, 6);
    expect(kept(top).map(([count]) => count)).toEqual([5, 3, 2]);
  });

  it('validates max', () => {
    expect(() => new TopCounts(0)).toThrow('max must be an integer ≥ 1 (got 0)');
  });
});
