/**
 * Status lines for uWS's writeStatus, which needs the reason phrase written out (`'200'` alone
 * gives a line without one). The common case — the backend's phrase is the standard one — is a
 * byte compare against a cached Buffer and a cached string, no conversion.
 */
import { STATUS_CODES } from 'node:http';

const STANDARD: Array<{ text: Buffer; line: string } | undefined> = [];
for (const [code, text] of Object.entries(STATUS_CODES)) {
  if (text !== undefined) STANDARD[Number(code)] = { text: Buffer.from(text, 'latin1'), line: `${code} ${text}` };
}

/** `"<status> <reason>"`, using the backend's reason phrase, or the standard one when it sent none. */
export function statusLine(status: number, reason: Buffer): string {
  const standard = STANDARD[status];
  if (standard !== undefined && (reason.length === 0 || reason.equals(standard.text))) return standard.line;
  if (reason.length === 0) return `${status} Unknown`;
  return `${status} ${reason.toString('latin1')}`;
}
