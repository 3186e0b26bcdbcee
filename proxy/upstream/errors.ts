/**
 * Upstream client errors: one class per failure, each with a stable `code`. The proxy maps them to
 * HTTP answers in one table (header timeout → 504, the rest → 502) and matches on `code`, never on
 * the message.
 */

/** Every code an upstream failure can carry. */
export type UpstreamErrorCode =
  | 'VX_UPSTREAM_CONNECT_REFUSED'
  | 'VX_UPSTREAM_CONNECT_TIMEOUT'
  | 'VX_UPSTREAM_HEADERS_TIMEOUT'
  | 'VX_UPSTREAM_BODY_TIMEOUT'
  | 'VX_UPSTREAM_RESET'
  | 'VX_UPSTREAM_PARSE'
  | 'VX_UPSTREAM_QUEUE_FULL'
  | 'VX_UPSTREAM_ABORTED'
  | 'VX_UPSTREAM_CLOSED'
  | 'VX_UPSTREAM_INVALID_REQUEST'
  | 'VX_UPSTREAM_INVALID_ARGUMENT';

/** What the request had got to when it failed; the proxy decides on retries and 502-vs-abort from it. */
export interface FailureProgress {
  /** The handler already received `onHead`: the client may have bytes, so answer by aborting, not 502. */
  readonly responseStarted: boolean;
  /** Request body bytes the caller had handed to `write()`; a retry elsewhere must be able to replay them. */
  readonly requestBodyBytes: number;
}

const NOT_STARTED: FailureProgress = { responseStarted: false, requestBodyBytes: 0 };

/** Base class of every upstream failure. */
export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  /** See {@link FailureProgress.responseStarted}. */
  readonly responseStarted: boolean;
  /** See {@link FailureProgress.requestBodyBytes}. */
  readonly requestBodyBytes: number;
  /**
   * True when the backend cannot have produced any answer for this request (refused, connect timeout, or
   * reset before a response byte): the proxy may send it to ANOTHER backend, provided the method is
   * idempotent and it can replay `requestBodyBytes` of body (in practice: when that is 0).
   */
  readonly retryableElsewhere: boolean;

  constructor(
    code: UpstreamErrorCode,
    message: string,
    progress: FailureProgress,
    retryableElsewhere: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.responseStarted = progress.responseStarted;
    this.requestBodyBytes = progress.requestBodyBytes;
    this.retryableElsewhere = retryableElsewhere && !progress.responseStarted;
  }
}

/** The TCP connect failed (ECONNREFUSED, EHOSTUNREACH, ...): nothing reached the backend. */
export class ConnectRefusedError extends UpstreamError {
  constructor(address: string, progress: FailureProgress, cause?: unknown) {
    super('VX_UPSTREAM_CONNECT_REFUSED', `upstream: connect to ${address} failed`, progress, true, { cause });
  }
}

/** The TCP connect did not complete within `connectTimeoutMs`. */
export class ConnectTimeoutError extends UpstreamError {
  constructor(address: string, timeoutMs: number, progress: FailureProgress) {
    super('VX_UPSTREAM_CONNECT_TIMEOUT', `upstream: connect to ${address} timed out after ${timeoutMs} ms`, progress, true);
  }
}

/** The complete response head did not arrive within `headersTimeoutMs` of the request being sent. */
export class HeadersTimeoutError extends UpstreamError {
  constructor(timeoutMs: number, progress: FailureProgress) {
    super('VX_UPSTREAM_HEADERS_TIMEOUT', `upstream: no response head within ${timeoutMs} ms`, progress, false);
  }
}

/** The response body stalled: no byte for `bodyTimeoutMs` while the caller was not pausing it. */
export class BodyTimeoutError extends UpstreamError {
  constructor(timeoutMs: number, progress: FailureProgress) {
    super('VX_UPSTREAM_BODY_TIMEOUT', `upstream: response body idle for ${timeoutMs} ms`, progress, false);
  }
}

/** The connection closed or failed before the response was complete. */
export class UpstreamResetError extends UpstreamError {
  constructor(what: string, progress: FailureProgress, bytesReceived: number, cause?: unknown) {
    // Retrying elsewhere is safe only when the backend said nothing at all about this request.
    super('VX_UPSTREAM_RESET', `upstream: ${what}`, progress, bytesReceived === 0, { cause });
  }
}

/** The backend sent something that is not valid HTTP/1.1 (or would allow response smuggling). */
export class UpstreamParseError extends UpstreamError {
  constructor(readonly reason: string, progress: FailureProgress = NOT_STARTED) {
    super('VX_UPSTREAM_PARSE', `upstream: invalid response: ${reason}`, progress, false);
  }
}

/** All connections are busy and the wait queue is at its bound: thrown by `request()`. */
export class QueueFullError extends UpstreamError {
  constructor(address: string, limit: number) {
    super('VX_UPSTREAM_QUEUE_FULL', `upstream: ${address}: ${limit} requests already waiting for a connection`, NOT_STARTED, true);
  }
}

/** The client broke the request contract (body longer or shorter than declared, backpressure ignored). */
export class RequestAbortedError extends UpstreamError {
  constructor(reason: string, progress: FailureProgress) {
    super('VX_UPSTREAM_ABORTED', `upstream: request aborted: ${reason}`, progress, false);
  }
}

/**
 * The pool was closed or destroyed: thrown by `request()`, or delivered to requests it cut off.
 * Retryable elsewhere only when the request never reached a socket (`sent` false).
 */
export class PoolClosedError extends UpstreamError {
  constructor(address: string, progress: FailureProgress = NOT_STARTED, sent = false) {
    super('VX_UPSTREAM_CLOSED', `upstream: pool for ${address} is closed`, progress, !sent);
  }
}

/** The request itself cannot be sent: a method, path or header byte that would break the framing. */
export class InvalidRequestError extends UpstreamError {
  constructor(reason: string) {
    super('VX_UPSTREAM_INVALID_REQUEST', `upstream: invalid request: ${reason}`, NOT_STARTED, false);
  }
}

/** A pool option is out of range: thrown by the constructor with the exact key and value. */
export class InvalidArgumentError extends UpstreamError {
  constructor(message: string) {
    super('VX_UPSTREAM_INVALID_ARGUMENT', `upstream: ${message}`, NOT_STARTED, false);
  }
}
