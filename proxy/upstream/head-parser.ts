/**
 * The response head: status line plus header fields, parsed strictly from one complete head
 * (status line through the empty line), with the framing fields the client acts on pulled out.
 */
import { UpstreamParseError } from './errors.js';
import { ELEMENT, isToken, nextListElement, parseFieldLines } from './field-lines.js';
import { CR, FIELD_VALUE, LF, SP, equalsLower } from './http-chars.js';

/** Content-Length above this many digits is refused: 15 digits stay below 2^53. */
const MAX_CONTENT_LENGTH_DIGITS = 15;

/** A parsed response head. One instance per connection, overwritten by every response. */
export class ResponseHead {
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  version = 11;
  /** Status code, 100..999 (RFC 9110 §15: three digits). */
  status = 0;
  /** Reason phrase as sent (may be empty), a view of the read buffer. */
  statusText: Buffer = Buffer.alloc(0);
  /** Name, value, name, value... as views of the read buffer, in arrival order, duplicates kept. */
  rawHeaders: Buffer[] = [];
  /** Content-Length, or -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding: chunked. */
  chunked = false;
  /** Connection: close, or HTTP/1.0 without Connection: keep-alive. */
  close = false;

  /** Clears the fields before the next head is parsed into this instance. */
  reset(): void {
    this.version = 11;
    this.status = 0;
    this.rawHeaders = [];
    this.contentLength = -1;
    this.chunked = false;
    this.close = false;
  }
}

const HTTP_1_ = Buffer.from('HTTP/1.');

/**
 * Parses `buf[start..end)`, which holds one head ending in CRLF CRLF, into `head`. Refuses framing
 * that two parsers could read differently (the smuggling vectors): duplicate Content-Length,
 * Content-Length with Transfer-Encoding, any transfer coding but a single `chunked`, chunked on HTTP/1.0.
 */
export function parseHead(buf: Buffer, start: number, end: number, head: ResponseHead): void {
  head.reset();
  const pos = parseStatusLine(buf, start, end, head);
  // end - 2 is the CR of the empty line that closes the head.
  parseFieldLines(buf, pos, end - 2, head.rawHeaders);
  let keepAlive = false;
  const raw = head.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as Buffer;
    const value = raw[i + 1] as Buffer;
    const n = name.length;
    if (n === 14 && equalsLower(name, 0, n, 'content-length')) {
      if (head.contentLength !== -1) throw new UpstreamParseError('duplicate Content-Length');
      head.contentLength = parseContentLength(value);
    } else if (n === 17 && equalsLower(name, 0, n, 'transfer-encoding')) {
      for (let p = nextListElement(value, 0); p !== -1; p = nextListElement(value, p)) {
        if (head.chunked || !equalsLower(value, ELEMENT[0] as number, ELEMENT[1] as number, 'chunked')) {
          throw new UpstreamParseError(`unsupported Transfer-Encoding "${value.toString('latin1')}"`);
        }
        head.chunked = true;
      }
      if (!head.chunked) throw new UpstreamParseError('empty Transfer-Encoding');
    } else if (n === 10 && equalsLower(name, 0, n, 'connection')) {
      for (let p = nextListElement(value, 0); p !== -1; p = nextListElement(value, p)) {
        const s = ELEMENT[0] as number;
        const e = ELEMENT[1] as number;
        if (!isToken(value, s, e)) throw new UpstreamParseError('invalid Connection option');
        if (equalsLower(value, s, e, 'close')) head.close = true;
        else if (equalsLower(value, s, e, 'keep-alive')) keepAlive = true;
      }
    }
  }
  if (head.chunked && head.contentLength !== -1) throw new UpstreamParseError('both Content-Length and Transfer-Encoding');
  if (head.chunked && head.version === 10) throw new UpstreamParseError('Transfer-Encoding in an HTTP/1.0 response');
  if (head.version === 10 && !keepAlive) head.close = true;
}

/** Parses `HTTP/1.x SP 3DIGIT [SP reason] CRLF`; returns the offset after the CRLF. */
function parseStatusLine(buf: Buffer, start: number, end: number, head: ResponseHead): number {
  if (end - start < 14 || buf.compare(HTTP_1_, 0, 7, start, start + 7) !== 0) {
    throw new UpstreamParseError('bad status line (not HTTP/1.x)');
  }
  const minor = buf[start + 7];
  if (minor === 0x31) head.version = 11;
  else if (minor === 0x30) head.version = 10;
  else throw new UpstreamParseError('unsupported HTTP version');
  if (buf[start + 8] !== SP) throw new UpstreamParseError('bad status line');
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) throw new UpstreamParseError('bad status code');
    status = status * 10 + d;
  }
  if (status < 100) throw new UpstreamParseError('bad status code');
  head.status = status;
  let pos = start + 12;
  // The reason phrase may be empty, and some servers drop its SP too: "HTTP/1.1 200\r\n".
  if (buf[pos] === SP) pos++;
  else if (buf[pos] !== CR) throw new UpstreamParseError('bad status code');
  const textStart = pos;
  while (buf[pos] !== CR) {
    const b = buf[pos] as number;
    if (FIELD_VALUE[b] !== 1) throw new UpstreamParseError('invalid character in reason phrase');
    pos++;
    if (pos >= end) throw new UpstreamParseError('bad status line');
  }
  if (buf[pos + 1] !== LF) throw new UpstreamParseError('bare CR in status line');
  head.statusText = buf.subarray(textStart, pos);
  return pos + 2;
}

function parseContentLength(value: Buffer): number {
  const n = value.length;
  if (n === 0 || n > MAX_CONTENT_LENGTH_DIGITS) throw new UpstreamParseError('invalid Content-Length');
  let length = 0;
  for (let i = 0; i < n; i++) {
    const d = (value[i] as number) - 0x30;
    if (d < 0 || d > 9) throw new UpstreamParseError('invalid Content-Length');
    length = length * 10 + d;
  }
  return length;
}
