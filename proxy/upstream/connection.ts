/**
 * One keep-alive socket to a backend, carrying one request at a time: writes the head in one write
 * and the body with backpressure, feeds reads to its reused parser, delivers the response with
 * backpressure (socket pause/resume), and decides whether the socket may be reused.
 */
import net from 'node:net';
import {
  BodyTimeoutError,
  ConnectRefusedError,
  ConnectTimeoutError,
  HeadersTimeoutError,
  PoolClosedError,
  UpstreamParseError,
  UpstreamResetError,
} from './errors.js';
import type { UpstreamError } from './errors.js';
import type { ConnectionOwner } from './connection-owner.js';
import type { ResponseHead } from './head-parser.js';
import { writeBodyChunk, writeBodyEnd, writeRequestStart } from './request-writer.js';
import { ParserState, ResponseParser } from './response-parser.js';
import type { ResponseSink } from './response-parser.js';
import { RequestState } from './upstream-request.js';
import type { RequestTransport, UpstreamRequest } from './upstream-request.js';

/**
 * Every upstream socket reads into this one buffer (Node's `onread`): a read is parsed and handed on
 * before the next one can happen, so no per-read allocation is needed. Views of it are valid only
 * until the read's processing returns: the handler contract says so, and bytes held across a pause
 * are copied.
 */
const READ_BUFFER = Buffer.allocUnsafe(65_536);

/** What the single deadline currently guards. */
const enum Phase {
  None,
  Connecting,
  Headers,
  Body,
  Idle,
}

/** One socket to the backend; implements the parser's sink and the request's transport. */
export class Connection implements ResponseSink, RequestTransport {
  /** Coarse time (ms) when the current phase times out; 0 = no deadline. Checked by the pool's sweep. */
  deadline = 0;
  private phase = Phase.Connecting;
  private readonly socket: net.Socket;
  private readonly parser: ResponseParser;
  private req: UpstreamRequest | null = null;
  private connected = false;
  private gone = false;
  private served = 0;
  /** Response bytes read for the current request. */
  private received = 0;
  private completed = false;
  private trailers: Buffer[] = [];
  private readPaused = false;
  /** Read bytes held back while the caller pauses the response. */
  private held: Buffer | null = null;
  private lastError: Error | null = null;

  constructor(private readonly owner: ConnectionOwner, host: string, port: number, maxHeaderSize: number) {
    this.parser = new ResponseParser(this, maxHeaderSize);
    this.deadline = owner.now + owner.connectTimeoutMs;
    const socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onSocketData(n, buf as Buffer) },
    });
    this.socket = socket;
    socket.on('connect', () => this.onConnect());
    socket.on('drain', () => this.onDrain());
    // The backend closed an idle socket: drop it now rather than hand it to the next request.
    socket.on('end', () => {
      if (this.req === null) this.destroy();
    });
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('close', () => this.onClose());
  }

  /** Sends `req` on this socket: head, any body already accepted, and the end of the body if reached. */
  dispatch(req: UpstreamRequest): void {
    this.req = req;
    req.state = RequestState.Active;
    req.transport = this;
    req.onReusedSocket = this.served > 0;
    this.received = 0;
    this.completed = false;
    this.readPaused = false;
    this.parser.expect(req.noResponseBody);
    const ok = writeRequestStart(this.socket, req);
    if (this.connected) this.startPhase(req.bodyEnded ? Phase.Headers : Phase.None);
    if (ok && req.waitingDrain) this.onDrain();
  }

  /** RequestTransport: one body chunk. */
  writeBody(chunk: Buffer): boolean {
    const req = this.req;
    return this.gone || req === null ? true : writeBodyChunk(this.socket, req.bodyLength, chunk);
  }

  /** RequestTransport: the caller ended the body. */
  endBody(): void {
    const req = this.req;
    if (this.gone || req === null) return;
    writeBodyEnd(this.socket, req.bodyLength);
    if (this.connected && this.phase === Phase.None) this.startPhase(Phase.Headers);
  }

  /** RequestTransport: stop reading until resumeResponse(). */
  pauseResponse(): void {
    if (this.readPaused || this.gone) return;
    this.readPaused = true;
    this.socket.pause();
    if (this.phase === Phase.Body) this.deadline = 0;
  }

  /** RequestTransport: deliver held bytes, then read again. */
  resumeResponse(): void {
    if (!this.readPaused || this.gone) return;
    this.readPaused = false;
    if (this.phase === Phase.Body) this.deadline = this.owner.now + this.owner.bodyTimeoutMs;
    const held = this.held;
    if (held !== null) {
      this.held = null;
      this.process(held);
      this.readDone();
    }
    if (!this.readPaused && !this.gone) this.socket.resume();
  }

  /** RequestTransport: the caller gave up; the socket cannot be trusted for reuse. */
  abortRequest(): void {
    this.parser.abandon();
    this.req = null;
    this.destroy();
  }

  /** The deadline passed (called by the pool's sweep). */
  timeout(): void {
    const req = this.req;
    const phase = this.phase;
    if (req === null || phase === Phase.Idle || phase === Phase.None) {
      this.destroy();
      return;
    }
    const o = this.owner;
    const err =
      phase === Phase.Connecting ? new ConnectTimeoutError(o.address, o.connectTimeoutMs, req)
        : phase === Phase.Headers ? new HeadersTimeoutError(o.headersTimeoutMs, req)
          : new BodyTimeoutError(o.bodyTimeoutMs, req);
    this.fail(err);
  }

  /** Closes the socket at once (idle timeout, pool shutdown, unusable state). */
  destroy(): void {
    if (this.gone) return;
    this.gone = true;
    this.deadline = 0;
    this.socket.destroy();
    this.owner.removed(this);
  }

  /** Pool destroyed: fail the current request (if any) with PoolClosedError and close. */
  shutdown(): void {
    const req = this.req;
    if (req === null) this.destroy();
    else this.fail(new PoolClosedError(this.owner.address, req, true));
  }

  /** Fails the current request with `err` and destroys the socket. */
  fail(err: UpstreamError): void {
    const req = this.req;
    this.req = null;
    this.parser.abandon();
    this.destroy();
    if (req !== null && req.state !== RequestState.Done) {
      req.release();
      req.handler.onError(err);
    }
  }

  /** ResponseSink: a 1xx response, passed on as is. */
  onInterim(head: ResponseHead): void {
    this.req?.handler.onInterim?.(head.status, head.rawHeaders);
  }

  /** ResponseSink: the final head; from now on the body timeout applies. */
  onHead(head: ResponseHead): void {
    const req = this.req as UpstreamRequest;
    req.responseStarted = true;
    this.startPhase(Phase.Body);
    req.handler.onHead(head);
  }

  /** ResponseSink: a body piece; the caller's false pauses the socket. */
  onBody(chunk: Buffer): boolean {
    const req = this.req;
    // Aborted from an earlier callback of this same read: stop the parser.
    if (req === null) return false;
    this.deadline = this.owner.now + this.owner.bodyTimeoutMs;
    if (req.handler.onData(chunk)) return true;
    this.pauseResponse();
    return false;
  }

  /** ResponseSink: the response ended. */
  onComplete(trailers: Buffer[]): void {
    // Finished in process(), once it is known whether bytes follow the response.
    this.completed = true;
    this.trailers = trailers;
  }

  private startPhase(phase: Phase): void {
    this.phase = phase;
    const o = this.owner;
    const ms = phase === Phase.Headers ? o.headersTimeoutMs : phase === Phase.Body ? o.bodyTimeoutMs : phase === Phase.Idle ? o.idleTimeoutMs : 0;
    this.deadline = ms === 0 ? 0 : o.now + ms;
    if (phase === Phase.Body && this.readPaused) this.deadline = 0;
  }

  private onConnect(): void {
    this.connected = true;
    const req = this.req;
    this.startPhase(req === null ? Phase.Idle : req.bodyEnded ? Phase.Headers : Phase.None);
  }

  private onDrain(): void {
    const req = this.req;
    if (req === null || !req.waitingDrain) return;
    req.waitingDrain = false;
    req.handler.onDrain?.();
  }

  /** Node's onread callback; pausing goes through socket.pause(), so it always answers true. */
  private onSocketData(n: number, buf: Buffer): boolean {
    if (this.req === null) {
      // Nothing was asked: a backend that talks out of turn cannot be trusted with the next request.
      this.destroy();
      return true;
    }
    this.received += n;
    this.process(n === buf.length ? buf : buf.subarray(0, n));
    this.readDone();
    return true;
  }

  /** The read buffer is about to be reused: a response still in progress must stop using its views. */
  private readDone(): void {
    const req = this.req;
    if (req !== null && req.responseStarted && !this.gone) req.handler.onReadDone?.();
  }

  private process(buf: Buffer): void {
    let pos = 0;
    for (;;) {
      try {
        pos = this.parser.execute(buf, pos);
      } catch (err) {
        if (!(err instanceof UpstreamParseError)) throw err;
        this.fail(new UpstreamParseError(err.reason, this.req ?? undefined));
        return;
      }
      if (this.completed) {
        this.finish(pos === buf.length);
        return;
      }
      if (this.req === null || this.gone) return;
      if (pos >= buf.length) return;
      if (this.readPaused) {
        // Copied: `buf` may be the shared read buffer, overwritten by the next read of any socket.
        this.held = Buffer.from(buf.subarray(pos));
        return;
      }
      // The caller resumed from inside onData: keep going with the rest of this read.
    }
  }

  /** The response is complete; `clean` = nothing followed it in the read. */
  private finish(clean: boolean): void {
    const req = this.req as UpstreamRequest;
    const trailers = this.trailers;
    this.req = null;
    this.completed = false;
    this.trailers = [];
    this.served++;
    // A response that came before the request body was all sent leaves the backend mid-request.
    const reusable = clean && !this.parser.head.close && req.bodyEnded && !this.gone;
    req.release();
    if (reusable) {
      if (this.readPaused) {
        this.readPaused = false;
        this.socket.resume();
      }
      this.startPhase(Phase.Idle);
      this.owner.release(this);
    } else {
      this.destroy();
    }
    req.handler.onEnd(trailers);
  }

  private onClose(): void {
    const req = this.req;
    this.req = null;
    if (req === null || req.state === RequestState.Done) {
      if (!this.gone) {
        this.gone = true;
        this.owner.removed(this);
      }
      return;
    }
    if (this.lastError === null && this.parser.state === ParserState.UntilClose && this.held === null) {
      this.req = req;
      this.parser.finish();
      this.finish(false);
      return;
    }
    this.gone = true;
    this.deadline = 0;
    if (this.connected && this.received === 0 && req.replayable) {
      // The keep-alive race: the backend closed this socket as we reused it. Queue the request again
      // first, so the slot this socket frees goes to it.
      req.retried = true;
      req.transport = null;
      this.owner.retry(req);
      this.owner.removed(this);
      return;
    }
    this.owner.removed(this);
    req.release();
    req.handler.onError(this.closeError(req));
  }

  private closeError(req: UpstreamRequest): UpstreamError {
    const cause = this.lastError ?? undefined;
    if (!this.connected) return new ConnectRefusedError(this.owner.address, req, cause);
    const what = cause === undefined ? 'connection closed before the response was complete' : `connection failed: ${cause.message}`;
    return new UpstreamResetError(what, req, this.received, cause);
  }
}
