/**
 * WebSockets on the node:http engine, through http-proxy-3: the client's handshake goes to the
 * backend as sent (plus the forwarding headers every request gets), the backend's 101 or refusal
 * comes back as sent, and after the 101 the bytes are tunnelled (TunnelRelay replaces
 * http-proxy-3's pipes with a frame-aware copy, so the proxy can still close with 1001/1011 at a
 * frame boundary). Routing, limits, backend choice and accounting are the shared session's.
 *
 * Differences from the uWS engine, all from tunnelling rather than relaying messages: extensions
 * (permessage-deflate) and subprotocols are negotiated end to end; message size and idle limits
 * are the backend's; backpressure is TCP's both ways (nothing is closed with 1013); a refused
 * connect is not retried on another backend (http-proxy-3 closes the client socket on any upstream
 * error); a backend that dies in the middle of a frame leaves the client without a close frame.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';
import { nodePeer } from '../client-ip.js';
import type { ErrorResponse } from '../forward/error-response.js';
import type { ForwardCore } from '../forward/forward-core.js';
import { lostBackendCode } from './close-codes.js';
import { TunnelRelay } from './tunnel-relay.js';
import { tunnelHeaders } from './upgrade-headers.js';
import { WebSocketSession } from './websocket-session.js';
import type { SessionContext } from './websocket-session.js';

const NOOP = (): void => undefined;

/** Writes the proxy's own answer on a raw client socket (an upgrade request's) and closes it. */
export function writeRawResponse(socket: Socket, response: ErrorResponse): void {
  if (socket.destroyed || !socket.writable) return;
  let head = `HTTP/1.1 ${response.statusLine}\r\n`;
  const headers = response.headers;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]!}: ${headers[i + 1]!}\r\n`;
  head += `content-length: ${Buffer.byteLength(response.body)}\r\nconnection: close\r\n\r\n`;
  socket.end(head + response.body);
}

/** One tunnelled WebSocket. */
class NodeWebSocketSession extends WebSocketSession {
  private request: http.ClientRequest | null = null;
  private upstream: Socket | null = null;
  private relay: TunnelRelay | null = null;
  private clientGone = false;
  private upstreamGone = false;

  constructor(
    ctx: SessionContext,
    admitted: { app: AppState; now: number },
    peer: string,
    private readonly owner: NodeWebSockets,
    private readonly req: http.IncomingMessage,
    private readonly socket: Socket,
    private readonly head: Buffer,
  ) {
    super(ctx, admitted.app, req.url ?? '/', peer, admitted.now);
    socket.on('close', () => this.clientClosed());
  }

  protected override get retryable(): boolean {
    return false;
  }

  protected connect(backend: Backend): void {
    this.owner.tunnel(this, backend, this.req, this.socket, this.head);
  }

  protected respond(response: ErrorResponse): void {
    writeRawResponse(this.socket, response);
  }

  protected abandonUpstream(): void {
    this.request?.destroy();
    this.request = null;
    this.upstream?.destroy();
  }

  /** http-proxy-3 made the upstream request. */
  requestMade(request: http.ClientRequest): void {
    this.request = request;
    request.setTimeout(this.ctx.options.handshakeTimeoutMs, () => request.destroy(new Error('Opening handshake has timed out')));
    // http-proxy-3 relays the refusal (status, headers, body) itself.
    request.on('response', (response: http.IncomingMessage) => this.refused(response.statusCode ?? 502));
  }

  /** The upstream request failed (http-proxy-3 closes the client socket right after). */
  requestFailed(err: unknown): void {
    this.request = null;
    this.upstreamFailed(err);
  }

  /** The backend switched protocols and http-proxy-3 piped the sockets: take the pipe over. */
  opened(upstream: Socket): void {
    this.request = null;
    if (this.phase !== 'handshake' || this.clientGone) {
      upstream.destroy();
      return;
    }
    this.upstream = upstream;
    this.relay = new TunnelRelay(this.socket, upstream);
    // Prepended: http-proxy-3's own listeners end the client socket, and our close frame must go first.
    const lost = (): void => this.upstreamLost();
    upstream.prependListener('end', lost);
    upstream.prependListener('error', lost);
    upstream.prependListener('close', lost);
    upstream.on('close', () => {
      this.upstreamGone = true;
      if (this.clientGone) this.finish();
    });
    this.upgraded();
  }

  goAway(code: number, reason: string): void {
    this.relay?.closeBoth(code, reason);
  }

  terminate(code: number, reason: string): void {
    this.relay?.closeBoth(code, reason);
    this.upstream?.destroy();
    this.finish();
  }

  private upstreamLost(): void {
    const relay = this.relay;
    if (relay !== null && !relay.backendClosed) relay.closeClient(lostBackendCode(this.backend?.state === 'ready'), 'backend connection lost');
  }

  private clientClosed(): void {
    this.clientGone = true;
    if (this.phase === 'handshake') this.clientLeftHandshake();
    else if (this.upstream === null || this.upstreamGone) this.finish();
  }
}

/** The node engine's upgrade handler. */
export class NodeWebSockets {
  private readonly proxy = createProxyServer({ ws: true, xfwd: false });
  private readonly byRequest = new WeakMap<http.IncomingMessage, NodeWebSocketSession>();
  private readonly bySocket = new WeakMap<Socket, NodeWebSocketSession>();

  constructor(
    private readonly core: ForwardCore,
    private readonly ctx: SessionContext,
  ) {
    this.proxy.on('proxyReqWs', (request, req) => {
      const session = this.byRequest.get(req);
      if (session === undefined) return;
      session.requestMade(request);
      // Runs before http-proxy-3's own 'upgrade' listener; 'open' below comes after its pipes are set.
      request.on('upgrade', (_res: http.IncomingMessage, upstream: Socket) => this.bySocket.set(upstream, session));
    });
    this.proxy.on('open', (upstream) => {
      const session = this.bySocket.get(upstream);
      if (session === undefined) return;
      this.bySocket.delete(upstream);
      session.opened(upstream);
    });
    // Every call passes a callback, so this only guards against an emit we did not foresee.
    this.proxy.on('error', NOOP);
  }

  /**
   * Handles a node:http 'upgrade' event. False when it is not a WebSocket upgrade (a GET with
   * `Upgrade: websocket`): the ingress then serves it as a plain request.
   */
  handle(req: http.IncomingMessage, socket: Socket, head: Buffer): boolean {
    if (req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== 'websocket') return false;
    socket.on('error', NOOP);
    const raw = req.rawHeaders;
    const headers: string[] = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i += 2) {
      headers[i] = raw[i]!.toLowerCase();
      headers[i + 1] = raw[i + 1]!;
    }
    const peer = nodePeer(socket.remoteAddress ?? '');
    const admitted = this.core.admit({ method: 'GET', path: req.url ?? '/', headers, peer }, { respond: (response) => writeRawResponse(socket, response) });
    if (admitted === null) return true;
    req.headers = tunnelHeaders(admitted.headers);
    const session = new NodeWebSocketSession(this.ctx, admitted, peer, this, req, socket, head);
    this.byRequest.set(req, session);
    session.start();
    return true;
  }

  /** Starts http-proxy-3's tunnel for `session` to `backend`. */
  tunnel(session: NodeWebSocketSession, backend: Backend, req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    this.proxy.ws(req, socket, head, { target: `http://${backend.address}` }, (err) => session.requestFailed(err));
  }
}
