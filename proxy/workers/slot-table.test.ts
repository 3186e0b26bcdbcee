import { describe, expect, it } from 'vitest';
import { SlotTable } from './slot-table.js';

describe('SlotTable', () => {
  it('keeps a name at its index and refuses past the bound', () => {
    const t = new SlotTable(2);
    expect(t.allocate('a')).toBe(0);
    expect(t.allocate('b')).toBe(1);
    expect(t.allocate('a')).toBe(0);
    expect(t.allocate('c')).toBe(-1);
    expect(t.get('c')).toBeUndefined();
    expect(t.size).toBe(2);
  });

  it('reuses freed indices, lowest first', () => {
    const t = new SlotTable(4);
    for (const name of ['a', 'b', 'c', 'd']) t.allocate(name);
    t.release('c');
    t.release('a');
    t.release('zz');
    expect(t.allocate('e')).toBe(0);
    expect(t.allocate('f')).toBe(2);
    expect([...t.entries()].sort()).toEqual([['b', 1], ['d', 3], ['e', 0], ['f', 2]]);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new SlotTable(0)).toThrow('capacity must be an integer ≥ 1 (got 0)');
  });
});
