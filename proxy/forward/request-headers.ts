/**
 * The header list sent upstream for a client request, as nginx and Traefik build it:
 * - hop-by-hop headers are dropped (RFC 9110 §7.6.1), with every header named in Connection (except
 *   Host, which is never dropped: `Connection: host` is a known trick to strip it);
 * - framing (Content-Length, Transfer-Encoding) is dropped: the upstream client sets it from the body
 *   length; Expect is dropped: the engine has answered 100-continue itself;
 * - X-Forwarded-For: a trusted peer's list gets the peer appended (nginx's $proxy_add_x_forwarded_for);
 *   an untrusted peer's list is REPLACED by the peer (Traefik's default), so a client cannot plant
 *   addresses that a trusted hop further in would believe; X-Forwarded-Proto/-Host: kept from a
 *   trusted peer, otherwise set from this connection (`http`, the Host header);
 * - Via gets `1.1 vortex` appended; X-Request-Id is kept when well-formed, else generated;
 * - Host is passed through unchanged.
 */
import { randomBytes } from 'node:crypto';

/** Hop-by-hop header names (lowercase). */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers this module rebuilds or that the engine/client own. */
const REPLACED: ReadonlySet<string> = new Set([
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'via',
  'x-request-id',
]);

/** What Via says about us (RFC 9110 §7.6.3: protocol version and a pseudonym). */
export const VIA = '1.1 vortex';
const REQUEST_ID_RE = /^[A-Za-z0-9._:+/=-]{1,200}$/;
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;

/** A new request id: unique per process run (random prefix + counter), cheap to make. */
export function newRequestId(): string {
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

/** Lowercase tokens of every Connection header, or null when there is none (the common case). */
function connectionTokens(headers: readonly string[]): Set<string> | null {
  let tokens: Set<string> | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'connection') continue;
    for (const token of headers[i + 1]!.split(',')) {
      const t = token.trim().toLowerCase();
      if (t !== '' && t !== 'host') (tokens ??= new Set()).add(t);
    }
  }
  return tokens;
}

/**
 * Builds the upstream header list (name, value, ...) from the client's (names lowercase).
 * `peer` is the socket peer's address, `trustedPeer` whether it is in `proxy.trusted_proxies`,
 * `forwardedFor` the client's joined X-Forwarded-For (from the scan).
 */
export function buildUpstreamHeaders(headers: readonly string[], peer: string, trustedPeer: boolean, forwardedFor: string): string[] {
  const listed = connectionTokens(headers);
  const out: string[] = [];
  let proto: string | null = null;
  let fwdHost: string | null = null;
  let host = '';
  let via: string | null = null;
  let requestId: string | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (HOP_BY_HOP.has(name) || (listed !== null && listed.has(name))) continue;
    if (REPLACED.has(name)) {
      if (name === 'x-forwarded-proto') proto ??= value;
      else if (name === 'x-forwarded-host') fwdHost ??= value;
      else if (name === 'via') via = via === null ? value : `${via}, ${value}`;
      else if (name === 'x-request-id') requestId ??= value;
      continue;
    }
    if (name === 'host') host = value;
    out.push(name, value);
  }
  if (trustedPeer) {
    out.push('x-forwarded-for', forwardedFor === '' ? peer : `${forwardedFor}, ${peer}`);
    out.push('x-forwarded-proto', proto ?? 'http', 'x-forwarded-host', fwdHost ?? host);
  } else {
    out.push('x-forwarded-for', peer, 'x-forwarded-proto', 'http', 'x-forwarded-host', host);
  }
  out.push('via', via === null ? VIA : `${via}, ${VIA}`);
  out.push('x-request-id', requestId !== null && REQUEST_ID_RE.test(requestId) ? requestId : newRequestId());
  return out;
}
