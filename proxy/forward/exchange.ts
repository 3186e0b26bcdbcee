/**
 * One request's life once it is routed and allowed: pick a backend, send the request through its
 * pool, stream the body up and the response down with backpressure both ways, retry once on another
 * backend when that is safe, and turn failures into a proxy answer. The Exchange is itself the
 * upstream handler and the held request, so a request allocates no closures here.
 */
import type { AccessLog } from '../access-log.js';
import type { AppState } from '../app-state.js';
import type { Backend } from '../backend.js';
import type { HeldRequest } from '../hold-queue.js';
import type { ResponseHead, UpstreamError, UpstreamHandler, UpstreamRequest } from '../upstream/index.js';
import type { Downstream } from './downstream.js';
import { NO_BACKEND_RETRY_AFTER_S, errorResponse, kindOfUpstreamError } from './error-response.js';
import type { ErrorKind } from './error-response.js';
import { filterResponseHeaders } from './response-headers.js';
import { statusLine } from './status-line.js';

/** Methods that may be sent to a second backend after the first refused (RFC 9110 §9.2.2). */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Body bytes kept while a request is held for a backend; the client is paused, so this only absorbs what was in flight. */
const MAX_HELD_BODY_BYTES = 1_048_576; // 1 MiB
const RETRY_AFTER_NO_BACKEND = ['retry-after', String(NO_BACKEND_RETRY_AFTER_S)];

/** What an exchange needs besides its app and client. */
export interface ExchangeContext {
  readonly now: () => number;
  readonly maxBodyBytes: number;
  readonly holdTimeoutMs: number;
  /** Null when the access log is off. */
  readonly accessLog: AccessLog | null;
}

/** One forwarded request. */
export class Exchange implements UpstreamHandler, HeldRequest {
  holdDeadline = 0;
  private backend: Backend | null = null;
  private upstream: UpstreamRequest | null = null;
  private attempts = 0;
  private held = false;
  private finished = false;
  private responseStarted = false;
  private bodyReceived = 0;
  private bodyDone: boolean;
  private pending: Buffer[] | null = null;
  private readonly startedAt: number;
  /** Status sent to the client (0 until one is), and the proxy's own error kind if it made the answer; for the access log. */
  private status = 0;
  private errorKind: ErrorKind | null = null;
  private lastBackend: string | null = null;

  constructor(
    private readonly app: AppState,
    private readonly client: Downstream,
    private readonly ctx: ExchangeContext,
    private readonly method: string,
    private readonly path: string,
    private readonly headers: string[],
    /** Declared request body length; -1 chunked, 0 none. */
    private readonly bodyLength: number,
    startedAt: number,
    /** The socket peer, for the access log. */
    private readonly peer: string,
  ) {
    this.bodyDone = bodyLength === 0;
    this.startedAt = startedAt;
    app.stats.inFlight++;
  }

  /** True while the engine should read a request body into {@link requestData}. */
  get wantsBody(): boolean {
    return !this.bodyDone && !this.finished;
  }

  /** Picks a backend and sends, or holds the request (scale from zero), or answers 503. `now`: the core's clock, when the caller has just read it. */
  start(now = this.ctx.now()): void {
    const backend = this.app.backends.next(now, this.backend);
    if (backend !== null) {
      this.send(backend);
      return;
    }
    if (this.app.canHold && this.attempts === 0 && !this.held) {
      if (this.app.hold(this, this.ctx.holdTimeoutMs)) {
        this.held = true;
        // Only a body needs holding back; pausing a body-less request would also hide its client's close (uWS).
        if (!this.bodyDone) this.client.pauseRequest();
      } else this.fail('hold_queue_full', RETRY_AFTER_NO_BACKEND);
      return;
    }
    this.fail('no_backend', RETRY_AFTER_NO_BACKEND);
  }

  // --- engine side ---

  /** A request body chunk (owned by the exchange: the engine copied it); `last` ends the body. */
  requestData(chunk: Buffer, last: boolean): void {
    if (this.finished) return;
    if (chunk.length > 0) {
      this.bodyReceived += chunk.length;
      if (this.bodyReceived > this.ctx.maxBodyBytes) {
        this.fail('body_too_large');
        return;
      }
      const upstream = this.upstream;
      if (upstream !== null) {
        if (!this.write(upstream, chunk)) return;
      } else {
        (this.pending ??= []).push(chunk);
        if (this.bodyReceived > MAX_HELD_BODY_BYTES) {
          this.fail('no_backend', RETRY_AFTER_NO_BACKEND);
          return;
        }
        this.client.pauseRequest();
      }
    }
    if (last) {
      this.bodyDone = true;
      if (this.upstream !== null) this.endBody(this.upstream);
    }
  }

  /** The client went away: abort the upstream side and forget the request. */
  clientAborted(): void {
    if (this.finished) return;
    this.upstream?.abort();
    this.upstream = null;
    if (this.held) this.app.unhold(this);
    this.app.stats.countError('client_aborted');
    this.errorKind = 'client_aborted';
    this.finish();
  }

  /** The client drained what the engine buffered: the response may flow again. */
  clientWritable(): void {
    this.upstream?.resume();
  }

  // --- hold queue side ---

  /** @inheritdoc */
  onBackendReady(): void {
    this.held = false;
    if (this.finished) return;
    if (!this.bodyDone) this.client.resumeRequest();
    this.start();
  }

  /** @inheritdoc */
  onHoldTimeout(): void {
    this.held = false;
    this.fail('hold_timeout', RETRY_AFTER_NO_BACKEND);
  }

  // --- upstream side ---

  /** @inheritdoc */
  onHead(head: ResponseHead): void {
    if (this.finished) return;
    this.backend?.markHealthy();
    this.responseStarted = true;
    const status = head.status;
    this.status = status;
    this.app.stats.countStatus(status);
    const noBody = this.method === 'HEAD' || status === 204 || status === 304;
    const line = statusLine(status, head.fields.buf, head.reasonStart, head.reasonEnd);
    this.client.head(status, line, filterResponseHeaders(head), head.contentLength, noBody);
  }

  /** @inheritdoc */
  onData(chunk: Buffer): boolean {
    if (this.finished) return true;
    return this.client.body(chunk);
  }

  /** @inheritdoc */
  onEnd(): void {
    if (this.finished) return;
    this.upstream = null;
    this.client.end();
    this.finish();
  }

  /** @inheritdoc */
  onReadDone(): void {
    if (!this.finished) this.client.flushHead();
  }

  /** @inheritdoc */
  onDrain(): void {
    if (!this.finished) this.client.resumeRequest();
  }

  /** @inheritdoc */
  onError(err: UpstreamError): void {
    if (this.finished) return;
    this.upstream = null;
    const kind = kindOfUpstreamError(err.code);
    const backend = this.backend;
    if (backend !== null && (kind === 'upstream_connect_failed' || kind === 'upstream_connect_timeout')) backend.markRefused(this.ctx.now());
    if (this.mayRetry(err)) {
      this.app.stats.retries++;
      this.start();
      return;
    }
    if (err.responseStarted || this.responseStarted) {
      this.app.stats.countError(kind);
      this.errorKind = kind;
      this.client.abort();
      this.finish();
      return;
    }
    this.fail(kind);
  }

  // --- internals ---

  private send(backend: Backend): void {
    this.releaseBackend();
    this.backend = backend;
    this.lastBackend = backend.address;
    this.attempts++;
    backend.acquire();
    let upstream: UpstreamRequest;
    try {
      // The core checked every byte as the request arrived (scanRequest) and built the rest from checked parts.
      upstream = backend.pool.request({ method: this.method, path: this.path, headers: this.headers, bodyLength: this.bodyLength, validated: true }, this);
    } catch (err) {
      this.onError(err as UpstreamError);
      return;
    }
    this.upstream = upstream;
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      for (const chunk of pending) if (!this.write(upstream, chunk)) return;
    }
    if (this.bodyDone && this.bodyLength !== 0) this.endBody(upstream);
  }

  /** Writes a body chunk upstream; false when the exchange failed doing so. Pauses the client on backpressure. */
  private write(upstream: UpstreamRequest, chunk: Buffer): boolean {
    try {
      if (!upstream.write(chunk)) this.client.pauseRequest();
      return true;
    } catch (err) {
      this.onError(err as UpstreamError);
      return false;
    }
  }

  private endBody(upstream: UpstreamRequest): void {
    try {
      upstream.end();
    } catch (err) {
      this.onError(err as UpstreamError);
    }
  }

  private mayRetry(err: UpstreamError): boolean {
    return (
      err.retryableElsewhere &&
      err.requestBodyBytes === 0 &&
      this.bodyReceived === 0 &&
      this.attempts < 2 &&
      IDEMPOTENT.has(this.method) &&
      this.app.backends.list.length > 1
    );
  }

  /** Answers with a proxy error, or cuts the connection when the response has begun. */
  private fail(kind: ErrorKind, headers?: readonly string[]): void {
    if (this.finished) return;
    this.upstream?.abort();
    this.upstream = null;
    if (this.held) {
      this.held = false;
      this.app.unhold(this);
    }
    const stats = this.app.stats;
    stats.countError(kind);
    this.errorKind = kind;
    if (this.responseStarted) this.client.abort();
    else {
      const response = errorResponse(kind, this.app.name, headers);
      this.status = response.status;
      stats.countStatus(response.status);
      this.client.respond(response, !this.bodyDone);
    }
    this.finish();
  }

  private releaseBackend(): void {
    const backend = this.backend;
    if (backend !== null) {
      this.backend = null;
      backend.release();
    }
  }

  private finish(): void {
    this.finished = true;
    this.pending = null;
    this.releaseBackend();
    const stats = this.app.stats;
    stats.inFlight--;
    const ms = this.ctx.now() - this.startedAt;
    stats.observeLatency(ms);
    const log = this.ctx.accessLog;
    if (log !== null && log.wants(this.errorKind)) {
      log.write({
        app: this.app.name,
        method: this.method,
        path: this.path,
        status: this.status,
        durationMs: ms,
        backend: this.lastBackend,
        peer: this.peer,
        error: this.errorKind,
      });
    }
  }
}
