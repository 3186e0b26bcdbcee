import { describe, expect, it } from 'vitest';
import { closestKey } from './suggest.js';

describe('closestKey', () => {
  const known = ['min_replicas', 'max_replicas', 'starting_port', 'settings'];
  it('finds near misses', () => {
    expect(closestKey('min_replica', known)).toBe('min_replicas');
    expect(closestKey('max_replcas', known)).toBe('max_replicas');
    expect(closestKey('Settings', known)).toBe('settings');
  });
  it('stays quiet when nothing is close', () => {
    expect(closestKey('image', known)).toBeUndefined();
  });
});
