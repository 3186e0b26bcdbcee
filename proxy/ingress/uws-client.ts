/**
 * The client side of one request on uWS (the Downstream the forwarding core drives). Guards the uWS
 * response traps: `res` is never touched after it ended or was aborted; every write outside a uWS
 * handler is corked; writeStatus gets the reason phrase; endWithoutBody() is never given a length
 * (that aborts the process); uWS writes its own Date and Content-Length, so the backend's are never
 * copied; and no write happens on a paused socket (see pauseRequest).
 */
import type { HttpResponse } from 'uWebSockets.js';
import type { Downstream } from '../forward/downstream.js';
import type { ErrorResponse } from '../forward/error-response.js';
import type { Exchange } from '../forward/exchange.js';

const EMPTY = Buffer.alloc(0);
/** Request body bytes read beyond a wanted pause while the response waits for the client (see pauseRequest). */
const MAX_OVERFLOW_BYTES = 8 * 1_048_576; // 8 MiB
const NO_HEADERS: readonly Buffer[] = [];

/**
 * res.cork() runs its callback at once, so one module-level slot hands the callback its client and
 * the callbacks are made once, not one closure per response and per chunk.
 */
const corking: { client: UwsClient | null } = { client: null };
const corkHead = (): void => corking.client!.writeHead();
const corkWrite = (): void => corking.client!.writeChunk();
const corkTryEnd = (): void => corking.client!.tryEndChunk();
const corkEndWhole = (): void => corking.client!.endWhole();
const corkEnd = (): void => corking.client!.endNow();

/** Writes the proxy's own answer on a uWS response (`close`: and closes the connection after it). */
export function writeResponse(res: HttpResponse, response: ErrorResponse, close: boolean): void {
  res.cork(() => {
    res.writeStatus(response.statusLine);
    const headers = response.headers;
    for (let i = 0; i < headers.length; i += 2) res.writeHeader(headers[i]!, headers[i + 1]!);
    res.end(response.body, close);
  });
}

/** The client side of one request on uWS. */
export class UwsClient implements Downstream {
  exchange: Exchange | null = null;
  /** The response ended or the connection was aborted: `res` must not be used any more. */
  done = false;
  /** -1 = chunked (res.write); otherwise the total for tryEnd. */
  private total = -1;
  private noBody = false;
  /** A body chunk was written already. */
  private bodyStarted = false;
  /** The rest of a chunk tryEnd could not take, and the write offset it started at. */
  private rest: Buffer | null = null;
  private restOffset = 0;
  private watchingWritable = false;
  // Arguments handed to the cork callbacks below (see `corking`).
  private status = 0;
  private statusLine = '';
  private headers: readonly Buffer[] = NO_HEADERS;
  private chunk: Buffer = EMPTY;
  private ok = true;
  /** head() was called and its status and headers are not written yet. */
  private headPending = false;
  // Request-body flow control (see pauseRequest).
  private paused = false;
  private pauseWanted = false;
  private awaitingWritable = false;
  /** Request body bytes taken while a pause was wanted but deferred. */
  private overflow = 0;

  constructor(private readonly res: HttpResponse) {}

  aborted(): void {
    if (this.done) return;
    this.done = true;
    this.exchange?.clientAborted();
  }

  /**
   * Keeps the head to be written with the first body bytes or the end, in ONE cork (one send):
   * with a small response the backend's head and body arrive in one read, so they leave in one
   * write, as nginx does. A head whose body is not in the same read is written by flushHead() at
   * the end of that read, while its header views are still valid.
   */
  head(status: number, statusLine: string, headers: readonly Buffer[], contentLength: number, noBody: boolean): void {
    if (this.done) return;
    this.total = contentLength;
    this.noBody = noBody;
    this.status = status;
    this.statusLine = statusLine;
    this.headers = headers;
    this.headPending = true;
  }

  flushHead(): void {
    if (!this.headPending || this.done) return;
    const repause = this.paused;
    this.setPaused(false);
    corking.client = this;
    this.res.cork(corkHead);
    if (repause) this.setPaused(true);
  }

  /** @internal runs inside res.cork(). */
  writeHead(): void {
    if (!this.headPending) return;
    this.headPending = false;
    const res = this.res;
    const { status, headers, total } = this;
    res.writeStatus(this.statusLine);
    for (let i = 0; i < headers.length; i += 2) res.writeHeader(headers[i]!, headers[i + 1]!);
    // HEAD reports the length it would have had; uWS adds none on endWithoutBody().
    if (this.noBody && total >= 0 && status !== 204 && status !== 304) res.writeHeader('content-length', String(total));
    this.headers = NO_HEADERS;
  }

  body(chunk: Buffer): boolean {
    if (this.done || this.noBody) return true;
    // A write that meets backpressure on a paused socket leaves uWS polling for nothing (no
    // onWritable, no onData: a stall). So the socket is unpaused for every write, and paused again
    // after a write that went through if the request body still wants to wait.
    this.setPaused(false);
    const ok = this.writeBody(this.res, chunk);
    if (ok && this.pauseWanted) this.setPaused(true);
    return ok;
  }

  private writeBody(res: HttpResponse, chunk: Buffer): boolean {
    this.chunk = chunk;
    corking.client = this;
    if (this.total < 0) {
      res.cork(corkWrite);
      this.chunk = EMPTY;
      if (!this.ok) this.watchWritable();
      return this.ok;
    }
    if (!this.bodyStarted && chunk.length === this.total) {
      // The whole body in one piece, the usual small response: one end() (uWS keeps what the socket
      // cannot take yet, at most this one read) and no tryEnd result array to allocate.
      res.cork(corkEndWhole);
      this.chunk = EMPTY;
      return true;
    }
    this.bodyStarted = true;
    const offset = res.getWriteOffset();
    res.cork(corkTryEnd);
    this.chunk = EMPTY;
    if (this.ok) return true;
    this.rest = Buffer.from(chunk.subarray(res.getWriteOffset() - offset));
    this.restOffset = res.getWriteOffset();
    this.watchWritable();
    return false;
  }

  /** @internal runs inside res.cork(): a chunked write. */
  writeChunk(): void {
    this.writeHead();
    this.ok = this.res.write(this.chunk);
  }

  /** @internal runs inside res.cork(): a sized write; true in `ok` when all of it went (or the response is complete). */
  tryEndChunk(): void {
    this.writeHead();
    const [ok, finished] = this.res.tryEnd(this.chunk, this.total);
    if (finished) this.done = true;
    this.ok = ok || finished;
  }

  /** @internal runs inside res.cork(): the whole sized body at once. */
  endWhole(): void {
    this.writeHead();
    this.done = true;
    this.res.end(this.chunk);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    // A sized body still being written (rest) ends from writable(); one that tryEnd completed never gets here.
    if (this.total >= 0 && !this.noBody && this.rest !== null) return;
    this.setPaused(false);
    corking.client = this;
    this.res.cork(corkEnd);
  }

  /** @internal runs inside res.cork(): ends the response the way its head announced. */
  endNow(): void {
    this.writeHead();
    const res = this.res;
    // Never endWithoutBody(n): a length argument aborts the process (libraries.md §3).
    if (this.noBody) res.endWithoutBody();
    else if (this.total <= 0) res.end();
    else res.tryEnd(EMPTY, this.total);
  }

  respond(response: ErrorResponse, close: boolean): void {
    if (this.done) return;
    this.setPaused(false);
    this.done = true;
    writeResponse(this.res, response, close);
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.res.close();
  }

  /**
   * uWS's res.pause() stops polling the socket for writes too, so pausing the request body while
   * the response waits for onWritable would deadlock a full-duplex exchange (the backend blocks
   * writing, so it stops reading). While the response waits, the request keeps flowing instead, up
   * to MAX_OVERFLOW_BYTES more; a client that goes on uploading without reading its response past
   * that is cut off (both sides aborted), so the bytes buffered for it stay bounded.
   */
  pauseRequest(): void {
    if (this.done) return;
    this.pauseWanted = true;
    if (!this.awaitingWritable) this.setPaused(true);
  }

  resumeRequest(): void {
    if (this.done) return;
    this.pauseWanted = false;
    this.overflow = 0;
    this.setPaused(false);
  }

  /** A request body chunk from uWS (copied: uWS neuters its ArrayBuffer after the callback). */
  requestChunk(chunk: ArrayBuffer, last: boolean): void {
    if (this.done) return;
    if (this.pauseWanted && (this.overflow += chunk.byteLength) > MAX_OVERFLOW_BYTES) {
      this.done = true;
      this.res.close();
      this.exchange?.clientAborted();
      return;
    }
    this.exchange?.requestData(Buffer.copyBytesFrom(new Uint8Array(chunk)), last);
  }

  private setPaused(paused: boolean): void {
    // A write can end the response (tryEnd finished): from then on `res` must not be touched at all.
    if (this.paused === paused || this.done) return;
    this.paused = paused;
    if (paused) this.res.pause();
    else this.res.resume();
  }

  private watchWritable(): void {
    this.awaitingWritable = true;
    // Writable events only come while the socket is not paused.
    this.setPaused(false);
    if (this.watchingWritable) return;
    this.watchingWritable = true;
    this.res.onWritable((offset) => this.writable(offset));
  }

  /** The response stopped waiting for onWritable: a pause the request wanted meanwhile applies now. */
  private writableAgain(): void {
    this.awaitingWritable = false;
    if (this.pauseWanted && !this.done) this.setPaused(true);
  }

  private writable(offset: number): boolean {
    const rest = this.rest;
    if (rest === null) {
      if (!this.awaitingWritable) return true;
      this.writableAgain();
      this.exchange?.clientWritable();
      return true;
    }
    const [ok, finished] = this.res.tryEnd(rest.subarray(offset - this.restOffset), this.total);
    if (finished) {
      this.rest = null;
      this.done = true;
      this.awaitingWritable = false;
      return true;
    }
    if (!ok) return false;
    this.rest = null;
    this.writableAgain();
    this.exchange?.clientWritable();
    return true;
  }
}

