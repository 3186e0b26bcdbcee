/**
 * The uWS engine's WebSocket route (App.ws on every path): reads the upgrade request before the
 * handler returns, admits it through the forwarding core like any request, and hands it to a
 * UwsWebSocketSession (uws-websocket-session.ts) for the handshake with the backend and the relay.
 * The uWS traps of an upgrade handler: `req` is read before it returns, and onAborted is set before
 * anything could return without answering (that aborts the process).
 * uWS sends only GETs with a 24-character Sec-WebSocket-Key here; every other request, an upgrade
 * to anything else included, goes on to the HTTP catch-all.
 */
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t as SocketContext } from 'uWebSockets.js';
import { formatPeer } from '../client-ip.js';
import type { ForwardCore } from '../forward/forward-core.js';
import { HeaderCollector } from '../ingress/header-collector.js';
import { writeResponse } from '../ingress/uws-client.js';
import { relayHandshake } from './upgrade-headers.js';
import { READ_SLACK_BYTES, UwsWebSocketSession } from './uws-websocket-session.js';
import type { UserData } from './uws-websocket-session.js';
import type { SessionContext } from './websocket-session.js';

/** The uWS engine's WebSocket route: registers on the App and turns upgrades into sessions. */
export class UwsWebSockets {
  private readonly collector = new HeaderCollector();

  constructor(
    private readonly core: ForwardCore,
    private readonly ctx: SessionContext,
  ) {}

  /** Registers the WebSocket route on `app` (before its HTTP catch-all: uWS yields non-upgrade GETs to it). */
  register(app: TemplatedApp): void {
    const options = this.ctx.options;
    app.ws<UserData>('/*', {
      maxPayloadLength: options.maxMessageBytes,
      // A cap that pausing the backend in time never reaches (see fromUpstream); reaching it drops a message.
      maxBackpressure: options.maxBackpressure + 2 * options.maxMessageBytes + READ_SLACK_BYTES,
      idleTimeout: Math.round(options.idleTimeoutMs / 1000),
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.onUpgrade(res, req, context),
      open: (ws) => ws.getUserData().session.clientOpened(ws),
      message: (ws, message, isBinary) => ws.getUserData().session.fromClient(message, isBinary),
      drain: (ws) => ws.getUserData().session.clientDrained(),
      close: (ws, code, message) => ws.getUserData().session.clientClosed(code, Buffer.from(message).toString()),
    });
  }

  private onUpgrade(res: HttpResponse, req: HttpRequest, context: SocketContext): void {
    // Everything from `req` is read now: it is invalid after this handler returns.
    req.forEach(this.collector.add);
    const url = req.getUrl();
    const query = req.getQuery();
    const key = req.getHeader('sec-websocket-key');
    const path = query === undefined || query === '' ? url : `${url}?${query}`;
    const peer = formatPeer(new Uint8Array(res.getRemoteAddress()));
    const head = { method: req.getCaseSensitiveMethod(), path, headers: this.collector.take(), peer };
    // Answered synchronously when refused, so no onAborted is needed on that path.
    const admitted = this.core.admit(head, { respond: (response, close) => writeResponse(res, response, close) });
    if (admitted === null) return;
    const handshake = relayHandshake(admitted.headers);
    const session = new UwsWebSocketSession(this.ctx, admitted, path, peer, res, key, handshake ?? { headers: {}, protocols: [] }, context);
    // Set before anything can return without answering (the process-abort trap).
    res.onAborted(() => session.resAborted());
    if (handshake === null) session.badRequest();
    else session.start();
  }
}
