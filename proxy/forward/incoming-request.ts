/**
 * What an engine hands the forwarding core about one client request, and the one pass over its
 * headers that validates framing and picks out what the proxy needs. Validation happens here,
 * before anything is forwarded: a request whose body length two parties could read differently
 * (two Content-Lengths, Content-Length with Transfer-Encoding, a coding other than chunked) is
 * refused with 400, so no request can be smuggled past us to a backend; so is a method, target, header
 * name or value with a byte that cannot be forwarded as is (CR, LF, NUL, other controls).
 */
import { isFieldValue, isRequestTarget, isToken } from '../upstream/index.js';
import type { ErrorKind } from './error-response.js';

/** The request head as read by an engine. Header names are lowercase. */
export interface IncomingHead {
  /** Method as sent (`GET`). */
  readonly method: string;
  /** Request target: path and query. */
  readonly path: string;
  /** name, value, name, value... in arrival order; names lowercase. */
  readonly headers: readonly string[];
  /** Peer address as text, IPv4-mapped IPv6 already turned into dotted IPv4. */
  readonly peer: string;
}

/** What the scan found; `error` set means: answer with it and forward nothing. */
export interface ScannedRequest {
  error: ErrorKind | null;
  host: string;
  /** Declared body length; -1 when chunked; 0 when there is no body. */
  bodyLength: number;
  /** `X-Forwarded-For` values joined (`""` when absent). */
  forwardedFor: string;
}

/** Bytes a header line costs beyond name and value (`: ` and CRLF), as nginx and Node count them. */
const LINE_OVERHEAD = 4;
const DIGITS = /^[0-9]{1,15}$/;

/**
 * Validates framing and size of `head` against `maxHeaderBytes` (request line plus header lines) and
 * `maxBodyBytes` (declared Content-Length), and extracts Host, body length and X-Forwarded-For.
 */
export function scanRequest(head: IncomingHead, maxHeaderBytes: number, maxBodyBytes: number): ScannedRequest {
  const headers = head.headers;
  let bytes = head.method.length + head.path.length + 12;
  let host: string | null = null;
  let hosts = 0;
  let contentLength: string | null = null;
  let lengths = 0;
  let transferEncoding: string | null = null;
  let forwardedFor = '';
  // Every byte forwarded is checked here, once: the upstream client is told not to check again.
  let invalid = !isToken(head.method) || !isRequestTarget(head.path);
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    bytes += name.length + value.length + LINE_OVERHEAD;
    if (!isToken(name) || !isFieldValue(value)) invalid = true;
    switch (name) {
      case 'host':
        host = value;
        hosts++;
        break;
      case 'content-length':
        contentLength = value;
        lengths++;
        break;
      case 'transfer-encoding':
        transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
        break;
      case 'x-forwarded-for':
        forwardedFor = forwardedFor === '' ? value : `${forwardedFor}, ${value}`;
        break;
    }
  }
  const result: ScannedRequest = { error: null, host: host ?? '', bodyLength: 0, forwardedFor };
  if (bytes > maxHeaderBytes) result.error = 'header_too_large';
  else if (invalid) result.error = 'bad_request';
  // HTTP/1.1 requires exactly one Host (RFC 9112 §3.2).
  else if (hosts !== 1 || host === '') result.error = 'bad_request';
  else if (transferEncoding !== null) {
    if (contentLength !== null || transferEncoding.trim().toLowerCase() !== 'chunked') result.error = 'bad_request';
    else result.bodyLength = -1;
  } else if (contentLength !== null) {
    if (lengths !== 1 || !DIGITS.test(contentLength)) result.error = 'bad_request';
    else {
      const n = Number(contentLength);
      if (n > maxBodyBytes) result.error = 'body_too_large';
      else result.bodyLength = n;
    }
  }
  return result;
}
