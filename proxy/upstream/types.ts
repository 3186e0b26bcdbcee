/**
 * The upstream client's contract with its caller (the proxy's front end): what a request is, the
 * callbacks that receive the response, the pool's options and its statistics.
 */
import type { UpstreamError } from './errors.js';
import type { ResponseHead } from './head-parser.js';
import type { HeaderField } from './request-head.js';

/** One request to send upstream. Headers are name/value pairs, hop-by-hop ones already removed. */
export interface UpstreamRequestOptions {
  /** Method as sent, case-sensitive (`GET`). */
  readonly method: string;
  /** Request target: path and query (`/a?b=1`). */
  readonly path: string;
  /** name, value, name, value...; no Content-Length or Transfer-Encoding (the client adds framing). */
  readonly headers: readonly HeaderField[];
  /**
   * Body size in bytes, streamed through `write()`/`end()`: 0 or absent = no body (the request is
   * complete at once); n > 0 = exactly n bytes; -1 (`CHUNKED`) = unknown length, sent chunked.
   */
  readonly bodyLength?: number;
  /**
   * The caller has checked method, path, names and values with the exported `isToken`,
   * `isRequestTarget` and `isFieldValue` (the proxy does as a request arrives): the client skips
   * its own check. Anything else is still refused (framing headers, CONNECT).
   */
  readonly validated?: boolean;
}

/**
 * Receives one response. The client calls these on a handler object the caller owns (no closure per
 * request). After `onEnd` or `onError`, or after the caller's `abort()`, nothing more is called.
 */
export interface UpstreamHandler {
  /**
   * The final response head, valid until the end of the read that brought it (see `onReadDone`).
   * Its fields are offsets into the bytes read from the backend, never converted to strings (views
   * on demand: `head.fields.name(i)`, or all at once with `head.rawHeaders`); `contentLength` is -1
   * when not given (chunked or close-delimited). Hop-by-hop headers are still there: the proxy strips them.
   */
  onHead(head: ResponseHead): void;
  /** A piece of the body (a view of a reused buffer; copy it to keep it past the call). Return false to pause until `resume()`. */
  onData(chunk: Buffer): boolean;
  /** The response is complete (it may follow an `onData` that returned false); trailers as name/value views. */
  onEnd(trailers: Buffer[]): void;
  /** The exchange failed; `err.responseStarted` says whether `onHead` had already been called. */
  onError(err: UpstreamError): void;
  /** A 1xx interim response (100 Continue, 103 Early Hints); the final head follows. */
  onInterim?(status: number, rawHeaders: Buffer[]): void;
  /** `write()` returned false earlier and the request body may flow again. */
  onDrain?(): void;
  /**
   * Every byte of the current socket read was delivered and the response goes on: views handed
   * over so far (head, body pieces) become invalid when this returns, as the read buffer is reused.
   * A caller that kept the head to send it with the first body bytes must send it now.
   */
  onReadDone?(): void;
}

/** Options of a per-backend pool. Times in milliseconds, sizes in bytes. */
export interface PoolOptions {
  /** Backend address, e.g. `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** Sockets open at once, busy or idle (default 256). */
  readonly maxConnections?: number;
  /** Requests waiting for a socket when all are busy (default 1024); beyond it `request()` throws QueueFullError. */
  readonly maxQueue?: number;
  /** TCP connect (default 10 000). */
  readonly connectTimeoutMs?: number;
  /** From the request being fully sent until the complete response head (default 60 000). */
  readonly headersTimeoutMs?: number;
  /** Longest gap between response body reads while the caller is not pausing (default 60 000). */
  readonly bodyTimeoutMs?: number;
  /** An idle keep-alive socket is closed after this (default 4 000: keep it below the backend's own). */
  readonly idleTimeoutMs?: number;
  /** Largest response head, and largest trailer section (default 16 384). */
  readonly maxHeaderSize?: number;
  /** Request body bytes kept to replay when a reused socket turns out dead (default 65 536). */
  readonly maxReplayBytes?: number;
  /** Body bytes `write()` accepts while waiting for a socket, after it returned false (default 1 MiB). */
  readonly maxPendingBodyBytes?: number;
}

/** Pool occupancy for telemetry. */
export interface PoolStats {
  /** Open or opening sockets. */
  readonly connections: number;
  /** Sockets carrying a request. */
  readonly active: number;
  /** Keep-alive sockets waiting for a request. */
  readonly idle: number;
  /** Requests waiting for a socket. */
  readonly queued: number;
  /** Requests retried because their reused socket was dead (since the pool was created). */
  readonly retries: number;
}
