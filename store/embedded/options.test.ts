import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { DEFAULTS, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveOptions({ dataDir: '/tmp/x', walSegmentBytes: undefined });
    expect(resolved).toMatchObject({ ...DEFAULTS, dataDir: '/tmp/x' });
    expect(resolved.maxRequestBytes).toBe(1_572_864);
  });

  it('names the option, the value and the allowed range', () => {
    expect(() => resolveOptions({ dataDir: '/tmp/x', snapshotEveryRecords: 0 })).toThrow(
      new InvalidArgumentError('embedded store: snapshotEveryRecords = 0, must be an integer >= 1'),
    );
    expect(() => resolveOptions({ dataDir: '/tmp/x', retainRevisions: 1.5 })).toThrow('retainRevisions = 1.5, must be an integer >= 0');
    expect(() => resolveOptions({ dataDir: '' })).toThrow('dataDir must be a non-empty path');
  });
});
