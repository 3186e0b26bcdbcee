/**
 * Filters a backend's response head before the engine writes it: hop-by-hop headers and those named
 * in Connection are dropped, and so are Content-Length and Date, which the engines write themselves
 * (uWS always adds both: copying the backend's would send them twice). Works on the offsets the
 * upstream parser found, comparing bytes: the only objects made are views of the headers kept.
 * Set-Cookie and every other repeated header stay separate pairs, in order.
 */
import { equalsLower } from '../upstream/http-chars.js';
import type { FieldList, ResponseHead } from '../upstream/index.js';

/** Names dropped from every response (lowercase). */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'date']);
// The same by length, so most headers are rejected by one compare.
const DROPPED_BY_LENGTH: string[][] = [];
for (const name of DROPPED) (DROPPED_BY_LENGTH[name.length] ??= []).push(name);

function dropped(buf: Buffer, start: number, end: number): boolean {
  const candidates = DROPPED_BY_LENGTH[end - start];
  if (candidates === undefined) return false;
  for (const name of candidates) if (equalsLower(buf, start, end, name)) return true;
  return false;
}

/** Lowercase names listed in a Connection value, less `close` (an option, not a header). */
function listedNames(value: string): string[] {
  const names: string[] = [];
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t !== '' && t !== 'close') names.push(t);
  }
  return names;
}

/** Lowercase names listed in the response's Connection headers (the rare case: the parser saw an option besides close/keep-alive). */
function connectionNames(fields: FieldList): string[] {
  const names: string[] = [];
  const { buf, offsets: o } = fields;
  for (let i = 0; i < fields.count; i++) {
    if (equalsLower(buf, o[i * 4]!, o[i * 4 + 1]!, 'connection')) names.push(...listedNames(buf.toString('latin1', o[i * 4 + 2], o[i * 4 + 3])));
  }
  return names;
}

/** The response headers to send: name, value, ... views of the kept fields of `head`. */
export function filterResponseHeaders(head: ResponseHead): Buffer[] {
  const fields = head.fields;
  const { buf, offsets: o } = fields;
  const listed = head.connectionOptions ? connectionNames(fields) : null;
  const out: Buffer[] = [];
  for (let i = 0; i < fields.count; i++) {
    const start = o[i * 4]!;
    const end = o[i * 4 + 1]!;
    if (dropped(buf, start, end)) continue;
    if (listed !== null && listed.some((name) => equalsLower(buf, start, end, name))) continue;
    out.push(fields.name(i), fields.value(i));
  }
  return out;
}

/** The same filter over string pairs (name, value, ...), for a head that node:http already parsed. */
export function filterResponseHeaderStrings(raw: readonly string[]): string[] {
  const listed = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'connection') for (const name of listedNames(raw[i + 1]!)) listed.add(name);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!DROPPED.has(name) && !listed.has(name)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}
