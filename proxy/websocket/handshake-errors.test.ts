import { describe, expect, it } from 'vitest';
import { handshakeErrorKind } from './handshake-errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('handshakeErrorKind', () => {
  it.each([
    [withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'), 'upstream_connect_failed'],
    [withCode('getaddrinfo ENOTFOUND x', 'ENOTFOUND'), 'upstream_connect_failed'],
    [withCode('read ECONNRESET', 'ECONNRESET'), 'upstream_reset'],
    [new Error('socket hang up'), 'upstream_reset'],
    [new Error('Opening handshake has timed out'), 'upstream_timeout'],
    [withCode('connect ETIMEDOUT', 'ETIMEDOUT'), 'upstream_timeout'],
    [new Error('Invalid Sec-WebSocket-Accept header'), 'upstream_invalid_response'],
    [new Error('Server sent an invalid subprotocol'), 'upstream_invalid_response'],
    ['not even an error', 'upstream_invalid_response'],
  ])('%s -> %s', (err, kind) => {
    expect(handshakeErrorKind(err)).toBe(kind);
  });
});
