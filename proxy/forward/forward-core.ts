/**
 * The engine-agnostic front of the proxy: takes a request head from an engine, validates it, routes
 * it, applies the rate limiters and starts an Exchange. Everything it reads comes from ProxyState
 * fields swapped whole; nothing here awaits.
 */
import type { AccessLog } from '../access-log.js';
import type { AppStats } from '../app-stats.js';
import type { AppState } from '../app-state.js';
import { resolveClientAddress } from '../client-ip.js';
import type { IpParts } from '../ip-address.js';
import { parseIp } from '../ip-address.js';
import type { ProxyState } from '../proxy-state.js';
import type { SlidingWindowLimiter } from '../rate-limiter.js';
import type { TrustedNetworks } from '../trusted-networks.js';
import type { Downstream } from './downstream.js';
import { errorResponse } from './error-response.js';
import type { ErrorKind } from './error-response.js';
import { Exchange } from './exchange.js';
import type { ExchangeContext } from './exchange.js';
import type { IncomingHead } from './incoming-request.js';
import { scanRequest } from './incoming-request.js';
import { buildUpstreamHeaders } from './request-headers.js';

/** What {@link ForwardCore.admit} needs of a client: a way to send the proxy's own answer. */
export type Responder = Pick<Downstream, 'respond'>;

/** A request that passed {@link ForwardCore.admit}. */
export interface Admitted {
  readonly app: AppState;
  /** The header list to send upstream (request-headers.ts). */
  readonly headers: string[];
  /** Declared body length; -1 chunked, 0 none. */
  readonly bodyLength: number;
  /** Arrival time on the core's clock (ms). */
  readonly now: number;
}

/** The forwarding core shared by both engines. */
export class ForwardCore implements ExchangeContext {
  /** Counters for requests refused before an app was known (bad framing, limits, no route). */
  readonly unrouted: AppStats;
  /** Set by a graceful stop: new requests get 503 shutting_down and the connection is closed. */
  closing = false;
  // The last peer seen, parsed and checked against the trusted networks: requests come from few
  // peers in a row (keep-alive connections, a load balancer in front), so this usually matches.
  private peerText = '';
  private peerParts: IpParts | undefined = undefined;
  private peerTrusted = false;
  private peerCheckedAgainst: TrustedNetworks | null = null;

  constructor(
    private readonly state: ProxyState,
    /** Null when `proxy.access_log.enabled` is false. */
    readonly accessLog: AccessLog | null = null,
    /** Monotonic clock in ms (injectable for tests). */
    readonly now: () => number = () => performance.now(),
  ) {
    this.unrouted = state.memory.stats(null);
  }

  /** See ProxySettings.maxBodyBytes. */
  get maxBodyBytes(): number {
    return this.state.settings.maxBodyBytes;
  }

  /** See ProxySettings.holdTimeoutMs. */
  get holdTimeoutMs(): number {
    return this.state.settings.holdTimeoutMs;
  }

  /**
   * Handles one request head. Returns the Exchange the engine must feed the body, aborts and
   * writability into, or null when the request was answered at once (the engine then reads no body).
   */
  handle(head: IncomingHead, client: Downstream): Exchange | null {
    const admitted = this.admit(head, client);
    if (admitted === null) return null;
    const exchange = new Exchange(admitted.app, client, this, head.method, head.path, admitted.headers, admitted.bodyLength, admitted.now, head.peer);
    exchange.start(admitted.now);
    return exchange;
  }

  /**
   * Validates, routes and rate-limits a request head, as for every request (a WebSocket upgrade
   * included). Null when `client` has been answered (400/404/429/503 shutting_down); otherwise the
   * app, the upstream header list and the arrival time.
   */
  admit(head: IncomingHead, client: Responder): Admitted | null {
    const state = this.state;
    const settings = state.settings;
    const scan = scanRequest(head, settings.maxHeaderBytes, settings.maxBodyBytes);
    if (scan.error !== null) return this.refuse(client, head, this.unrouted, scan.error, undefined, true);
    if (this.closing) return this.refuse(client, head, this.unrouted, 'shutting_down', undefined, true);
    const app = state.routes.match(scan.host, head.path);
    if (app === undefined) return this.refuse(client, head, this.unrouted, 'no_route', undefined, scan.bodyLength !== 0);

    const now = this.now();
    if (head.peer !== this.peerText || state.trusted !== this.peerCheckedAgainst) this.checkPeer(head.peer, state.trusted);
    const trustedPeer = this.peerTrusted;
    let clientIp: IpParts | undefined = this.peerParts;
    if (trustedPeer && scan.forwardedFor !== '') clientIp = resolveClientAddress(head.peer, scan.forwardedFor, state.trusted)?.parts;
    if (clientIp !== undefined && (state.allowList.size === 0 || !state.allowList.contains(clientIp))) {
      if (!state.globalLimiter.check(clientIp, now)) return this.limited(client, head, app, state.globalLimiter, scan.bodyLength !== 0);
      const own = app.limiter;
      if (own !== null && !own.check(clientIp, now)) return this.limited(client, head, app, own, scan.bodyLength !== 0);
    }
    return { app, headers: buildUpstreamHeaders(head.headers, head.peer, trustedPeer, scan.forwardedFor), bodyLength: scan.bodyLength, now };
  }

  private checkPeer(text: string, trusted: TrustedNetworks): void {
    const parts = parseIp(text);
    this.peerText = text;
    this.peerParts = parts;
    this.peerTrusted = parts !== undefined && trusted.size > 0 && trusted.contains(parts);
    this.peerCheckedAgainst = trusted;
  }

  private limited(client: Responder, head: IncomingHead, app: AppState, limiter: SlidingWindowLimiter, hasBody: boolean): null {
    app.stats.rateLimited++;
    return this.refuse(client, head, app.stats, 'rate_limited', app.name, hasBody, [
      'retry-after',
      String(Math.max(1, Math.ceil(limiter.retryAfterMs / 1000))),
      'ratelimit-limit',
      String(limiter.limit),
      'ratelimit-remaining',
      String(limiter.remaining),
      'ratelimit-reset',
      String(Math.max(1, Math.ceil(limiter.resetMs / 1000))),
    ]);
  }

  private refuse(
    client: Responder,
    head: IncomingHead,
    stats: AppStats,
    kind: ErrorKind,
    app: string | undefined,
    close: boolean,
    headers?: readonly string[],
  ): null {
    const response = errorResponse(kind, app, headers);
    stats.countError(kind);
    stats.countStatus(response.status);
    client.respond(response, close);
    this.accessLog?.write({
      app: app ?? null,
      method: head.method,
      path: head.path,
      status: response.status,
      durationMs: 0,
      backend: null,
      peer: head.peer,
      error: kind,
    });
    return null;
  }
}
