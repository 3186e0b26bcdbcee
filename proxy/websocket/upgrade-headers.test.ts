import { describe, expect, it } from 'vitest';
import { buildUpstreamHeaders } from '../forward/request-headers.js';
import { parseSubprotocols, relayHandshake, tunnelHeaders } from './upgrade-headers.js';

/** A browser's upgrade request as an engine hands it over (names lowercase). */
const CLIENT = [
  'host', 'chat.example',
  'connection', 'Upgrade',
  'upgrade', 'websocket',
  'sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version', '13',
  'sec-websocket-extensions', 'permessage-deflate; client_max_window_bits',
  'sec-websocket-protocol', 'chat.v2, chat.v1',
  'cookie', 'a=1',
  'cookie', 'b=2',
  'authorization', 'Bearer t',
  'x-custom', 'one',
  'x-custom', 'two',
];
const UPSTREAM = buildUpstreamHeaders(CLIENT, '192.0.2.9', false, '');

describe('relayHandshake', () => {
  it('keeps end-to-end headers and the forwarding ones, drops the per-hop handshake fields', () => {
    const handshake = relayHandshake(UPSTREAM)!;
    expect(handshake.protocols).toEqual(['chat.v2', 'chat.v1']);
    const h = handshake.headers;
    expect(h['host']).toBe('chat.example');
    expect(h['cookie']).toBe('a=1; b=2');
    expect(h['authorization']).toBe('Bearer t');
    expect(h['x-custom']).toEqual(['one', 'two']);
    expect(h['x-forwarded-for']).toBe('192.0.2.9');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('chat.example');
    expect(h['via']).toBe('1.1 vortex');
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{12}-/);
    for (const gone of ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol']) {
      expect(h[gone], gone).toBeUndefined();
    }
  });

  it('offers no subprotocol when the client offered none', () => {
    expect(relayHandshake(['host', 'a'])!.protocols).toEqual([]);
  });

  it('refuses a malformed subprotocol list', () => {
    expect(relayHandshake(['host', 'a', 'sec-websocket-protocol', 'a b'])).toBeNull();
  });
});

describe('parseSubprotocols', () => {
  it.each([
    [['chat'], ['chat']],
    [['a, b', 'c'], ['a', 'b', 'c']],
    [[' a ,, b '], ['a', 'b']],
    [[], []],
    [['a, a'], null],
    [['a/b'], null],
    [['ü'], null],
  ])('%j -> %j', (values, expected) => {
    expect(parseSubprotocols(values)).toEqual(expected);
  });
});

describe('tunnelHeaders', () => {
  it('keeps the client handshake for the backend and sets Connection and Upgrade again', () => {
    const h = tunnelHeaders(UPSTREAM);
    expect(h['connection']).toBe('Upgrade');
    expect(h['upgrade']).toBe('websocket');
    expect(h['sec-websocket-key']).toBe('dGhlIHNhbXBsZSBub25jZQ==');
    expect(h['sec-websocket-protocol']).toBe('chat.v2, chat.v1');
    expect(h['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
    expect(h['x-forwarded-for']).toBe('192.0.2.9');
    expect(h['cookie']).toBe('a=1; b=2');
  });
});
