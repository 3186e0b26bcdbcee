import { describe, expect, it } from 'vitest';
import { filterResponseHeaders } from './response-headers.js';

const raw = (...items: string[]): Buffer[] => items.map((x) => Buffer.from(x, 'latin1'));
const text = (list: Buffer[]): string[] => list.map((b) => b.toString('latin1'));

describe('filterResponseHeaders', () => {
  it('returns the input itself when nothing is dropped', () => {
    const input = raw('Content-Type', 'text/plain', 'X-A', '1');
    expect(filterResponseHeaders(input)).toBe(input);
  });

  it('drops hop-by-hop headers, Date and Content-Length in any case', () => {
    const input = raw('Date', 'x', 'CONTENT-LENGTH', '2', 'Transfer-Encoding', 'chunked', 'Keep-Alive', 't', 'Connection', 'keep-alive', 'Upgrade', 'h2', 'Trailer', 'x', 'X-A', '1');
    expect(text(filterResponseHeaders(input))).toEqual(['X-A', '1']);
  });

  it('drops headers named in Connection, before or after it', () => {
    const input = raw('X-Before', '1', 'Connection', 'x-before, X-After', 'X-After', '2', 'X-Kept', '3');
    expect(text(filterResponseHeaders(input))).toEqual(['X-Kept', '3']);
  });

  it('a plain keep-alive or close names nothing, and a second Connection header still counts', () => {
    expect(text(filterResponseHeaders(raw('Connection', 'Keep-Alive', 'X-A', '1')))).toEqual(['X-A', '1']);
    expect(text(filterResponseHeaders(raw('Connection', 'CLOSE', 'Close', 'x')))).toEqual(['Close', 'x']);
    const input = raw('Connection', 'keep-alive', 'Connection', 'x-a', 'X-A', '1', 'X-B', '2');
    expect(text(filterResponseHeaders(input))).toEqual(['X-B', '2']);
  });

  it('keeps repeated Set-Cookie headers apart and in order', () => {
    const input = raw('Set-Cookie', 'a=1', 'Date', 'x', 'Set-Cookie', 'b=2, c', 'set-cookie', 'd=4');
    expect(text(filterResponseHeaders(input))).toEqual(['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2, c', 'set-cookie', 'd=4']);
  });
});
