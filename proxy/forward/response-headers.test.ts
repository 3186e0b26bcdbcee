import { describe, expect, it } from 'vitest';
import { ResponseHead, parseHead } from '../upstream/head-parser.js';
import { filterResponseHeaderStrings, filterResponseHeaders } from './response-headers.js';

/** Parses a response head made of `pairs` (name, value, ...) the way the upstream client does. */
function head(...pairs: string[]): ResponseHead {
  let text = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < pairs.length; i += 2) text += `${pairs[i]}: ${pairs[i + 1]}\r\n`;
  const buf = Buffer.from(`${text}\r\n`, 'latin1');
  const parsed = new ResponseHead();
  parseHead(buf, 0, buf.length, parsed);
  return parsed;
}
const text = (list: Buffer[]): string[] => list.map((b) => b.toString('latin1'));

describe('filterResponseHeaders', () => {
  it('keeps every field, in order, when nothing is dropped', () => {
    expect(text(filterResponseHeaders(head('Content-Type', 'text/plain', 'X-A', '1')))).toEqual(['Content-Type', 'text/plain', 'X-A', '1']);
  });

  it('drops hop-by-hop headers, Date and Content-Length in any case', () => {
    const h = head('Date', 'x', 'CONTENT-LENGTH', '2', 'Keep-Alive', 't', 'Connection', 'keep-alive', 'Upgrade', 'h2', 'Trailer', 'x', 'X-A', '1');
    expect(text(filterResponseHeaders(h))).toEqual(['X-A', '1']);
    expect(text(filterResponseHeaders(head('Transfer-Encoding', 'chunked', 'X-B', '2')))).toEqual(['X-B', '2']);
  });

  it('drops headers named in Connection, before or after it', () => {
    const h = head('X-Before', '1', 'Connection', 'x-before, X-After', 'X-After', '2', 'X-Kept', '3');
    expect(text(filterResponseHeaders(h))).toEqual(['X-Kept', '3']);
  });

  it('matches listed names with any token characters exactly, ignoring only letter case', () => {
    const h = head('Connection', 'X_Gone, x^y', 'x_gone', '1', 'X^Y', '2', 'x~y', '3', 'X-Kept', '4');
    expect(text(filterResponseHeaders(h))).toEqual(['x~y', '3', 'X-Kept', '4']);
  });

  it('a plain keep-alive or close names nothing, and a second Connection header still counts', () => {
    expect(text(filterResponseHeaders(head('Connection', 'Keep-Alive', 'X-A', '1')))).toEqual(['X-A', '1']);
    expect(text(filterResponseHeaders(head('Connection', 'CLOSE', 'Close', 'x')))).toEqual(['Close', 'x']);
    expect(text(filterResponseHeaders(head('Connection', 'keep-alive', 'Connection', 'x-a', 'X-A', '1', 'X-B', '2')))).toEqual(['X-B', '2']);
  });

  it('keeps repeated Set-Cookie headers apart and in order', () => {
    const h = head('Set-Cookie', 'a=1', 'Date', 'x', 'Set-Cookie', 'b=2, c', 'set-cookie', 'd=4');
    expect(text(filterResponseHeaders(h))).toEqual(['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2, c', 'set-cookie', 'd=4']);
  });
});

describe('filterResponseHeaderStrings', () => {
  it('applies the same rules to string pairs', () => {
    const raw = ['Date', 'x', 'Connection', 'X-Gone, close', 'X-Gone', '1', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Close', 'kept'];
    expect(filterResponseHeaderStrings(raw)).toEqual(['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Close', 'kept']);
  });
});
