/**
 * One proxied WebSocket's life on either engine, from an admitted upgrade request to the close of
 * both sides: backend choice (the same round-robin as HTTP, one retry elsewhere on a refused
 * connect, hold while the app scales from zero), accounting, and the handshake's outcome. The
 * engines subclass it for the I/O (uws-websocket-session.ts relays messages; node-websocket.ts tunnels).
 *
 * Accounting invariant: from construction until {@link finish} (exactly once), the session counts
 * in `app.stats.inFlight`, and from the pick of a backend until finish in that `backend.inFlight`;
 * so an open WebSocket is in-flight work on its backend, as telemetry reports and drains wait on.
 */
import type { VortexConfig } from '../../config/resolve.js';
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';
import type { ErrorResponse, ErrorKind } from '../forward/error-response.js';
import { NO_BACKEND_RETRY_AFTER_S, errorResponse } from '../forward/error-response.js';
import type { ExchangeContext } from '../forward/exchange.js';
import type { HeldRequest } from '../hold-queue.js';
import { handshakeErrorKind } from './handshake-errors.js';
import type { OpenWebSocket, WebSocketHub } from './websocket-hub.js';
import type { UpgradeOutcome } from './upgrade-outcomes.js';

const RETRY_AFTER = ['retry-after', String(NO_BACKEND_RETRY_AFTER_S)];

/** handshake: choosing a backend or waiting for its 101; open: frames flow; done: finished. */
export type SessionPhase = 'handshake' | 'open' | 'done';

/** The settings every session reads (from `proxy.websocket` and `proxy.timeouts`). */
export interface WebSocketOptions {
  /** Largest message either way (bytes). */
  readonly maxMessageBytes: number;
  /** Bytes buffered per direction beyond the message being sent. */
  readonly maxBackpressure: number;
  /** A client WebSocket silent this long is closed (ms; 0 = never). */
  readonly idleTimeoutMs: number;
  /** From the upstream connect to its 101 (ms): `proxy.timeouts.connect` + `proxy.timeouts.header`. */
  readonly handshakeTimeoutMs: number;
}

/**
 * The session settings: `proxy.websocket` as it was at start (uWS fixes it when the route is
 * registered), and the handshake timeout from `live.config` (ProxyState's, so a reload applies it).
 */
export function webSocketOptions(config: VortexConfig, live: { readonly config: VortexConfig }): WebSocketOptions {
  const { websocket } = config.proxy;
  return {
    maxMessageBytes: websocket.max_message_bytes,
    maxBackpressure: websocket.max_backpressure,
    idleTimeoutMs: websocket.idle_timeout,
    get handshakeTimeoutMs(): number {
      const { timeouts } = live.config.proxy;
      return timeouts.connect + timeouts.header;
    },
  };
}

/** What a session needs around it. */
export interface SessionContext {
  readonly core: ExchangeContext;
  readonly hub: WebSocketHub;
  readonly options: WebSocketOptions;
}

/** The engine-independent part of a proxied WebSocket. */
export abstract class WebSocketSession implements HeldRequest, OpenWebSocket {
  holdDeadline = 0;
  drainingSince = 0;
  backend: Backend | null = null;
  protected phase: SessionPhase = 'handshake';
  private attempts = 0;
  private held = false;
  private status = 0;
  private errorKind: ErrorKind | null = null;

  constructor(
    protected readonly ctx: SessionContext,
    readonly app: AppState,
    /** Request target (path and query), as for HTTP. */
    protected readonly path: string,
    private readonly peer: string,
    private readonly startedAt: number,
  ) {
    app.stats.inFlight++;
  }

  /** Whether a refused connect may be tried once more on another backend (the engine can reconnect). */
  protected get retryable(): boolean {
    return true;
  }

  /** Picks a backend and connects, or holds the upgrade (scale from zero), or answers 503. */
  start(): void {
    if (this.phase !== 'handshake') return;
    const backend = this.app.backends.next(this.ctx.core.now(), this.backend);
    if (backend !== null) {
      this.use(backend);
      this.connect(backend);
      return;
    }
    if (this.app.canHold && this.attempts === 0 && !this.held) {
      if (this.app.hold(this, this.ctx.core.holdTimeoutMs)) this.held = true;
      else this.fail('hold_queue_full', RETRY_AFTER);
      return;
    }
    this.fail('no_backend', RETRY_AFTER);
  }

  /** The upgrade request is malformed (a subprotocol list `ws` would refuse): 400. */
  badRequest(): void {
    this.fail('bad_request');
  }

  /** Opens the upstream WebSocket to `backend`; the outcome comes back through the protected hooks. */
  protected abstract connect(backend: Backend): void;
  /** Sends the proxy's own answer to the upgrade request (the client is still on HTTP). */
  protected abstract respond(response: ErrorResponse): void;
  /** Drops whatever upstream connection attempt is under way. */
  protected abstract abandonUpstream(): void;
  abstract goAway(code: number, reason: string): void;
  abstract terminate(code: number, reason: string): void;

  // --- hold queue side ---

  /** @inheritdoc */
  onBackendReady(): void {
    this.held = false;
    this.start();
  }

  /** @inheritdoc */
  onHoldTimeout(): void {
    this.held = false;
    this.fail('hold_timeout', RETRY_AFTER);
  }

  // --- outcomes, called by the engines ---

  /** The client left before the handshake completed. */
  protected clientLeftHandshake(): void {
    if (this.phase !== 'handshake') return;
    this.abandonUpstream();
    if (this.held) {
      this.held = false;
      this.app.unhold(this);
    }
    this.app.stats.countError('client_aborted');
    this.errorKind = 'client_aborted';
    this.handshakeEnded('client_aborted');
    this.finish();
  }

  /** The upstream handshake failed with `err`: retry elsewhere when safe, else answer 502/504. */
  protected upstreamFailed(err: unknown): void {
    if (this.phase !== 'handshake') return;
    const kind = handshakeErrorKind(err);
    const backend = this.backend;
    if (kind === 'upstream_connect_failed' && backend !== null) {
      backend.markRefused(this.ctx.core.now());
      // Nothing reached the backend: trying the next one is as safe as HTTP's retry of a GET.
      if (this.retryable && this.attempts < 2 && this.app.backends.list.length > 1) {
        this.app.stats.retries++;
        this.start();
        return;
      }
    }
    this.fail(kind);
  }

  /** The backend answered the upgrade with `status` (not 101); the engine relays that response. */
  protected refused(status: number): void {
    if (this.phase !== 'handshake') return;
    this.backend?.markHealthy();
    this.status = status;
    this.app.stats.countStatus(status);
    this.handshakeEnded('refused');
    this.finish();
  }

  /** Both handshakes are done: the WebSocket is open. */
  protected upgraded(): void {
    if (this.phase !== 'handshake') return;
    this.backend?.markHealthy();
    this.phase = 'open';
    this.status = 101;
    this.app.stats.countStatus(101);
    this.handshakeEnded('upgraded');
    this.ctx.hub.add(this);
  }

  /** The 101 went out, but the engine lost the client's connection before it could be used. */
  protected lostAfterUpgrade(): void {
    if (this.phase !== 'handshake') return;
    this.abandonUpstream();
    this.backend?.markHealthy();
    this.status = 101;
    this.app.stats.countStatus(101);
    this.handshakeEnded('lost');
    this.finish();
  }

  /** Answers with the proxy's own error (the client is still on HTTP) and finishes. */
  protected fail(kind: ErrorKind, headers?: readonly string[]): void {
    if (this.phase !== 'handshake') return;
    this.abandonUpstream();
    const response = errorResponse(kind, this.app.name, headers);
    const stats = this.app.stats;
    stats.countError(kind);
    stats.countStatus(response.status);
    this.status = response.status;
    this.errorKind = kind;
    this.respond(response);
    this.handshakeEnded('failed');
    this.finish();
  }

  /** Ends the session's accounting; later calls do nothing. */
  protected finish(): void {
    const phase = this.phase;
    if (phase === 'done') return;
    this.phase = 'done';
    const backend = this.backend;
    if (backend !== null) {
      this.backend = null;
      backend.release();
    }
    this.app.stats.inFlight--;
    if (phase === 'open') this.ctx.hub.remove(this);
  }

  private use(backend: Backend): void {
    const previous = this.backend;
    if (previous !== null) previous.release();
    this.backend = backend;
    this.attempts++;
    backend.inFlight++;
    backend.requests++;
  }

  /** Latency (the handshake's), the outcome counter and the access log line, once per session. */
  private handshakeEnded(outcome: UpgradeOutcome): void {
    this.app.stats.countUpgrade(outcome);
    const ms = this.ctx.core.now() - this.startedAt;
    this.app.stats.observeLatency(ms);
    const log = this.ctx.core.accessLog;
    if (log !== null && log.wants(this.errorKind)) {
      log.write({
        app: this.app.name,
        method: 'GET',
        path: this.path,
        status: this.status,
        durationMs: ms,
        backend: this.backend?.address ?? null,
        peer: this.peer,
        error: this.errorKind,
      });
    }
  }
}
