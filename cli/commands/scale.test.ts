import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { describeScale, scaleCommand } from './scale.js';

function bufferIo(): CliIo & { text: () => { out: string; err: string } } {
  let out = '';
  let err = '';
  return { out: (t) => (out += t), err: (t) => (err += t), text: () => ({ out, err }) };
}

describe('vortex scale', () => {
  it.each<[string | undefined, boolean | undefined, string]>([
    [undefined, undefined, 'vortex scale: give either a replica count or --clear, e.g. `vortex scale hello 3` or `vortex scale hello --clear`'],
    ['3', true, 'vortex scale: give either a replica count or --clear, e.g. `vortex scale hello 3` or `vortex scale hello --clear`'],
    ['three', undefined, 'vortex scale: replicas must be a whole number ≥ 0 (got "three")'],
    ['-1', undefined, 'vortex scale: replicas must be a whole number ≥ 0 (got "-1")'],
    ['2.5', undefined, 'vortex scale: replicas must be a whole number ≥ 0 (got "2.5")'],
  ])('refuses replicas %j with clear %j before calling anything (exit 2)', async (replicas, clear, message) => {
    const io = bufferIo();
    const options = clear === undefined ? { admin: 'http://127.0.0.1:9' } : { admin: 'http://127.0.0.1:9', clear };
    expect(await scaleCommand('hello', replicas, options, io)).toBe(2);
    expect(io.text()).toEqual({ out: '', err: message });
  });

  it('refuses an --admin that is not an http(s) base URL (exit 2)', async () => {
    const io = bufferIo();
    expect(await scaleCommand('hello', '3', { admin: 'ftp://127.0.0.1:8001' }, io)).toBe(2);
    expect(io.text().err).toBe('vortex scale: --admin "ftp://127.0.0.1:8001": expected a URL like http://127.0.0.1:8001 (http or https, no path)');
  });

  it('describes what was stored and what it replaced', () => {
    const manual = (replicas: number) => ({ app: 'hello', replicas, setAt: 1 });
    expect(describeScale({ app: 'hello', manual: manual(3), previous: null })).toBe(
      'hello: manual scale 3 stored (was none); the scaler holds the app at it until `vortex scale hello --clear`',
    );
    expect(describeScale({ app: 'hello', manual: manual(0), previous: manual(3) })).toMatch(/^hello: manual scale 0 stored \(was 3\);/);
    expect(describeScale({ app: 'hello', manual: null, previous: manual(3) })).toBe('hello: manual scale cleared (was 3); the scaling policy decides again');
    expect(describeScale({ app: 'hello', manual: null, previous: null })).toBe('hello: no manual scale was set; the scaling policy decides');
  });
});
