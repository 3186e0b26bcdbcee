import { describe, expect, it } from 'vitest';
import { UpstreamParseError } from './errors.js';
import type { ResponseHead } from './head-parser.js';
import { ParserState, ResponseParser } from './response-parser.js';
import type { ResponseSink } from './response-parser.js';

interface Parsed {
  interim: number[];
  status: number;
  statusText: string;
  headers: string[];
  contentLength: number;
  close: boolean;
  body: string;
  trailers: string[];
  complete: boolean;
}

class Recorder implements ResponseSink {
  readonly out: Parsed = {
    interim: [], status: 0, statusText: '', headers: [], contentLength: -1, close: false, body: '', trailers: [], complete: false,
  };
  onInterim(head: ResponseHead): void {
    this.out.interim.push(head.status);
  }
  onHead(head: ResponseHead): void {
    this.out.status = head.status;
    this.out.statusText = head.statusText.toString('latin1');
    this.out.headers = head.rawHeaders.map((b) => b.toString('latin1'));
    this.out.contentLength = head.contentLength;
    this.out.close = head.close;
  }
  onBody(chunk: Buffer): boolean {
    this.out.body += chunk.toString('latin1');
    return true;
  }
  onComplete(trailers: Buffer[]): void {
    this.out.trailers = trailers.map((b) => b.toString('latin1'));
    this.out.complete = true;
  }
}

type Split = 'whole' | 'bytes' | 'halves';

/** Feeds `raw` in pieces; returns what was parsed plus the bytes left after a complete response. */
function parse(raw: string, split: Split, opts: { noBody?: boolean; eof?: boolean; max?: number } = {}): Parsed & { left: number } {
  const rec = new Recorder();
  const parser = new ResponseParser(rec, opts.max ?? 1024);
  parser.expect(opts.noBody ?? false);
  const all = Buffer.from(raw, 'latin1');
  const pieces: Buffer[] =
    split === 'whole' ? [all]
      : split === 'bytes' ? [...all].map((b) => Buffer.from([b]))
        : [all.subarray(0, all.length >> 1), all.subarray(all.length >> 1)];
  let left = 0;
  for (const piece of pieces) {
    if (rec.out.complete) {
      left += piece.length;
      continue;
    }
    const pos = parser.execute(piece, 0);
    left += piece.length - pos;
  }
  if (opts.eof === true && !rec.out.complete && !parser.finish()) throw new Error('truncated');
  return { ...rec.out, left };
}

const H = 'HTTP/1.1 200 OK\r\n';

interface GoodCase {
  name: string;
  raw: string;
  noBody?: boolean;
  eof?: boolean;
  expect: Partial<Parsed> & { left?: number };
}

const good: GoodCase[] = [
  { name: 'content-length body', raw: `${H}Content-Length: 5\r\nX-A: b\r\n\r\nhello`, expect: { status: 200, statusText: 'OK', body: 'hello', headers: ['Content-Length', '5', 'X-A', 'b'], contentLength: 5 } },
  { name: 'zero length', raw: `${H}Content-Length: 0\r\n\r\n`, expect: { body: '', complete: true } },
  { name: 'value whitespace trimmed, empty value kept', raw: `${H}A:   x y \t\r\nB:\r\ncontent-length: 0\r\n\r\n`, expect: { headers: ['A', 'x y', 'B', '', 'content-length', '0'] } },
  { name: 'obs-text and tab in values', raw: `${H}A: caf\xe9\tb\r\nContent-Length: 0\r\n\r\n`, expect: { headers: ['A', 'caf\xe9\tb', 'Content-Length', '0'] } },
  { name: 'duplicate set-cookie kept apart', raw: `${H}Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n`, expect: { headers: ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Length', '0'] } },
  { name: 'chunked', raw: `${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`, expect: { body: 'hello world', trailers: [], contentLength: -1 } },
  { name: 'chunked, upper-case hex and coding', raw: `${H}transfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n`, expect: { body: '0123456789' } },
  { name: 'chunk extensions', raw: `${H}Transfer-Encoding: chunked\r\n\r\n3;name=val;x="q d"\r\nabc\r\n2 ; e\r\nde\r\n0;last\r\n\r\n`, expect: { body: 'abcde' } },
  { name: 'trailers', raw: `${H}Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nab\r\n0\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n`, expect: { body: 'ab', trailers: ['X-Sum', '42', 'X-Other', 'y'] } },
  { name: 'close-delimited body', raw: `${H}X: y\r\n\r\nuntil close`, eof: true, expect: { body: 'until close', close: true } },
  { name: 'HEAD response ignores Content-Length', raw: `${H}Content-Length: 100\r\n\r\n`, noBody: true, expect: { contentLength: 100, body: '', complete: true } },
  { name: '204 has no body', raw: 'HTTP/1.1 204 No Content\r\nX: y\r\n\r\n', expect: { status: 204, complete: true } },
  { name: '304 has no body despite its length', raw: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', expect: { status: 304, body: '' } },
  { name: '100 Continue then final', raw: `HTTP/1.1 100 Continue\r\n\r\n${H}Content-Length: 2\r\n\r\nok`, expect: { interim: [100], body: 'ok' } },
  { name: '103 Early Hints with headers, twice', raw: `HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n${H}Content-Length: 0\r\n\r\n`, expect: { interim: [103, 103], status: 200 } },
  { name: 'status line without reason', raw: 'HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n', expect: { status: 404, statusText: '' } },
  { name: 'status line with empty reason', raw: 'HTTP/1.1 500 \r\nContent-Length: 0\r\n\r\n', expect: { status: 500, statusText: '' } },
  { name: 'Connection: close', raw: `${H}Connection: keep-alive, close\r\nContent-Length: 0\r\n\r\n`, expect: { close: true } },
  { name: 'HTTP/1.0 closes by default', raw: 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', expect: { close: true } },
  { name: 'HTTP/1.0 keep-alive', raw: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n', expect: { close: false } },
  { name: 'bytes after a complete response are left over', raw: `${H}Content-Length: 1\r\n\r\nxGARBAGE`, expect: { body: 'x', left: 7 } },
];

/** Feeds `raw` as two pieces split at `at`; returns the parsed response. */
function parseSplitAt(raw: string, at: number, noBody: boolean | undefined): Parsed {
  const rec = new Recorder();
  const parser = new ResponseParser(rec, 1024);
  parser.expect(noBody ?? false);
  const all = Buffer.from(raw, 'latin1');
  const pos = parser.execute(all.subarray(0, at), 0);
  if (pos === at && !rec.out.complete) parser.execute(all.subarray(at), 0);
  return rec.out;
}

describe('ResponseParser: valid responses', () => {
  it('gives the same result for every split point of every case', () => {
    for (const c of good.filter((g) => g.eof !== true && g.expect.left === undefined)) {
      const whole = parse(c.raw, 'whole', { noBody: c.noBody });
      for (let at = 1; at < c.raw.length; at++) {
        expect({ at, ...parseSplitAt(c.raw, at, c.noBody) }).toEqual({ at, ...whole, left: undefined });
      }
    }
  });

  for (const c of good) {
    for (const split of ['whole', 'halves', 'bytes'] as const) {
      it(`${c.name} (${split})`, () => {
        const got = parse(c.raw, split, { noBody: c.noBody, eof: c.eof });
        expect(got.complete).toBe(true);
        expect(got).toMatchObject(c.expect);
      });
    }
  }
});

const bad: Array<[string, string, string]> = [
  ['not HTTP', 'HTTX/1.1 200 OK\r\n\r\n', 'not HTTP/1.x'],
  ['HTTP/2 status line', 'HTTP/2.0 200 OK\r\n\r\n', 'not HTTP/1.x'],
  ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n', 'unsupported HTTP version'],
  ['two-digit status', 'HTTP/1.1 20 OK\r\n\r\n', 'bad status code'],
  ['four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n', 'bad status code'],
  ['status below 100', 'HTTP/1.1 099 X\r\n\r\n', 'bad status code'],
  ['control byte in reason', 'HTTP/1.1 200 O\x01K\r\n\r\n', 'reason phrase'],
  ['bare LF ending status line', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', 'reason phrase'],
  ['space before colon', `${H}Content-Length : 0\r\n\r\n`, 'header name'],
  ['empty header name', `${H}: x\r\n\r\n`, 'header name'],
  ['non-token header name', `${H}X(y): 1\r\n\r\n`, 'header name'],
  ['obs-fold', `${H}X: a\r\n b\r\nContent-Length: 0\r\n\r\n`, 'obs-fold'],
  ['NUL in value', `${H}X: a\x00b\r\n\r\n`, 'header value'],
  ['bare CR in value', `${H}X: a\rb\r\n\r\n`, 'bare CR'],
  ['bare LF in value', `${H}X: a\nb: c\r\n\r\n`, 'header value'],
  ['duplicate Content-Length, same value', `${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\nx`, 'duplicate Content-Length'],
  ['conflicting Content-Length', `${H}Content-Length: 1\r\ncontent-length: 2\r\n\r\nxx`, 'duplicate Content-Length'],
  ['Content-Length list', `${H}Content-Length: 1, 1\r\n\r\nx`, 'invalid Content-Length'],
  ['signed Content-Length', `${H}Content-Length: +1\r\n\r\nx`, 'invalid Content-Length'],
  ['huge Content-Length', `${H}Content-Length: 1234567890123456\r\n\r\n`, 'invalid Content-Length'],
  ['Content-Length with chunked', `${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 'both Content-Length and Transfer-Encoding'],
  ['gzip, chunked', `${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 'unsupported Transfer-Encoding'],
  ['chunked twice', `${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 'unsupported Transfer-Encoding'],
  ['identity coding', `${H}Transfer-Encoding: identity\r\n\r\n`, 'unsupported Transfer-Encoding'],
  ['empty Transfer-Encoding', `${H}Transfer-Encoding: \r\n\r\n`, 'empty Transfer-Encoding'],
  ['chunked on HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HTTP/1.0'],
  ['bad Connection option', `${H}Connection: a b\r\nContent-Length: 0\r\n\r\n`, 'Connection option'],
  ['101 without upgrade', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', '101'],
  ['chunk size not hex', `${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 'invalid chunk size'],
  ['negative chunk size', `${H}Transfer-Encoding: chunked\r\n\r\n-1\r\n`, 'invalid chunk size'],
  ['empty chunk size', `${H}Transfer-Encoding: chunked\r\n\r\n\r\n`, 'invalid chunk size'],
  ['chunk size overflow', `${H}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n`, 'chunk size too large'],
  ['chunk size line with LF only', `${H}Transfer-Encoding: chunked\r\n\r\n1\nx\r\n`, 'invalid chunk size'],
  ['junk after chunk size', `${H}Transfer-Encoding: chunked\r\n\r\n1 x\r\nx\r\n`, 'chunk size line'],
  ['control byte in chunk extension', `${H}Transfer-Encoding: chunked\r\n\r\n1;a\x01\r\nx\r\n`, 'chunk extension'],
  ['chunk longer than its size', `${H}Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n`, 'longer than its size'],
  ['chunk data without CRLF', `${H}Transfer-Encoding: chunked\r\n\r\n1\r\nx\rX`, 'without CRLF'],
  ['obs-fold in trailer', `${H}Transfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n 2\r\n\r\n`, 'obs-fold'],
  ['head over the limit', `${H}X: ${'a'.repeat(2000)}\r\n\r\n`, 'response head larger than 1024 bytes'],
  ['head never ends, over the limit', `${H}X: ${'a'.repeat(2000)}`, 'response head larger than 1024 bytes'],
  ['trailers over the limit', `${H}Transfer-Encoding: chunked\r\n\r\n0\r\nX: ${'a'.repeat(2000)}\r\n\r\n`, 'trailer section larger'],
];

describe('ResponseParser: malformed responses are parse errors', () => {
  for (const [name, raw, reason] of bad) {
    for (const split of ['whole', 'bytes'] as const) {
      it(`${name} (${split})`, () => {
        let err: unknown;
        try {
          parse(raw, split);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(UpstreamParseError);
        expect((err as UpstreamParseError).code).toBe('VX_UPSTREAM_PARSE');
        expect((err as UpstreamParseError).reason).toContain(reason);
      });
    }
  }
});

describe('ResponseParser: streaming behaviour', () => {
  it('stops after a body piece the sink refuses, and resumes from the returned offset', () => {
    const pieces: string[] = [];
    let done = false;
    const sink: ResponseSink = {
      onInterim: () => undefined,
      onHead: () => undefined,
      onBody: (c) => {
        pieces.push(c.toString());
        return false;
      },
      onComplete: () => {
        done = true;
      },
    };
    const parser = new ResponseParser(sink, 1024);
    parser.expect(false);
    const buf = Buffer.from(`${H}Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n`);
    let pos = 0;
    let calls = 0;
    while (!done && calls++ < 10) pos = parser.execute(buf, pos);
    expect(pieces).toEqual(['a', 'b']);
    expect(calls).toBe(3);
    expect(pos).toBe(buf.length);
  });

  it('reports a response cut short at EOF, and completes a close-delimited one', () => {
    const rec = new Recorder();
    const parser = new ResponseParser(rec, 1024);
    parser.expect(false);
    parser.execute(Buffer.from(`${H}Content-Length: 10\r\n\r\nabc`), 0);
    expect(parser.finish()).toBe(false);
    parser.expect(false);
    parser.execute(Buffer.from(`${H}\r\nabc`), 0);
    expect(parser.state).toBe(ParserState.UntilClose);
    expect(parser.finish()).toBe(true);
    expect(rec.out.body).toBe('abcabc');
  });

  it('ignores input after abandon() and does not complete an abandoned no-body response', () => {
    const rec = new Recorder();
    let parser: ResponseParser | null = null;
    const abandoning: ResponseSink = {
      onInterim: () => undefined,
      onHead: () => parser?.abandon(),
      onBody: (c) => rec.onBody(c),
      onComplete: (t) => rec.onComplete(t),
    };
    parser = new ResponseParser(abandoning, 1024);
    parser.expect(false);
    const buf = Buffer.from(`HTTP/1.1 204 No Content\r\n\r\n`);
    expect(parser.execute(buf, 0)).toBe(buf.length);
    expect(rec.out.complete).toBe(false);
    expect(parser.execute(Buffer.from('more'), 0)).toBe(0);
  });

  it('header views of a head that arrived in one read point into that read (no copy)', () => {
    let value: Buffer | undefined;
    const sink: ResponseSink = {
      onInterim: () => undefined,
      onHead: (h) => {
        value = h.rawHeaders[1];
      },
      onBody: () => true,
      onComplete: () => undefined,
    };
    const parser = new ResponseParser(sink, 1024);
    parser.expect(false);
    const buf = Buffer.from(`${H}X: y\r\nContent-Length: 0\r\n\r\n`);
    parser.execute(buf, 0);
    expect(value?.buffer).toBe(buf.buffer);
  });
});

describe('ResponseParser: mutated input never crashes', () => {
  it('throws only UpstreamParseError on 3000 randomly mutated responses fed in random pieces', () => {
    // xorshift32, fixed seed: the same inputs on every run.
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = Buffer.from('\r\n :;0123456789aAfFzZ\t\x00\x7f\xff-,', 'latin1');
    let parseErrors = 0;
    for (let i = 0; i < 3000; i++) {
      const base = Buffer.from((good[rand(good.length)] as GoodCase).raw, 'latin1');
      for (let m = 1 + rand(4); m > 0; m--) base[rand(base.length)] = alphabet[rand(alphabet.length)] as number;
      const parser = new ResponseParser(new Recorder(), 1024);
      parser.expect(rand(8) === 0);
      try {
        let pos = 0;
        while (pos < base.length) {
          const end = Math.min(base.length, pos + 1 + rand(16));
          const piece = base.subarray(pos, end);
          let at = 0;
          while (at < piece.length && parser.state !== ParserState.Idle) at = parser.execute(piece, at);
          pos = end;
        }
        parser.finish();
      } catch (err) {
        expect(err).toBeInstanceOf(UpstreamParseError);
        parseErrors++;
      }
    }
    // The mutations must actually reach the error paths for this test to mean anything.
    expect(parseErrors).toBeGreaterThan(500);
  });
});
