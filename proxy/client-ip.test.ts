import { describe, expect, it } from 'vitest';
import { formatPeer, nodePeer, resolveClientAddress } from './client-ip.js';
import { TrustedNetworks } from './trusted-networks.js';

const trusted = new TrustedNetworks(['127.0.0.1/32', '10.0.0.0/8']);
const client = (peer: string, xff: string) => resolveClientAddress(peer, xff, trusted)?.text;

describe('resolveClientAddress', () => {
  it('uses the socket peer when there is no X-Forwarded-For', () => expect(client('203.0.113.9', '')).toBe('203.0.113.9'));
  it('ignores X-Forwarded-For from an untrusted peer', () => expect(client('203.0.113.9', '1.1.1.1')).toBe('203.0.113.9'));
  it('honours X-Forwarded-For from a trusted peer', () => expect(client('127.0.0.1', '198.51.100.7')).toBe('198.51.100.7'));
  it('skips trusted hops right to left', () => expect(client('127.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.3')).toBe('198.51.100.7'));
  it('does not let a client spoof through a chain', () => expect(client('127.0.0.1', '6.6.6.6, 198.51.100.7')).toBe('198.51.100.7'));
  it('takes the leftmost when every hop is trusted', () => expect(client('127.0.0.1', '10.0.0.1, 10.0.0.2')).toBe('10.0.0.1'));
  it('stops at a malformed hop', () => expect(client('127.0.0.1', '1.1.1.1, garbage, 10.0.0.2')).toBe('10.0.0.2'));
  it('handles IPv6 hops', () => expect(client('127.0.0.1', '2001:db8::1')).toBe('2001:db8::1'));
  it('refuses a peer that is not an address', () => expect(client('unix-socket', '')).toBeUndefined());
});

describe('nodePeer', () => {
  it("turns node:net's dual-stack form into dotted IPv4", () => {
    expect(nodePeer('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(nodePeer('127.0.0.1')).toBe('127.0.0.1');
    expect(nodePeer('::1')).toBe('::1');
    expect(nodePeer('::ffff:7f00:1')).toBe('::ffff:7f00:1');
  });
});

describe('formatPeer', () => {
  const v6 = (...groups: number[]) => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 255]));
  it.each([
    [new Uint8Array([127, 0, 0, 1]), '127.0.0.1'],
    [v6(0, 0, 0, 0, 0, 0xffff, 0x7f00, 0x0001), '127.0.0.1'],
    [v6(0, 0, 0, 0, 0, 0, 0, 1), '::1'],
    [v6(0, 0, 0, 0, 0, 0, 0, 0), '::'],
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), '2001:db8::1'],
    [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), '2001:db8::1:0:0:1'],
    [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), '2001:db8:0:1:1:1:1:1'],
    [v6(0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0), 'fe80::abcd:0:0:0'],
    [v6(1, 0, 0, 0, 0, 0, 0, 0), '1::'],
  ])('%s → %s (RFC 5952, as node:net writes it)', (bytes, text) => expect(formatPeer(bytes)).toBe(text));
});
