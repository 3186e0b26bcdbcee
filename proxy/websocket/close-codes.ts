/**
 * WebSocket close codes the proxy sends and relays (RFC 6455 §7.4, IANA registry). A close that one
 * side sends with a code is relayed to the other with the same code and reason; codes no endpoint
 * may put on the wire (1005 "no status", 1006 "abnormal", 1015 "TLS") are never relayed as such:
 * 1005 becomes a close frame without a code, 1006/1015 mean the connection died and are handled
 * by the caller (see {@link lostBackendCode}).
 */

/** Normal closure. */
export const NORMAL = 1000;
/** The endpoint is going away: a graceful proxy shutdown, or a backend removed on purpose. */
export const GOING_AWAY = 1001;
/** A message over `proxy.websocket.max_message_bytes`. */
export const MESSAGE_TOO_BIG = 1009;
/** The backend's connection failed while its backend was still in service. */
export const INTERNAL_ERROR = 1011;
/** The backend could not take the client's messages fast enough (more than `max_backpressure` waited). */
export const TRY_AGAIN_LATER = 1013;
/** The abnormal-closure code libraries report when a connection ended without a close frame. */
export const ABNORMAL = 1006;

/** Whether `code` may be sent in a close frame (the set `ws` accepts: 1000-1014 but 1004-1006, and 3000-4999). */
export function isSendable(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** Whether a close reported with `code` means the connection died without a closing handshake. */
export function isAbnormal(code: number): boolean {
  return code === ABNORMAL || code === 1015;
}

/**
 * The code the client gets when its backend's connection dies without a close frame. A backend that
 * is no longer `ready` was removed from the router on purpose (scale-down, replacement): that is
 * "going away" (1001), and the client should simply reconnect. A backend still in service failed:
 * 1011, so a client (and whoever reads its logs) can tell a failure from a planned departure.
 */
export function lostBackendCode(backendReady: boolean): number {
  return backendReady ? INTERNAL_ERROR : GOING_AWAY;
}

/** `ws`'s error codes for a peer's protocol violation (ws/lib/receiver.js) and the close code `ws` sends for each. */
const WS_ERROR_CODES: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: MESSAGE_TOO_BIG,
  WS_ERR_INVALID_UTF8: 1007,
};

/**
 * The close code `ws` sent the backend when it broke the protocol (`err` from the upstream's 'error'
 * event): 1009 for a message over the limit, 1007 for invalid UTF-8, 1002 for any other WS_ERR_*;
 * undefined for a socket error. `ws` then stops reading, so its 'close' reports 1006, and this is the
 * code the client should get instead.
 */
export function protocolErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  return WS_ERROR_CODES[code] ?? 1002;
}

/** What uWS's close handler says (with 1006) when a client message was over maxPayloadLength. */
export const UWS_TOO_BIG_REASON = 'Received too big message';

/** Close reasons are at most 123 bytes of UTF-8 (a control frame carries 125, less the code). */
export function clampReason(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = Buffer.from(reason).subarray(0, 123).toString();
  // A multi-byte character cut in half decodes to U+FFFD, which is 3 bytes: drop it.
  while (Buffer.byteLength(cut) > 123 || cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}
