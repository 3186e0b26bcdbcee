import { describe, expect, it } from 'vitest';
import { scanRequest } from './incoming-request.js';

const scan = (headers: string[], limits: { header?: number; body?: number } = {}) =>
  scanRequest({ method: 'POST', path: '/', headers, peer: '127.0.0.1' }, limits.header ?? 16_384, limits.body ?? 1_000_000);

describe('scanRequest', () => {
  it('reads Host, the body length and X-Forwarded-For', () => {
    expect(scan(['host', 'a', 'content-length', '12', 'x-forwarded-for', '1.1.1.1', 'x-forwarded-for', '2.2.2.2'])).toEqual({
      error: null,
      host: 'a',
      bodyLength: 12,
      forwardedFor: '1.1.1.1, 2.2.2.2',
    });
    expect(scan(['host', 'a', 'transfer-encoding', 'Chunked']).bodyLength).toBe(-1);
    expect(scan(['host', 'a']).bodyLength).toBe(0);
  });

  it.each([
    ['CL + TE', ['host', 'a', 'content-length', '5', 'transfer-encoding', 'chunked']],
    ['two CLs', ['host', 'a', 'content-length', '5', 'content-length', '5']],
    ['CL list', ['host', 'a', 'content-length', '5, 5']],
    ['negative CL', ['host', 'a', 'content-length', '-1']],
    ['TE not chunked', ['host', 'a', 'transfer-encoding', 'gzip']],
    ['TE gzip, chunked', ['host', 'a', 'transfer-encoding', 'gzip, chunked']],
    ['TE split over lines', ['host', 'a', 'transfer-encoding', 'chunked', 'transfer-encoding', 'chunked']],
    ['no Host', ['accept', '*/*']],
    ['two Hosts', ['host', 'a', 'host', 'b']],
  ])('refuses %s with bad_request', (_name, headers) => {
    expect(scan(headers).error).toBe('bad_request');
  });

  it('refuses a head over the byte limit with header_too_large, and counts exactly', () => {
    // request line: POST + / + 12 = 17; host line: 4 + 1 + 4 = 9; x line: 1 + n + 4.
    const ok = scan(['host', 'a', 'x', 'y'.repeat(70)], { header: 17 + 9 + 75 });
    expect(ok.error).toBeNull();
    expect(scan(['host', 'a', 'x', 'y'.repeat(71)], { header: 17 + 9 + 75 }).error).toBe('header_too_large');
  });

  it('refuses a declared body over the limit with body_too_large', () => {
    expect(scan(['host', 'a', 'content-length', '101'], { body: 100 }).error).toBe('body_too_large');
    expect(scan(['host', 'a', 'content-length', '100'], { body: 100 }).error).toBeNull();
  });
});

describe('scanRequest byte checks', () => {
  it.each([
    ['a CR in a value', { headers: ['host', 'a', 'x', 'a\rb'] }],
    ['an LF in a value', { headers: ['host', 'a', 'x', 'a\nb'] }],
    ['a NUL in a value', { headers: ['host', 'a', 'x', 'a\0b'] }],
    ['a space in a name', { headers: ['host', 'a', 'x y', 'v'] }],
    ['an empty name', { headers: ['host', 'a', '', 'v'] }],
    ['a char above 0xFF in a value', { headers: ['host', 'a', 'x', 'caf\u20ac'] }],
    ['a space in the target', { path: '/a b' }],
    ['a CR in the method', { method: 'GE\rT' }],
  ])('refuses %s with bad_request', (_name, parts) => {
    const head = { method: 'GET', path: '/', headers: ['host', 'a'], peer: '127.0.0.1', ...parts };
    expect(scanRequest(head, 16_384, 1_000).error).toBe('bad_request');
  });

  it('accepts tabs, obs-text and an empty value', () => {
    expect(scanRequest({ method: 'GET', path: '/caf\u00e9', headers: ['host', 'a', 'x', 'a\tb\u00e9', 'y', ''], peer: '127.0.0.1' }, 16_384, 1_000).error).toBeNull();
  });
});
