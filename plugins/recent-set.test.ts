import { expect, it } from 'vitest';
import { RecentSet } from './recent-set.js';

it('RecentSet forgets the oldest key beyond its capacity; re-adding refreshes a key', () => {
  const set = new RecentSet(2);
  set.add('a');
  set.add('b');
  set.add('a');
  set.add('c');
  expect([set.has('a'), set.has('b'), set.has('c'), set.size]).toEqual([true, false, true, 2]);
  set.delete('a');
  expect([set.has('a'), set.size]).toEqual([false, 1]);
});
