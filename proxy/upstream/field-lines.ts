/**
 * Strict parsing of a block of HTTP/1.1 field lines (RFC 9112 §5), shared by the response head and
 * the chunked trailer section. Names and values come out as Buffer views of the input: no strings.
 */
import { UpstreamParseError } from './errors.js';
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from './http-chars.js';

/**
 * Parses `name: value CRLF` lines from `buf[pos..end)`, where `end` is the offset of the empty line's
 * CR that closes the block. Pushes name and value views (value without surrounding whitespace) onto
 * `out`. Rejects, rather than repairs, what could be read two ways: obs-fold (a line starting with SP
 * or HTAB), whitespace before the colon, a bare CR or LF, control bytes, and an empty name.
 */
export function parseFieldLines(buf: Buffer, pos: number, end: number, out: Buffer[]): void {
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
    out.push(buf.subarray(nameStart, nameEnd), buf.subarray(valueStart, valueEnd));
  }
}

/** Start and end offsets of the last element found by {@link nextListElement}; reused, never reallocated. */
export const ELEMENT = new Int32Array(2);

/**
 * Finds the next non-empty element of a comma-separated list value (`Connection`,
 * `Transfer-Encoding`) at or after `pos`, trimming optional whitespace (RFC 9110 §5.6.1). Stores its
 * range in {@link ELEMENT} and returns the offset to continue from, or -1 when the list is exhausted.
 */
export function nextListElement(value: Buffer, pos: number): number {
  const len = value.length;
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
