/**
 * The response head: status line plus header fields, parsed strictly from one complete head
 * (status line through the empty line), with the framing fields the client acts on pulled out.
 */
import { UpstreamParseError } from './errors.js';
import { ELEMENT, FieldList, isToken, nextListElement, parseFieldLines } from './field-lines.js';
import { CR, FIELD_VALUE, LF, SP, equalsLower } from './http-chars.js';

/** Content-Length above this many digits is refused: 15 digits stay below 2^53. */
const MAX_CONTENT_LENGTH_DIGITS = 15;

/** A parsed response head. One instance per connection, overwritten by every response. */
export class ResponseHead {
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  version = 11;
  /** Status code, 100..999 (RFC 9110 §15: three digits). */
  status = 0;
  /** The header fields in arrival order, duplicates kept, as offsets into `fields.buf`. */
  readonly fields = new FieldList();
  /** The reason phrase as sent (may be empty): `fields.buf[reasonStart..reasonEnd)`. */
  reasonStart = 0;
  reasonEnd = 0;
  /** Content-Length, or -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding: chunked. */
  chunked = false;
  /** Connection: close, or HTTP/1.0 without Connection: keep-alive. */
  close = false;
  /** Connection listed an option besides close and keep-alive: the fields it names are hop-by-hop too. */
  connectionOptions = false;

  /** The reason phrase as a view of the read buffer. */
  get statusText(): Buffer {
    return this.fields.buf.subarray(this.reasonStart, this.reasonEnd);
  }

  /** Name, value, name, value... as views of the read buffer (made on each call). */
  get rawHeaders(): Buffer[] {
    return this.fields.views();
  }

  /** Clears the fields before the head in `buf` is parsed into this instance. */
  reset(buf: Buffer): void {
    this.version = 11;
    this.status = 0;
    this.fields.reset(buf);
    this.reasonStart = 0;
    this.reasonEnd = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.close = false;
    this.connectionOptions = false;
  }
}

const HTTP_1_ = Buffer.from('HTTP/1.');

/** `buf[at..at+7)` is `HTTP/1.`: compared in JS, cheaper than a Buffer.compare call for 7 bytes. */
function startsWithHttp1(buf: Buffer, at: number): boolean {
  for (let i = 0; i < 7; i++) if (buf[at + i] !== HTTP_1_[i]) return false;
  return true;
}

/**
 * Parses `buf[start..end)`, which holds one head ending in CRLF CRLF, into `head`. Refuses framing
 * that two parsers could read differently (the smuggling vectors): duplicate Content-Length,
 * Content-Length with Transfer-Encoding, any transfer coding but a single `chunked`, chunked on HTTP/1.0.
 */
export function parseHead(buf: Buffer, start: number, end: number, head: ResponseHead): void {
  head.reset(buf);
  const pos = parseStatusLine(buf, start, end, head);
  const fields = head.fields;
  // end - 2 is the CR of the empty line that closes the head.
  parseFieldLines(buf, pos, end - 2, fields);
  let keepAlive = false;
  const o = fields.offsets;
  for (let i = 0; i < fields.count; i++) {
    const nameStart = o[i * 4] as number;
    const n = (o[i * 4 + 1] as number) - nameStart;
    const valueStart = o[i * 4 + 2] as number;
    const valueEnd = o[i * 4 + 3] as number;
    if (n === 14 && equalsLower(buf, nameStart, nameStart + n, 'content-length')) {
      if (head.contentLength !== -1) throw new UpstreamParseError('duplicate Content-Length');
      head.contentLength = parseContentLength(buf, valueStart, valueEnd);
    } else if (n === 17 && equalsLower(buf, nameStart, nameStart + n, 'transfer-encoding')) {
      for (let p = nextListElement(buf, valueStart, valueEnd); p !== -1; p = nextListElement(buf, p, valueEnd)) {
        if (head.chunked || !equalsLower(buf, ELEMENT[0] as number, ELEMENT[1] as number, 'chunked')) {
          throw new UpstreamParseError(`unsupported Transfer-Encoding "${buf.toString('latin1', valueStart, valueEnd)}"`);
        }
        head.chunked = true;
      }
      if (!head.chunked) throw new UpstreamParseError('empty Transfer-Encoding');
    } else if (n === 10 && equalsLower(buf, nameStart, nameStart + n, 'connection')) {
      for (let p = nextListElement(buf, valueStart, valueEnd); p !== -1; p = nextListElement(buf, p, valueEnd)) {
        const s = ELEMENT[0] as number;
        const e = ELEMENT[1] as number;
        if (!isToken(buf, s, e)) throw new UpstreamParseError('invalid Connection option');
        if (equalsLower(buf, s, e, 'close')) head.close = true;
        else if (equalsLower(buf, s, e, 'keep-alive')) keepAlive = true;
        else head.connectionOptions = true;
      }
    }
  }
  if (head.chunked && head.contentLength !== -1) throw new UpstreamParseError('both Content-Length and Transfer-Encoding');
  if (head.chunked && head.version === 10) throw new UpstreamParseError('Transfer-Encoding in an HTTP/1.0 response');
  if (head.version === 10 && !keepAlive) head.close = true;
}

/** Parses `HTTP/1.x SP 3DIGIT [SP reason] CRLF`; returns the offset after the CRLF. */
function parseStatusLine(buf: Buffer, start: number, end: number, head: ResponseHead): number {
  if (end - start < 14 || !startsWithHttp1(buf, start)) {
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
  head.reasonStart = textStart;
  head.reasonEnd = pos;
  return pos + 2;
}

function parseContentLength(buf: Buffer, start: number, end: number): number {
  const n = end - start;
  if (n === 0 || n > MAX_CONTENT_LENGTH_DIGITS) throw new UpstreamParseError('invalid Content-Length');
  let length = 0;
  for (let i = start; i < end; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) throw new UpstreamParseError('invalid Content-Length');
    length = length * 10 + d;
  }
  return length;
}
