/**
 * Which address a request comes from. The socket peer, unless the peer is a trusted proxy: then the
 * X-Forwarded-For list is read right to left, skipping trusted hops, and the first untrusted address is
 * the client (nginx's real_ip_recursive). An untrusted peer's X-Forwarded-For is ignored, so a client
 * cannot pick its own rate-limit key by sending the header.
 */
import type { IpParts } from './ip-address.js';
import { parseIp } from './ip-address.js';
import type { TrustedNetworks } from './trusted-networks.js';

export interface ClientAddress {
  /** The address as text, for logs and X-Forwarded-For. */
  text: string;
  parts: IpParts;
}

export function resolveClientAddress(peer: string, forwardedFor: string, trusted: TrustedNetworks): ClientAddress | undefined {
  const peerParts = parseIp(peer);
  if (peerParts === undefined) return undefined;
  if (forwardedFor === '' || trusted.size === 0 || !trusted.contains(peerParts)) return { text: peer, parts: peerParts };
  let client: ClientAddress = { text: peer, parts: peerParts };
  let end = forwardedFor.length;
  while (end > 0) {
    const comma = forwardedFor.lastIndexOf(',', end - 1);
    const hop = forwardedFor.slice(comma + 1, end).trim();
    end = comma < 0 ? 0 : comma;
    const parts = parseIp(hop);
    // A malformed hop means the list cannot be trusted past this point: keep the last good one.
    if (parts === undefined) break;
    client = { text: hop, parts };
    if (!trusted.contains(parts)) break;
  }
  return client;
}

/** Normalises what uWS reports for a dual-stack listener (`0000:...:ffff:7f00:0001`) to dotted IPv4. */
export function normalizePeer(text: string): string {
  if (!text.startsWith('0000:0000:0000:0000:0000:ffff:')) return text;
  const parts = parseIp(text);
  if (parts === undefined || parts.v6) return text;
  const v = parts.lo;
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}
