/**
 * Status lines for the engines (`"200 OK"`): uWS's writeStatus needs the reason phrase written out
 * (`'200'` alone gives a line without one). The common case — the backend's phrase is the standard
 * one — is a byte compare against the cached phrase and a cached string, no conversion.
 */
import { STATUS_CODES } from 'node:http';

const STANDARD: Array<{ text: Buffer; line: string } | undefined> = [];
for (const [code, text] of Object.entries(STATUS_CODES)) {
  if (text !== undefined) STANDARD[Number(code)] = { text: Buffer.from(text, 'latin1'), line: `${code} ${text}` };
}

function sameBytes(buf: Buffer, start: number, end: number, text: Buffer): boolean {
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[start + i] !== text[i]) return false;
  return true;
}

/**
 * `"<status> <reason>"` with the backend's reason phrase `buf[start..end)`, or the standard phrase
 * when it sent none.
 */
export function statusLine(status: number, buf: Buffer, start = 0, end = buf.length): string {
  const standard = STANDARD[status];
  if (standard !== undefined && (end === start || sameBytes(buf, start, end, standard.text))) return standard.line;
  if (end === start) return `${status} Unknown`;
  return `${status} ${buf.toString('latin1', start, end)}`;
}
