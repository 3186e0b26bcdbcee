import { describe, expect, it } from 'vitest';
import { AccessLog } from './access-log.js';

describe('AccessLog', () => {
  it('samples every Nth forwarded request exactly and always takes the proxy’s own errors', () => {
    const log = new AccessLog({ info: () => undefined }, 0.25);
    const picked = Array.from({ length: 12 }, () => log.wants(null));
    expect(picked.filter(Boolean)).toHaveLength(3);
    expect(picked[3]).toBe(true);
    expect(log.wants('no_backend')).toBe(true);
    expect(new AccessLog({ info: () => undefined }, 1).wants(null)).toBe(true);
  });

  it('writes one entry as structured fields', () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = new AccessLog({ info: (fields) => lines.push(fields) }, 1);
    const entry = { app: 'a', method: 'GET', path: '/', status: 200, durationMs: 1.5, backend: '127.0.0.1:1', peer: '127.0.0.1', error: null };
    log.write(entry);
    expect(lines).toEqual([{ access: entry }]);
  });
});
