/**
 * Byte classes of RFC 9110 §5.6.2 / §5.5, as 256-entry lookup tables so the parsers test a byte with
 * one indexed load.
 */

function table(accept: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = accept(b) ? 1 : 0;
  return t;
}

const TCHAR_PUNCT = "!#$%&'*+-.^_`|~";

/** 1 for `tchar`: the bytes of a token (header names, methods, transfer codings). */
export const TOKEN = table(
  (b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || TCHAR_PUNCT.includes(String.fromCharCode(b)),
);

/** 1 for bytes allowed inside a field value: VCHAR, obs-text, SP and HTAB (no CTL, no CR/LF, no NUL). */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);

/** 1 for HEXDIG. */
export const HEX = table((b) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

/** Carriage return. */
export const CR = 0x0d;
/** Line feed. */
export const LF = 0x0a;
/** Space. */
export const SP = 0x20;
/** Horizontal tab. */
export const HTAB = 0x09;
/** ':' between a field name and its value. */
export const COLON = 0x3a;

/** Value of a hex digit byte already checked with {@link HEX}. */
export function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57;
}

/**
 * True when `buf[start..end)` equals `lowerName` (in lowercase) ignoring ASCII case. Used to spot
 * header names and list options without turning every name into a string.
 */
export function equalsLower(buf: Buffer, start: number, end: number, lowerName: string): boolean {
  if (end - start !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) {
    let b = buf[start + i] as number;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (b !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}
