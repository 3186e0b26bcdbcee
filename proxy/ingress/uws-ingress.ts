/**
 * The uWebSockets.js engine: one App routing every request into the forwarding core. The handler
 * reads everything from `req` before it returns (uWS invalidates it then), sets onAborted before
 * anything could return without answering (otherwise uWS aborts the process), and copies request
 * body chunks (uWS neuters them after the callback; see UwsClient.requestChunk).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket as ListenSocket } from 'uWebSockets.js';
import { formatPeer } from '../client-ip.js';
import type { UwsModule } from '../engine.js';
import type { ForwardCore } from '../forward/forward-core.js';
import type { UwsWebSockets } from '../websocket/uws-websocket.js';
import { HeaderCollector } from './header-collector.js';
import type { Ingress } from './ingress.js';
import { UwsClient } from './uws-client.js';

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT: no SO_REUSEPORT, so a port already in use fails to bind. */
const EXCLUSIVE_PORT = 1;
/** `listen(host, port, options, cb)`: in the native build, missing from the bundled typings. */
type ListenWithOptions = { listen(host: string, port: number, options: number, cb: (socket: ListenSocket | false) => void): unknown };

/**
 * The peer address text of the last request, reused while the next request's peer bytes are the
 * same (keep-alive connections and load balancers send runs of requests from one address): saves
 * formatting a string per request. The binary address is asked for, not uWS's text, whose
 * inet_ntop goes through printf. uWS keeps no per-connection data for HTTP.
 */
class PeerText {
  private readonly last = new Uint8Array(16);
  private lastLength = -1;
  private lastText = '';

  of(address: ArrayBuffer): string {
    const bytes = new Uint8Array(address);
    const n = bytes.length;
    const last = this.last;
    if (n === this.lastLength) {
      let i = 0;
      while (i < n && bytes[i] === last[i]) i++;
      if (i === n) return this.lastText;
    }
    const text = formatPeer(bytes);
    if (n <= last.length) {
      last.set(bytes);
      this.lastLength = n;
      this.lastText = text;
    }
    return text;
  }
}

/** A uWS App serving the forwarding core. */
export class UwsIngress implements Ingress {
  readonly engine = 'uws' as const;
  private readonly app: TemplatedApp;
  private listenSocket: ListenSocket | null = null;
  private readonly collector = new HeaderCollector();
  private readonly peers = new PeerText();

  /**
   * @param sharePort listen with SO_REUSEPORT (uWS's default on a non-zero port), so the worker
   *   threads of one proxy share the port; otherwise exclusively, so a second process on the same
   *   port fails instead of silently taking half the connections.
   */
  constructor(
    private readonly uws: UwsModule,
    private readonly core: ForwardCore,
    websockets: UwsWebSockets,
    private readonly sharePort = false,
  ) {
    this.app = uws.App();
    websockets.register(this.app);
    this.app.any('/*', (res, req) => this.onRequest(res, req));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const done = (socket: ListenSocket | false): void => {
        if (socket === false) reject(new Error(`uWS could not listen on ${host}:${port}`));
        else {
          this.listenSocket = socket;
          resolve(this.uws.us_socket_local_port(socket));
        }
      };
      if (this.sharePort) this.app.listen(host, port, done);
      else (this.app as unknown as ListenWithOptions).listen(host, port, EXCLUSIVE_PORT, done);
    });
  }

  stopAccepting(): void {
    if (this.listenSocket === null) return;
    this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  close(): void {
    this.stopAccepting();
    (this.app as unknown as { close?: () => void }).close?.();
  }

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    // Everything from `req` is read now: it is invalid after this handler returns.
    req.forEach(this.collector.add);
    const url = req.getUrl();
    const query = req.getQuery();
    const client = new UwsClient(res);
    // Set before anything can return without answering (the process-abort trap).
    res.onAborted(() => client.aborted());
    const exchange = this.core.handle(
      {
        method: req.getCaseSensitiveMethod(),
        path: query === undefined || query === '' ? url : `${url}?${query}`,
        headers: this.collector.take(),
        peer: this.peers.of(res.getRemoteAddress()),
      },
      client,
    );
    if (exchange === null) return;
    client.exchange = exchange;
    if (exchange.wantsBody && !client.done) {
      res.onData((chunk, last) => client.requestChunk(chunk, last));
    }
  }
}
