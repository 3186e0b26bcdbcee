import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from './errors.js';
import { CHUNKED, chunkHeader, serializeRequestHead } from './request-head.js';
import type { HeaderField } from './request-head.js';

const HOST = '127.0.0.1:8080';

describe('serializeRequestHead', () => {
  const valid: Array<[string, [string, string, HeaderField[], number], string]> = [
    ['GET, default host', ['GET', '/', [], 0], `GET / HTTP/1.1\r\nhost: ${HOST}\r\n\r\n`],
    [
      'headers kept in order, duplicates apart, caller Host used',
      ['GET', '/a?b=c', ['Host', 'example.com', 'set-cookie', 'a=1', 'set-cookie', 'b=2'], 0],
      'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n\r\n',
    ],
    ['Buffer names and values', ['GET', '/', [Buffer.from('x-a'), Buffer.from('caf\xe9', 'latin1'), 'host', 'h'], 0], 'GET / HTTP/1.1\r\nx-a: caf\xe9\r\nhost: h\r\n\r\n'],
    ['fixed-length body', ['PUT', '/u', ['host', 'h'], 12], 'PUT /u HTTP/1.1\r\nhost: h\r\ncontent-length: 12\r\n\r\n'],
    ['chunked body', ['POST', '/u', ['host', 'h'], CHUNKED], 'POST /u HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n'],
    ['empty POST announces its length', ['POST', '/u', ['host', 'h'], 0], 'POST /u HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n'],
    ['empty header value, tab inside', ['GET', '*', ['host', 'h', 'x', '', 'y', 'a\tb'], 0], 'GET * HTTP/1.1\r\nhost: h\r\nx: \r\ny: a\tb\r\n\r\n'],
    ['extension method', ['PROPFIND', '/d', ['host', 'h'], 0], 'PROPFIND /d HTTP/1.1\r\nhost: h\r\n\r\n'],
  ];
  for (const [name, args, want] of valid) {
    it(name, () => {
      expect(serializeRequestHead(...args, HOST)).toBe(want);
    });
  }

  const invalid: Array<[string, [string, string, HeaderField[], number], string]> = [
    ['CRLF in a header value', ['GET', '/', ['x', 'a\r\nInjected: 1'], 0], 'invalid value for header x'],
    ['LF in a header value', ['GET', '/', ['x', 'a\nb'], 0], 'invalid value for header x'],
    ['NUL in a header value', ['GET', '/', ['x', 'a\0'], 0], 'invalid value'],
    ['CR in a Buffer value', ['GET', '/', ['x', Buffer.from('a\rb')], 0], 'invalid value'],
    ['char above latin1 in a value', ['GET', '/', ['x', 'snow \u2603'], 0], 'invalid value'],
    ['colon in a header name', ['GET', '/', ['x:y', 'v'], 0], 'invalid header name'],
    ['space in a header name', ['GET', '/', ['x y', 'v'], 0], 'invalid header name'],
    ['empty header name', ['GET', '/', ['', 'v'], 0], 'invalid header name'],
    ['CRLF in a header name', ['GET', '/', ['x\r\n', 'v'], 0], 'invalid header name'],
    ['odd header list', ['GET', '/', ['x'], 0], 'pairs'],
    ['space in the path', ['GET', '/a b', [], 0], 'invalid request target'],
    ['CRLF in the path', ['GET', '/a\r\nX: y', [], 0], 'invalid request target'],
    ['empty path', ['GET', '', [], 0], 'invalid request target'],
    ['space in the method', ['GE T', '/', [], 0], 'invalid method'],
    ['CRLF in the method', ['GET\r\n', '/', [], 0], 'invalid method'],
    ['CONNECT', ['CONNECT', 'example.com:443', [], 0], 'CONNECT is not supported'],
    ['caller Content-Length', ['POST', '/', ['Content-Length', '5'], 5], 'Content-Length is set by the client'],
    ['caller Transfer-Encoding', ['POST', '/', ['transfer-encoding', 'chunked'], CHUNKED], 'transfer-encoding is set by the client'],
  ];
  for (const [name, args, reason] of invalid) {
    it(`refuses ${name}`, () => {
      let err: unknown;
      try {
        serializeRequestHead(...args, HOST);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect((err as InvalidRequestError).code).toBe('VX_UPSTREAM_INVALID_REQUEST');
      expect((err as InvalidRequestError).message).toContain(reason);
    });
  }

  it('chunk headers are lowercase hex sizes', () => {
    expect(chunkHeader(1)).toBe('1\r\n');
    expect(chunkHeader(65536)).toBe('10000\r\n');
  });
});

describe('serializeRequestHead with validated', () => {
  it('trusts the caller on bytes but still refuses framing headers and CONNECT', () => {
    expect(serializeRequestHead('GET', '/', ['host', 'a'], 0, 'b:1', true)).toBe('GET / HTTP/1.1\r\nhost: a\r\n\r\n');
    expect(() => serializeRequestHead('GET', '/', ['content-length', '1'], 0, 'b:1', true)).toThrow(InvalidRequestError);
    expect(() => serializeRequestHead('CONNECT', 'a:443', [], 0, 'b:1', true)).toThrow(InvalidRequestError);
  });
});
