/**
 * The forwarding core's view of the client side of one request, implemented once per engine (uWS,
 * node:http). The core calls these; the engine calls the Exchange back for request body chunks,
 * client aborts and writability.
 */
import type { ErrorResponse } from './error-response.js';

/** The client connection of one request, as the core drives it. */
export interface Downstream {
  /**
   * Sends the status line (`"200 OK"`: the code, a space, the reason phrase) and headers. `headers`
   * are name/value views without Content-Length, Date or hop-by-hop ones, valid until the end of the
   * backend read (see flushHead); `contentLength` is the body size or -1 when unknown (the engine
   * chunks); with `noBody` (HEAD, 204, 304) no body follows and `contentLength`, when not -1, is only reported.
   */
  head(status: number, statusLine: string, headers: readonly Buffer[], contentLength: number, noBody: boolean): void;
  /**
   * Writes a head that `head()` kept back to send with the first body bytes: called at the end of
   * the backend read that brought the head, when no body or end took it along (its views die then).
   */
  flushHead(): void;
  /** A body chunk (a view, valid during the call only). False: the client is slow, hold further chunks until the Exchange's `clientWritable()`. */
  body(chunk: Buffer): boolean;
  /** The response is complete. */
  end(): void;
  /** Sends a whole proxy-made response; `close` asks to close the connection after it (request body unread). */
  respond(response: ErrorResponse, close: boolean): void;
  /** Cuts the connection: the response broke after its head was sent. */
  abort(): void;
  /** Stops reading the request body (backpressure from the backend, or a held request). */
  pauseRequest(): void;
  /** Resumes reading the request body. */
  resumeRequest(): void;
}
