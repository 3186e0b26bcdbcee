/**
 * Serialises a request head into one latin1 string, so it goes out in one `socket.write`. Every
 * method, path and header byte is validated first: a CR, LF or NUL that reached the head would let a
 * client inject headers or a second request (request smuggling towards the backend).
 */
import { InvalidRequestError } from './errors.js';

/** A header name or value as the front end hands it over: uWS gives strings, raw parsers Buffers. */
export type HeaderField = string | Buffer;

/** `bodyLength` for a body of unknown length, sent with chunked coding. */
export const CHUNKED = -1;

const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// request-target: visible ASCII and obs-text (a client's raw UTF-8 bytes arrive as latin1 chars).
const TARGET_RE = /^[\x21-\x7e\x80-\xff]+$/;
// field-value: VCHAR, obs-text, SP, HTAB. Chars above 0xFF cannot be sent as latin1 and are refused too.
const VALUE_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A method or header name: a non-empty token (RFC 9110 §5.6.2). */
export function isToken(text: string): boolean {
  return TOKEN_RE.test(text);
}

/** A request target that can go on the request line: visible latin1, no space, CR, LF or NUL. */
export function isRequestTarget(text: string): boolean {
  return TARGET_RE.test(text);
}

/** A header value that can be sent: no CR, LF, NUL or other control byte but HTAB, nothing above 0xFF. */
export function isFieldValue(text: string): boolean {
  return VALUE_RE.test(text);
}

/** Methods whose empty body is still announced with `Content-Length: 0` (some servers answer 411 otherwise). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function text(field: HeaderField): string {
  return typeof field === 'string' ? field : field.toString('latin1');
}

/**
 * Builds `METHOD path HTTP/1.1`, the given headers (pairs: name, value, ...), `Host: defaultHost`
 * when the caller gave none, and the framing header for `bodyLength` (bytes; 0 = no body;
 * {@link CHUNKED} = unknown length). Framing is the client's job, so a caller-supplied
 * Content-Length or Transfer-Encoding is refused. With `validated`, the caller vouches that the
 * method, path, names and values pass {@link isToken}, {@link isRequestTarget} and
 * {@link isFieldValue} (the proxy checks them as the request arrives), and they are not checked
 * again. Throws {@link InvalidRequestError}.
 */
export function serializeRequestHead(
  method: string,
  path: string,
  headers: readonly HeaderField[],
  bodyLength: number,
  defaultHost: string,
  validated = false,
): string {
  if (!validated && !TOKEN_RE.test(method)) throw new InvalidRequestError('invalid method');
  // A 2xx to CONNECT turns the connection into a tunnel, which this client does not speak.
  if (method === 'CONNECT') throw new InvalidRequestError('CONNECT is not supported');
  if (!validated && !TARGET_RE.test(path)) throw new InvalidRequestError('invalid request target');
  if ((headers.length & 1) !== 0) throw new InvalidRequestError('headers must be name/value pairs');
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = text(headers[i] as HeaderField);
    const value = text(headers[i + 1] as HeaderField);
    if (!validated) {
      if (!TOKEN_RE.test(name)) throw new InvalidRequestError('invalid header name');
      if (!VALUE_RE.test(value)) throw new InvalidRequestError(`invalid value for header ${name}`);
    }
    const n = name.length;
    if (n === 4 || n === 14 || n === 17) {
      // Front ends hand names over in lowercase already: spare the copy then.
      const lower = name === 'host' || name === 'content-length' || name === 'transfer-encoding' ? name : name.toLowerCase();
      if (lower === 'host') hasHost = true;
      else if (lower === 'content-length' || lower === 'transfer-encoding') {
        throw new InvalidRequestError(`${name} is set by the client from bodyLength`);
      }
    }
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) head += `host: ${defaultHost}\r\n`;
  if (bodyLength === CHUNKED) head += 'transfer-encoding: chunked\r\n';
  else if (bodyLength > 0 || BODY_METHODS.has(method)) head += `content-length: ${bodyLength}\r\n`;
  return `${head}\r\n`;
}

/** The line that starts one chunk of `size` bytes in a chunked request body. */
export function chunkHeader(size: number): string {
  return `${size.toString(16)}\r\n`;
}
