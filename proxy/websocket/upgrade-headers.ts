/**
 * The upgrade request sent to a backend, built from the header list every request gets
 * (request-headers.ts: hop-by-hop dropped, X-Forwarded-*, Via, X-Request-Id, Host passed through).
 * Two shapes, one per engine:
 * - relay (uWS): the proxy ends the client's WebSocket and opens its own to the backend with `ws`,
 *   so the handshake fields that belong to one hop (Sec-WebSocket-Key, -Version, -Extensions) are
 *   dropped and `ws` makes its own; the client's subprotocol list is handed to `ws` to offer;
 * - tunnel (node:http + http-proxy-3): the handshake goes to the backend as the client sent it and
 *   the bytes are piped after the 101, so the Sec-WebSocket-* fields stay and Connection/Upgrade
 *   (hop-by-hop, dropped from the list) are set again.
 */

/** Header names `ws` writes itself on the relay's own handshake (lowercase). */
const OWN_HANDSHAKE: ReadonlySet<string> = new Set(['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']);
/** An RFC 9110 token: what a subprotocol name must be (RFC 6455 §4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers as node:http's request options take them: repeated names become arrays (Cookie is joined). */
export type HeaderObject = Record<string, string | string[]>;

/** The relay's upstream handshake: headers for `ws` and the subprotocols to offer. */
export interface RelayHandshake {
  readonly headers: HeaderObject;
  readonly protocols: string[];
}

function add(out: HeaderObject, name: string, value: string): void {
  const had = out[name];
  if (had === undefined) out[name] = value;
  // RFC 9110 §5.3 does not apply to Cookie; RFC 6265 §5.4 wants one line joined with "; ".
  else if (name === 'cookie') out[name] = `${had as string}; ${value}`;
  else if (Array.isArray(had)) had.push(value);
  else out[name] = [had, value];
}

/**
 * The subprotocols a client offers, in order, from its Sec-WebSocket-Protocol values (one header
 * or several). Null when one is not a token or is offered twice: `ws` refuses such a list, and so
 * would a conforming server.
 */
export function parseSubprotocols(values: readonly string[]): string[] | null {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const name = part.trim();
      if (name === '') continue;
      if (!TOKEN.test(name) || out.includes(name)) return null;
      out.push(name);
    }
  }
  return out;
}

/**
 * The relay's handshake from the upstream header list (name, value, ...; names lowercase). Null
 * when the client's subprotocol list is malformed (the caller answers 400).
 */
export function relayHandshake(upstream: readonly string[]): RelayHandshake | null {
  const headers: HeaderObject = {};
  const offered: string[] = [];
  for (let i = 0; i < upstream.length; i += 2) {
    const name = upstream[i]!;
    const value = upstream[i + 1]!;
    if (name === 'sec-websocket-protocol') offered.push(value);
    if (!OWN_HANDSHAKE.has(name)) add(headers, name, value);
  }
  const protocols = parseSubprotocols(offered);
  return protocols === null ? null : { headers, protocols };
}

/** The tunnel's request headers: the upstream list, the client's handshake fields, and Connection/Upgrade set again. */
export function tunnelHeaders(upstream: readonly string[]): HeaderObject {
  const headers: HeaderObject = {};
  for (let i = 0; i < upstream.length; i += 2) add(headers, upstream[i]!, upstream[i + 1]!);
  headers['connection'] = 'Upgrade';
  headers['upgrade'] = 'websocket';
  return headers;
}
