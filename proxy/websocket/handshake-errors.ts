/**
 * Why an upstream WebSocket handshake failed, as one of the proxy's error kinds (so it is answered
 * and counted like the same failure of an HTTP request): refused or unreachable → 502
 * upstream_connect_failed (and the backend backs off); no 101 within the handshake timeout → 504
 * upstream_timeout; reset → 502 upstream_reset; anything else `ws` rejects (a bad
 * Sec-WebSocket-Accept, a subprotocol that was not offered) → 502 upstream_invalid_response.
 */
import type { ErrorKind } from '../forward/error-response.js';

const UNREACHABLE: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);
const RESET: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);
/** `ws`'s message when `handshakeTimeout` passes (ws/lib/websocket.js). */
const HANDSHAKE_TIMEOUT = 'Opening handshake has timed out';

/** The error kind for a failed upstream handshake. */
export function handshakeErrorKind(err: unknown): ErrorKind {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (UNREACHABLE.has(code)) return 'upstream_connect_failed';
    if (RESET.has(code)) return 'upstream_reset';
    if (code === 'ETIMEDOUT') return 'upstream_timeout';
  }
  const message = err instanceof Error ? err.message : '';
  if (message === HANDSHAKE_TIMEOUT) return 'upstream_timeout';
  if (message === 'socket hang up') return 'upstream_reset';
  return 'upstream_invalid_response';
}
