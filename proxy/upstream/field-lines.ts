/**
 * Strict parsing of a block of HTTP/1.1 field lines (RFC 9112 §5), shared by the response head and
 * the chunked trailer section. Names and values come out as offsets into the input: no strings.
 */
import { UpstreamParseError } from './errors.js';
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from './http-chars.js';

const EMPTY = Buffer.alloc(0);

/**
 * The field lines of one header block as offsets into the block's buffer: parsing makes no view
 * and no string, so a caller pays for views only for the fields it keeps. Reused block after block.
 */
export class FieldList {
  /** The buffer the offsets point into (the read buffer, or a copy of a block split over reads). */
  buf: Buffer = EMPTY;
  /** Number of fields. */
  count = 0;
  /** Per field: name start, name end, value start, value end (value without surrounding whitespace). */
  offsets = new Int32Array(64);

  /** Empties the list for a block held in `buf`. */
  reset(buf: Buffer): void {
    this.buf = buf;
    this.count = 0;
  }

  /** @internal appends one field. */
  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    let o = this.offsets;
    const at = this.count * 4;
    if (at + 4 > o.length) {
      const grown = new Int32Array(o.length * 2);
      grown.set(o);
      this.offsets = o = grown;
    }
    o[at] = nameStart;
    o[at + 1] = nameEnd;
    o[at + 2] = valueStart;
    o[at + 3] = valueEnd;
    this.count++;
  }

  /** Field `i`'s name as a view of {@link buf}. */
  name(i: number): Buffer {
    return this.buf.subarray(this.offsets[i * 4], this.offsets[i * 4 + 1]);
  }

  /** Field `i`'s value as a view of {@link buf}. */
  value(i: number): Buffer {
    return this.buf.subarray(this.offsets[i * 4 + 2], this.offsets[i * 4 + 3]);
  }

  /** Every field as name, value, name, value... views, in arrival order. */
  views(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.name(i), this.value(i));
    return out;
  }
}

/**
 * Parses `name: value CRLF` lines from `buf[pos..end)`, where `end` is the offset of the empty line's
 * CR that closes the block, into `out` (which must have been reset to `buf`). Rejects, rather than
 * repairs, what could be read two ways: obs-fold (a line starting with SP or HTAB), whitespace
 * before the colon, a bare CR or LF, control bytes, and an empty name.
 */
export function parseFieldLines(buf: Buffer, pos: number, end: number, out: FieldList): void {
  while (pos < end) {
    const first = buf[pos] as number;
    if (first === SP || first === HTAB) throw new UpstreamParseError('obs-fold (line folding) in a header');
    const nameStart = pos;
    while (pos < end && TOKEN[buf[pos] as number] === 1) pos++;
    if (pos === nameStart) throw new UpstreamParseError('empty or invalid header name');
    if (pos >= end || buf[pos] !== COLON) throw new UpstreamParseError('invalid character in header name');
    const nameEnd = pos;
    pos++;
    while (pos < end && (buf[pos] === SP || buf[pos] === HTAB)) pos++;
    const valueStart = pos;
    let valueEnd = pos;
    for (;;) {
      if (pos >= end) throw new UpstreamParseError('header line without CRLF');
      const b = buf[pos] as number;
      if (b === CR) break;
      if (FIELD_VALUE[b] !== 1) throw new UpstreamParseError('invalid character in header value');
      pos++;
      if (b !== SP && b !== HTAB) valueEnd = pos;
    }
    if (buf[pos + 1] !== LF) throw new UpstreamParseError('bare CR in header');
    pos += 2;
    out.add(nameStart, nameEnd, valueStart, valueEnd);
  }
}

/** Start and end offsets of the last element found by {@link nextListElement}; reused, never reallocated. */
export const ELEMENT = new Int32Array(2);

/**
 * Finds the next non-empty element of a comma-separated list value (`Connection`,
 * `Transfer-Encoding`) in `value[pos..len)`, trimming optional whitespace (RFC 9110 §5.6.1). Stores
 * its range in {@link ELEMENT} and returns the offset to continue from, or -1 when the list is exhausted.
 */
export function nextListElement(value: Buffer, pos: number, len: number): number {
  while (pos < len) {
    while (pos < len && (value[pos] === SP || value[pos] === HTAB || value[pos] === 0x2c)) pos++;
    const start = pos;
    while (pos < len && value[pos] !== 0x2c) pos++;
    let end = pos;
    while (end > start && (value[end - 1] === SP || value[end - 1] === HTAB)) end--;
    if (end > start) {
      ELEMENT[0] = start;
      ELEMENT[1] = end;
      return pos;
    }
  }
  return -1;
}

/** True when every byte of `buf[start..end)` is a tchar (a non-empty token). */
export function isToken(buf: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) if (TOKEN[buf[i] as number] !== 1) return false;
  return true;
}
