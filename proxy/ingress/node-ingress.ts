/**
 * The node:http engine: the fallback when uWS's native build is missing, and a second engine the
 * same HTTP suite runs against. Node answers `Expect: 100-continue` itself (no checkContinue
 * listener), refuses CL+TE and duplicate Content-Length in its parser (400), enforces the header
 * size (431), and closes connections whose head is not complete within CLIENT_HEADER_TIMEOUT_MS.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { nodePeer } from '../client-ip.js';
import type { Downstream } from '../forward/downstream.js';
import { errorResponse } from '../forward/error-response.js';
import type { ErrorResponse } from '../forward/error-response.js';
import type { Exchange } from '../forward/exchange.js';
import type { ForwardCore } from '../forward/forward-core.js';
import { writeRawResponse } from '../websocket/node-websocket.js';
import type { NodeWebSockets } from '../websocket/node-websocket.js';
import type { Ingress } from './ingress.js';

/** A client must send its whole request head within this (ms): uWS's fixed 10 s, matched. */
export const CLIENT_HEADER_TIMEOUT_MS = 10_000;
const EMPTY = Buffer.alloc(0);

/** The client side of one request on node:http. */
class NodeClient implements Downstream {
  exchange: Exchange | null = null;

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
  ) {}

  head(status: number, statusLine: string, headers: readonly Buffer[], contentLength: number): void {
    if (this.res.destroyed) return;
    const flat: string[] = [];
    for (let i = 0; i < headers.length; i++) flat.push(headers[i]!.toString('latin1'));
    // Node sends no body for HEAD, 204 and 304 itself; HEAD still reports the length.
    if (contentLength >= 0 && status !== 204 && status !== 304) flat.push('content-length', String(contentLength));
    this.res.writeHead(status, statusLine.slice(4), flat);
    this.res.flushHeaders();
  }

  /** head() has already written the head. */
  flushHead(): void {}

  body(chunk: Buffer): boolean {
    if (this.res.destroyed) return true;
    // The upstream chunk is a view of a reused read buffer; Node may keep it queued.
    return this.res.write(Buffer.from(chunk));
  }

  end(): void {
    if (!this.res.destroyed) this.res.end();
  }

  respond(response: ErrorResponse, close: boolean): void {
    if (this.res.destroyed || this.res.headersSent) return;
    const headers = close ? [...response.headers, 'connection', 'close'] : response.headers;
    this.res.writeHead(response.status, response.statusLine.slice(4), [...headers, 'content-length', String(Buffer.byteLength(response.body))]);
    this.res.end(response.body);
  }

  abort(): void {
    this.res.destroy();
  }

  pauseRequest(): void {
    this.req.pause();
  }

  resumeRequest(): void {
    this.req.resume();
  }
}

/** A node:http server serving the forwarding core. */
export class NodeIngress implements Ingress {
  readonly engine = 'node' as const;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly core: ForwardCore,
    maxHeaderBytes: number,
    idleTimeoutMs: number,
    websockets: NodeWebSockets,
  ) {
    this.server = http.createServer(
      {
        // A little over our own limit, so the core's 431 (counted, JSON) normally answers first.
        maxHeaderSize: maxHeaderBytes + 1024,
        headersTimeout: CLIENT_HEADER_TIMEOUT_MS,
        requestTimeout: 0,
        connectionsCheckingInterval: 1_000,
        keepAliveTimeout: 5_000,
      },
      (req, res) => this.onRequest(req, res),
    );
    this.server.timeout = idleTimeoutMs;
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      if (!websockets.handle(req, socket, head)) this.onOtherUpgrade(req, socket);
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  stopAccepting(): void {
    this.server.close();
    this.server.closeIdleConnections();
  }

  close(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * An upgrade to something other than WebSocket (h2c, ...): uWS serves it as a plain request with
   * Upgrade dropped, and so does this, once; the connection closes after the response, as Node has
   * already detached its parser. A body cannot be read off a detached parser: such a request gets 400.
   */
  private onOtherUpgrade(req: http.IncomingMessage, socket: Socket): void {
    socket.on('error', () => undefined);
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      const unrouted = this.core.unrouted;
      unrouted.countError('bad_request');
      unrouted.countStatus(400);
      writeRawResponse(socket, errorResponse('bad_request', undefined));
      return;
    }
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on('finish', () => {
      res.detachSocket(socket);
      socket.destroySoon();
    });
    this.onRequest(req, res);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const raw = req.rawHeaders;
    const headers: string[] = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i += 2) {
      headers[i] = raw[i]!.toLowerCase();
      headers[i + 1] = raw[i + 1]!;
    }
    const client = new NodeClient(req, res);
    const exchange = this.core.handle(
      { method: req.method ?? 'GET', path: req.url ?? '/', headers, peer: nodePeer(req.socket.remoteAddress ?? '') },
      client,
    );
    if (exchange === null) {
      req.resume();
      return;
    }
    client.exchange = exchange;
    res.on('close', () => {
      if (!res.writableFinished) exchange.clientAborted();
    });
    res.on('drain', () => exchange.clientWritable());
    if (exchange.wantsBody) {
      req.on('data', (chunk: Buffer) => exchange.requestData(chunk, false));
      req.on('end', () => exchange.requestData(EMPTY, true));
    } else req.resume();
  }
}
