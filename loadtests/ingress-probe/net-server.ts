/**
 * The ingress probe's node:net side: what a hand-written HTTP/1.1 ingress would do per request in
 * place of uWS. Reads go into one shared buffer (Node's `onread`), the request line and every header
 * are parsed and validated in JavaScript into the same strings uWS hands over (names lower-cased),
 * the peer address is read once per connection, and the answer (status, headers, Date,
 * Content-Length, body) leaves in one corked write on the next turn of the event loop. Requests with
 * a body are out of the probe's scope (answered 501, connection closed).
 */
import net from 'node:net';
import { FieldList, parseFieldLines } from '../../proxy/upstream/field-lines.js';
import { CR, LF, SP, TOKEN, equalsLower } from '../../proxy/upstream/http-chars.js';
import { BODY, HEADERS, STATUS } from './response.js';

const port = Number(process.env.PORT);
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const MAX_HEAD = 16 * 1024;
const FIXED_HEAD = `HTTP/1.1 ${STATUS}\r\n${HEADERS.map(([name, value]) => `${name}: ${value}\r\n`).join('')}content-length: ${BODY.length}\r\n`;
let dateLine = '';
const refreshDate = (): void => {
  dateLine = `date: ${new Date().toUTCString()}\r\n\r\n`;
};
refreshDate();
setInterval(refreshDate, 1000).unref();

interface Request {
  method: string;
  target: string;
  headers: string[];
  peer: string;
}

/** Reused for every head: the field lines' offsets, as the upstream client's response parser keeps them. */
const fields = new FieldList();

/**
 * Parses one request head at `b[start..end)`: the request and where the next one starts, null if
 * incomplete, 'bad' if malformed. The field lines go through the upstream client's strict parser
 * (proxy/upstream/field-lines.ts), which a hand-written ingress would share.
 */
function parseHead(b: Buffer, start: number, end: number, peer: string): { request: Request; next: number; hasBody: boolean } | null | 'bad' {
  // A match past `end` is a stale byte of the shared read buffer, not this head's end.
  const emptyLine = b.indexOf('\r\n\r\n', start, 'latin1');
  if (emptyLine < 0 || emptyLine + 4 > end) return null;
  let i = start;
  while (TOKEN[b[i]!] === 1) i++;
  if (b[i] !== SP || i === start) return 'bad';
  const method = b.toString('latin1', start, i);
  const targetStart = ++i;
  while (b[i]! > SP && b[i] !== 127) i++;
  if (b[i] !== SP || i === targetStart) return 'bad';
  const target = b.toString('latin1', targetStart, i);
  // " HTTP/1.1\r\n" or " HTTP/1.0\r\n"
  if (b[i + 1] !== 0x48 || b[i + 5] !== 0x2f || b[i + 6] !== 0x31 || b[i + 7] !== 0x2e || (b[i + 8] !== 0x31 && b[i + 8] !== 0x30) || b[i + 9] !== CR || b[i + 10] !== LF) return 'bad';
  fields.reset(b);
  try {
    parseFieldLines(b, i + 11, emptyLine + 2, fields);
  } catch {
    return 'bad';
  }
  const o = fields.offsets;
  const headers: string[] = [];
  let hasBody = false;
  for (let f = 0; f < fields.count; f++) {
    const nameStart = o[f * 4]!;
    const nameEnd = o[f * 4 + 1]!;
    if (equalsLower(b, nameStart, nameEnd, 'content-length') || equalsLower(b, nameStart, nameEnd, 'transfer-encoding')) hasBody = true;
    headers.push(b.toString('latin1', nameStart, nameEnd).toLowerCase(), b.toString('latin1', o[f * 4 + 2], o[f * 4 + 3]));
  }
  return { request: { method, target, headers, peer }, next: emptyLine + 4, hasBody };
}

class Connection {
  readonly peer: string;
  /** Bytes of a head that did not end in the last read. */
  private carry: Buffer | null = null;
  private closed = false;

  constructor(private readonly socket: net.Socket) {
    this.peer = socket.remoteAddress ?? '';
    socket.on('error', () => this.close());
    socket.on('close', () => (this.closed = true));
  }

  onRead(n: number, buf: Buffer): boolean {
    let b = buf;
    let end = n;
    if (this.carry !== null) {
      b = Buffer.concat([this.carry, buf.subarray(0, n)]);
      end = b.length;
      this.carry = null;
    }
    let start = 0;
    while (start < end && !this.closed) {
      const parsed = parseHead(b, start, end, this.peer);
      if (parsed === null) {
        if (end - start > MAX_HEAD) return this.refuse('431 Request Header Fields Too Large');
        this.carry = Buffer.from(b.subarray(start, end));
        break;
      }
      if (parsed === 'bad') return this.refuse('400 Bad Request');
      if (parsed.hasBody) return this.refuse('501 Not Implemented');
      start = parsed.next;
      setImmediate(answer, this, parsed.request);
    }
    return true;
  }

  respond(_request: Request): void {
    if (this.closed) return;
    const socket = this.socket;
    socket.cork();
    socket.write(FIXED_HEAD + dateLine, 'latin1');
    socket.write(BODY);
    socket.uncork();
  }

  private refuse(status: string): boolean {
    if (!this.closed) this.socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`, 'latin1');
    this.closed = true;
    return true;
  }

  private close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

function answer(connection: Connection, request: Request): void {
  connection.respond(request);
}

net
  .createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
    // Node's server sockets take no `onread`; the accepted handle is wrapped in one that does (the
    // internal `handle` option: a probe may use it, a production ingress would need a public way).
    let connection: Connection | null = null;
    const socket = new net.Socket({
      handle: (accepted as unknown as { _handle: unknown })._handle,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => connection!.onRead(n, buf as Buffer) },
    } as net.SocketConstructorOpts);
    connection = new Connection(socket);
    socket.resume();
  })
  .listen(port, '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
