/**
 * Every answer the proxy makes up itself (it did not come from a backend): one table from a stable
 * error kind to its status and short JSON body. Kinds are part of the metrics contract
 * (`vortex_upstream_errors_total{reason}` and telemetry's errors by kind): never rename one.
 */
import { counterIndex } from '../counter-index.js';
import type { UpstreamErrorCode } from '../upstream/index.js';

/** The error kinds, in the order of the per-app counters (`AppStats.errors[i]` counts `ERROR_KINDS[i]`). */
export const ERROR_KINDS = [
  'no_route',
  'no_backend',
  'hold_timeout',
  'hold_queue_full',
  'rate_limited',
  'bad_request',
  'header_too_large',
  'body_too_large',
  'upstream_connect_failed',
  'upstream_connect_timeout',
  'upstream_timeout',
  'upstream_reset',
  'upstream_invalid_response',
  'upstream_busy',
  'upstream_error',
  'shutting_down',
  'client_aborted',
] as const;

/** One of {@link ERROR_KINDS}. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

const STATUS: Record<ErrorKind, number> = {
  no_route: 404,
  no_backend: 503,
  hold_timeout: 503,
  hold_queue_full: 503,
  rate_limited: 429,
  bad_request: 400,
  header_too_large: 431,
  body_too_large: 413,
  upstream_connect_failed: 502,
  upstream_connect_timeout: 504,
  upstream_timeout: 504,
  upstream_reset: 502,
  upstream_invalid_response: 502,
  upstream_busy: 503,
  upstream_error: 502,
  shutting_down: 503,
  // Never sent (the client is gone); nginx logs the same case as 499.
  client_aborted: 499,
};

/** Index of each kind in {@link ERROR_KINDS}, for counting into a typed array. */
export const ERROR_INDEX = counterIndex(ERROR_KINDS);

/** Seconds a client is told to wait (Retry-After) when no backend is ready. */
export const NO_BACKEND_RETRY_AFTER_S = 1;

/** A made-up response: status line, extra headers (name, value, ...) and a JSON body. */
export interface ErrorResponse {
  readonly kind: ErrorKind;
  readonly status: number;
  /** `"503 Service Unavailable"`: uWS needs the reason phrase written out. */
  readonly statusLine: string;
  readonly headers: readonly string[];
  readonly body: string;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Content Too Large',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The status code of a kind. */
export function statusOf(kind: ErrorKind): number {
  return STATUS[kind];
}

/**
 * Builds the response for `kind`: `{"error":kind}` plus `"app"` when known. `headers` are extra
 * name/value pairs (Retry-After, RateLimit-*); Content-Type is always added.
 */
export function errorResponse(kind: ErrorKind, app: string | undefined, headers: readonly string[] = []): ErrorResponse {
  const status = STATUS[kind];
  const body = app === undefined ? `{"error":"${kind}"}` : `{"error":"${kind}","app":${JSON.stringify(app)}}`;
  return {
    kind,
    status,
    statusLine: `${status} ${REASONS[status] ?? ''}`,
    headers: ['content-type', 'application/json', ...headers],
    body,
  };
}

const UPSTREAM_KINDS: Record<UpstreamErrorCode, ErrorKind> = {
  VX_UPSTREAM_CONNECT_REFUSED: 'upstream_connect_failed',
  VX_UPSTREAM_CONNECT_TIMEOUT: 'upstream_connect_timeout',
  VX_UPSTREAM_HEADERS_TIMEOUT: 'upstream_timeout',
  VX_UPSTREAM_BODY_TIMEOUT: 'upstream_timeout',
  VX_UPSTREAM_RESET: 'upstream_reset',
  VX_UPSTREAM_PARSE: 'upstream_invalid_response',
  VX_UPSTREAM_QUEUE_FULL: 'upstream_busy',
  VX_UPSTREAM_ABORTED: 'upstream_error',
  VX_UPSTREAM_CLOSED: 'upstream_error',
  // A method, path or header byte the upstream client refuses to put on the wire: the client's fault.
  VX_UPSTREAM_INVALID_REQUEST: 'bad_request',
  VX_UPSTREAM_INVALID_ARGUMENT: 'upstream_error',
};

/** The error kind (and so the status) for an upstream failure, by its stable code. */
export function kindOfUpstreamError(code: UpstreamErrorCode): ErrorKind {
  return UPSTREAM_KINDS[code];
}
