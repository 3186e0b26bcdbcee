/**
 * One WebSocket on the uWS engine: uWS ends the client's WebSocket (App.ws), `ws` opens one to the
 * backend, and every message is relayed as it came (text stays text, binary stays binary). The
 * client is upgraded only after the backend's 101, with the subprotocol the backend chose; until
 * then the client is still on HTTP and gets the backend's refusal or the proxy's own answer.
 *
 * uWS traps kept here: `res` is never touched after it was aborted, answered or upgraded; the
 * deferred upgrade is corked; a closed uWS WebSocket is never touched (`client` is cleared in its
 * close handler, which uWS calls synchronously from end() and close()).
 *
 * A bug of this uWS build (fixed upstream in uWebSockets #1929, July 2026): after the handler of a
 * `res.cork()` that upgraded, uWS reads the new WebSocket's memory as the HTTP response's state and,
 * when the bytes there look like "connection: close", shuts the just-opened connection (the client
 * gets the 101, then a FIN: 1006). Upgrading outside a cork avoids it but makes uWS print a warning
 * per upgrade and send the 101 in about 25 pieces. So the upgrade stays corked, and the session
 * tells the two cases apart: uWS's open handler only records the socket and the session is opened
 * after the cork returns, so a close in between is this bug; the upgrade is then counted as `lost`
 * and the backend's connection cut, as for any client that vanishes.
 *
 * Backpressure: backend → client, the upstream socket is paused while uWS buffers more than
 * `max_backpressure` for the client, and resumed from uWS's drain handler; client → backend, this
 * uWS build cannot stop reading a WebSocket (no pause), so when more than `max_backpressure` waits
 * for the backend the client is closed with 1013 "try again later".
 */
import type { IncomingMessage } from 'node:http';
import type { HttpResponse, WebSocket as UwsSocket, us_socket_context_t as SocketContext } from 'uWebSockets.js';
import { createRequire } from 'node:module';
import type * as Ws from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';
import type { ErrorResponse } from '../forward/error-response.js';
import { filterResponseHeaderStrings } from '../forward/response-headers.js';
import { statusLine } from '../forward/status-line.js';
import { writeResponse } from '../ingress/uws-client.js';
import { ABNORMAL, MESSAGE_TOO_BIG, TRY_AGAIN_LATER, UWS_TOO_BIG_REASON, clampReason, isAbnormal, isSendable, lostBackendCode, protocolErrorCode } from './close-codes.js';
import type { RelayHandshake } from './upgrade-headers.js';
import { WebSocketSession } from './websocket-session.js';
import type { SessionContext } from './websocket-session.js';

/** Body bytes of a refused upgrade relayed to the client; a longer refusal is answered with 502. */
export const MAX_REFUSAL_BODY_BYTES = 65_536;
/** What one read from the backend's socket can still deliver after a pause (a socket read is at most 64 KiB). */
export const READ_SLACK_BYTES = 65_536;

const require = createRequire(import.meta.url);
let WebSocketClass: typeof WebSocket | null = null;
/** `ws`, loaded with the first proxied WebSocket: with its zlib, https and tls it costs ~1.5 MB of RSS that a proxy without WebSockets need not carry. */
function webSocketClass(): typeof WebSocket {
  return (WebSocketClass ??= (require('ws') as typeof Ws).WebSocket);
}

/** What uWS keeps on each client WebSocket. */
export interface UserData {
  readonly session: UwsWebSocketSession;
}

/** One proxied WebSocket on uWS. */
export class UwsWebSocketSession extends WebSocketSession {
  /** The client's HTTP response until it is answered, upgraded or aborted. */
  private res: HttpResponse | null;
  private client: UwsSocket<UserData> | null = null;
  private upstream: WebSocket | null = null;
  private upstreamPaused = false;
  /** The close code `ws` sent the backend for a protocol violation; its 'close' will say 1006. */
  private upstreamErrorCode: number | undefined = undefined;
  /** uWS closed the client inside the cork that upgraded it (see the header). */
  private closedInUpgrade = false;
  private readonly userData: UserData = { session: this };

  constructor(
    ctx: SessionContext,
    admitted: { app: AppState; now: number },
    path: string,
    peer: string,
    res: HttpResponse,
    private readonly key: string,
    private readonly handshake: RelayHandshake,
    private readonly context: SocketContext,
  ) {
    super(ctx, admitted.app, path, peer, admitted.now);
    this.res = res;
  }

  // --- client side (uWS) ---

  /** The client's connection closed before it was answered or upgraded. */
  resAborted(): void {
    this.res = null;
    this.clientLeftHandshake();
  }

  /** uWS opened the client's WebSocket (synchronously inside res.upgrade, so: nothing more here). */
  clientOpened(ws: UwsSocket<UserData>): void {
    this.client = ws;
  }

  /** A message from the client (`data` is neutered after the callback: copied before `ws` keeps it). */
  fromClient(data: ArrayBuffer, isBinary: boolean): void {
    const upstream = this.upstream;
    if (upstream === null || upstream.readyState !== upstream.OPEN) return;
    if (upstream.bufferedAmount > this.ctx.options.maxBackpressure) {
      this.goAway(TRY_AGAIN_LATER, 'backend too slow');
      return;
    }
    upstream.send(Buffer.from(new Uint8Array(data)), { binary: isBinary });
  }

  /** uWS sent what it had buffered for the client: let the backend's messages flow again. */
  clientDrained(): void {
    const client = this.client;
    if (this.upstreamPaused && client !== null && client.getBufferedAmount() <= this.ctx.options.maxBackpressure / 2) {
      this.upstreamPaused = false;
      this.upstream?.resume();
    }
  }

  /** The client's WebSocket closed (its close frame, a timeout, or our end()/close()). */
  clientClosed(code: number, reason: string): void {
    // Opened but not yet upgraded: only possible inside upstreamOpened's cork.
    if (this.phase === 'handshake' && this.client !== null) this.closedInUpgrade = true;
    this.client = null;
    const upstream = this.upstream;
    if (upstream === null || upstream.readyState === upstream.CLOSED) {
      this.finish();
      return;
    }
    if (upstream.readyState === upstream.CLOSING) return;
    if (code === ABNORMAL && reason === UWS_TOO_BIG_REASON) upstream.close(MESSAGE_TOO_BIG, 'message too big');
    else if (isAbnormal(code)) upstream.terminate();
    else if (isSendable(code)) upstream.close(code, clampReason(reason));
    else upstream.close();
  }

  // --- upstream side (ws) ---

  protected connect(backend: Backend): void {
    const options = this.ctx.options;
    let upstream: WebSocket;
    try {
      upstream = new (webSocketClass())(`ws://${backend.address}${this.path}`, this.handshake.protocols, {
        headers: this.handshake.headers,
        // Each hop negotiates its own extensions; the relay would inflate and deflate every message.
        perMessageDeflate: false,
        handshakeTimeout: options.handshakeTimeoutMs,
        maxPayload: options.maxMessageBytes,
        followRedirects: false,
      });
    } catch {
      // `ws` refuses a target it cannot parse before any I/O: the client's request line is at fault.
      this.fail('bad_request');
      return;
    }
    this.upstream = upstream;
    upstream.on('open', () => {
      if (upstream === this.upstream) this.upstreamOpened(upstream);
    });
    upstream.on('unexpected-response', (_req, response) => {
      if (upstream === this.upstream) this.upstreamRefused(response);
    });
    upstream.on('error', (err) => {
      if (upstream !== this.upstream) return;
      if (this.phase === 'handshake') this.upstreamFailed(err);
      else this.upstreamErrorCode = protocolErrorCode(err);
    });
    upstream.on('message', (data, isBinary) => {
      if (upstream === this.upstream) this.fromUpstream(data, isBinary);
    });
    upstream.on('close', (code, reason) => {
      if (upstream === this.upstream) this.upstreamClosed(code, reason.toString());
    });
  }

  protected respond(response: ErrorResponse): void {
    const res = this.res;
    if (res === null) return;
    this.res = null;
    writeResponse(res, response, true);
  }

  protected abandonUpstream(): void {
    const upstream = this.upstream;
    this.upstream = null;
    upstream?.terminate();
  }

  private upstreamOpened(upstream: WebSocket): void {
    const res = this.res;
    if (res === null) return;
    this.res = null;
    res.cork(() => res.upgrade(this.userData, this.key, upstream.protocol, '', this.context));
    if (this.client !== null) this.upgraded();
    else if (this.closedInUpgrade) this.lostAfterUpgrade();
    // uWS opens the client inside upgrade(); if it did not, the client is gone.
    else this.clientLeftHandshake();
  }

  private upstreamRefused(response: IncomingMessage): void {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REFUSAL_BODY_BYTES) chunks.push(chunk);
      else response.destroy();
    });
    response.on('error', () => undefined);
    response.on('close', () => {
      if (this.phase !== 'handshake') return;
      if (!response.complete) {
        this.fail('upstream_invalid_response');
        return;
      }
      const status = response.statusCode ?? 502;
      const res = this.res;
      this.res = null;
      if (res !== null) {
        const headers = filterResponseHeaderStrings(response.rawHeaders);
        const body = Buffer.concat(chunks);
        res.cork(() => {
          res.writeStatus(statusLine(status, Buffer.from(response.statusMessage ?? '', 'latin1')));
          for (let i = 0; i < headers.length; i += 2) res.writeHeader(headers[i]!, headers[i + 1]!);
          res.end(body, true);
        });
      }
      this.abandonUpstream();
      this.refused(status);
    });
  }

  private fromUpstream(data: RawData, isBinary: boolean): void {
    const client = this.client;
    // Messages only arrive after 'open', and uWS opens the client inside that handler.
    if (client === null) return;
    const sent = client.send(data as Buffer, isBinary);
    // A failed write can close the socket inside send(); a closed uWS WebSocket must not be touched.
    if (this.client === null) return;
    // 2 = dropped over uWS's maxBackpressure, which is set so that cannot happen while we pause in time.
    if (sent === 2) this.goAway(TRY_AGAIN_LATER, 'client too slow');
    else if (!this.upstreamPaused && client.getBufferedAmount() > this.ctx.options.maxBackpressure) {
      this.upstreamPaused = true;
      this.upstream?.pause();
    }
  }

  private upstreamClosed(code: number, reason: string): void {
    if (this.phase === 'handshake') {
      // An 'error' came first and was handled; a close without one is a reset during the handshake.
      this.upstreamFailed(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      return;
    }
    const client = this.client;
    if (client === null) {
      this.finish();
      return;
    }
    const violated = this.upstreamErrorCode;
    if (violated !== undefined) client.end(violated, violated === MESSAGE_TOO_BIG ? 'message too big' : 'backend broke the protocol');
    else if (isAbnormal(code)) client.end(lostBackendCode(this.backend?.state === 'ready'), 'backend connection lost');
    else if (isSendable(code)) client.end(code, reason);
    else client.end();
    this.finish();
  }

  goAway(code: number, reason: string): void {
    const client = this.client;
    if (client !== null) client.end(code, clampReason(reason));
    else this.upstream?.close(code, clampReason(reason));
  }

  terminate(code: number, reason: string): void {
    this.client?.end(code, clampReason(reason));
    this.abandonUpstream();
    this.finish();
  }
}
