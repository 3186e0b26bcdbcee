/**
 * Filters a backend's response head before the engine writes it: hop-by-hop headers and those named
 * in Connection are dropped, and so are Content-Length and Date, which the engines write themselves
 * (uWS always adds both: copying the backend's would send them twice). Works on the Buffer views the
 * upstream client hands over, comparing bytes, with no string made per header. Set-Cookie and every
 * other repeated header stay separate pairs, in order.
 */

// Names dropped from every response, grouped by length so most headers are rejected by one compare.
const DROPPED_BY_LENGTH = new Map<number, Buffer[]>();
for (const name of ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'date']) {
  const list = DROPPED_BY_LENGTH.get(name.length) ?? [];
  list.push(Buffer.from(name, 'latin1'));
  DROPPED_BY_LENGTH.set(name.length, list);
}
const CONNECTION = Buffer.from('connection', 'latin1');
// Connection values that name no header still sent (keep-alive is dropped anyway): nearly every
// backend's answer carries one of these, so they skip the token split.
const PLAIN_CONNECTION_VALUES = [Buffer.from('keep-alive', 'latin1'), Buffer.from('close', 'latin1')];

/** ASCII case-insensitive equality of a header name view with a lowercase name. */
function sameName(name: Buffer, lower: Buffer): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name[i]!;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower[i]) return false;
  }
  return true;
}

function dropped(name: Buffer): boolean {
  const candidates = DROPPED_BY_LENGTH.get(name.length);
  if (candidates === undefined) return false;
  for (const lower of candidates) if (sameName(name, lower)) return true;
  return false;
}

/** Lowercase tokens of the response's Connection headers, as Buffers; null when none. */
function connectionTokens(raw: readonly Buffer[]): Buffer[] | null {
  let tokens: Buffer[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (!sameName(raw[i]!, CONNECTION)) continue;
    const value = raw[i + 1]!;
    if (sameName(value, PLAIN_CONNECTION_VALUES[0]!) || sameName(value, PLAIN_CONNECTION_VALUES[1]!)) continue;
    for (const token of value.toString('latin1').split(',')) {
      const t = token.trim().toLowerCase();
      if (t !== '') (tokens ??= []).push(Buffer.from(t, 'latin1'));
    }
  }
  return tokens;
}

/**
 * Returns the response headers to send (name, value, ... views into `raw`). `raw` is the upstream
 * client's `rawHeaders`; the result is `raw` itself when nothing needs dropping.
 */
export function filterResponseHeaders(raw: Buffer[]): Buffer[] {
  let anyDropped = false;
  let listed: Buffer[] | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (!dropped(name)) continue;
    anyDropped = true;
    if (listed === null && sameName(name, CONNECTION)) listed = connectionTokens(raw);
  }
  if (!anyDropped) return raw;
  const out: Buffer[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (dropped(name)) continue;
    let named = false;
    if (listed !== null) for (const t of listed) if (sameName(name, t)) named = true;
    if (!named) out.push(name, raw[i + 1]!);
  }
  return out;
}
