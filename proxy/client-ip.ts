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

/** The peer as node:net reports it, with a dual-stack listener's IPv4 peers (`::ffff:1.2.3.4`) as dotted IPv4. */
export function nodePeer(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The text of a binary peer address as uWS's getRemoteAddress() gives it (4 bytes, or 16 for IPv6):
 * dotted IPv4, IPv4-mapped IPv6 as dotted IPv4, other IPv6 in the RFC 5952 form (`2001:db8::1`),
 * which is also what node:net reports, so both engines write the same X-Forwarded-For.
 */
export function formatPeer(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) return '';
  let mapped = bytes[10] === 0xff && bytes[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) mapped = bytes[i] === 0;
  if (mapped) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // The longest run of two or more zero groups (the first of equal runs) becomes '::'.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
