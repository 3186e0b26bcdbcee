/**
 * The caller's handle on one request: it pushes the body in with writable-style backpressure,
 * pauses and resumes the response, and aborts. It also keeps what a transparent retry needs: the
 * body bytes accepted so far, while they fit the replay budget.
 */
import { RequestAbortedError } from './errors.js';
import type { FailureProgress } from './errors.js';
import type { UpstreamHandler } from './types.js';

/** Where a request is in the pool. */
export const enum RequestState {
  Queued,
  Active,
  Done,
}

/** The connection side a request talks to while it is active (implemented by the connection). */
export interface RequestTransport {
  writeBody(chunk: Buffer): boolean;
  endBody(): void;
  pauseResponse(): void;
  resumeResponse(): void;
  abortRequest(): void;
}

/** The pool side a request needs: its budgets, and leaving the wait queue. */
export interface RequestOwner {
  readonly maxReplayBytes: number;
  readonly maxPendingBodyBytes: number;
  dequeue(req: UpstreamRequest): void;
}

/** Methods that may be sent twice (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** A request accepted by the pool: queued, on a connection, or done. */
export class UpstreamRequest implements FailureProgress {
  /** @internal */ state = RequestState.Queued;
  /** @internal */ transport: RequestTransport | null = null;
  /** @internal wait-queue links. */ prev: UpstreamRequest | null = null;
  /** @internal */ next: UpstreamRequest | null = null;
  /** @internal the body has been fully handed over by the caller. */ bodyEnded: boolean;
  /** @internal chunks accepted while waiting for a socket. */ pending: Buffer[] | null = null;
  /** @internal every chunk accepted so far, while replayable; null once over budget. */ replay: Buffer[] | null;
  /** @internal the request was already retried once. */ retried = false;
  /** @internal it went out on a socket that had served earlier requests. */ onReusedSocket = false;
  /** @internal a write() returned false and onDrain is owed. */ waitingDrain = false;
  /** True once `onHead` was delivered. */
  responseStarted = false;
  /** Body bytes accepted from the caller. */
  requestBodyBytes = 0;
  private pendingBytes = 0;
  private replayBytes = 0;

  /** @internal created by the pool only. */
  constructor(
    private readonly owner: RequestOwner,
    /** @internal the serialised head. */ readonly head: string,
    /** @internal HEAD: the response has no body whatever its headers say. */ readonly noResponseBody: boolean,
    /** @internal see UpstreamRequestOptions.bodyLength. */ readonly bodyLength: number,
    /** @internal */ readonly handler: UpstreamHandler,
    method: string,
  ) {
    this.bodyEnded = bodyLength === 0;
    // Replaying is allowed for idempotent methods, and for any method without a body.
    this.replay = bodyLength === 0 || IDEMPOTENT.has(method) ? [] : null;
  }

  /** @internal a dead reused socket may be swapped for a new one and the request sent again. */
  get replayable(): boolean {
    return this.replay !== null && !this.retried && this.onReusedSocket;
  }

  /**
   * Sends body bytes; the chunk is kept by reference (do not reuse it). Returns false when the
   * caller should stop until `onDrain`. Throws {@link RequestAbortedError} (and aborts) when the
   * body exceeds `bodyLength`, follows `end()`, or overruns the pending bound because a false was ignored.
   */
  write(chunk: Buffer): boolean {
    if (this.state === RequestState.Done || chunk.length === 0) return true;
    if (this.bodyEnded) throw this.violation('write() after end() or on a request without a body');
    const total = this.requestBodyBytes + chunk.length;
    if (this.bodyLength >= 0 && total > this.bodyLength) throw this.violation(`body longer than bodyLength ${this.bodyLength}`);
    this.requestBodyBytes = total;
    if (this.replay !== null) {
      this.replayBytes += chunk.length;
      if (this.replayBytes <= this.owner.maxReplayBytes) this.replay.push(chunk);
      else this.replay = null;
    }
    if (this.transport !== null) {
      const ok = this.transport.writeBody(chunk);
      if (!ok) this.waitingDrain = true;
      return ok;
    }
    (this.pending ??= []).push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes > this.owner.maxPendingBodyBytes) {
      throw this.violation(`${this.pendingBytes} body bytes buffered while waiting for a connection: backpressure ignored`);
    }
    this.waitingDrain = true;
    return false;
  }

  /** Ends the body, after an optional last chunk. Throws when fewer than `bodyLength` bytes were sent. */
  end(chunk?: Buffer): void {
    if (this.state === RequestState.Done) return;
    if (chunk !== undefined) this.write(chunk);
    if (this.bodyEnded) return;
    if (this.bodyLength > 0 && this.requestBodyBytes < this.bodyLength) {
      throw this.violation(`body ended after ${this.requestBodyBytes} of ${this.bodyLength} bytes`);
    }
    this.bodyEnded = true;
    this.transport?.endBody();
  }

  /** Stops response delivery (the socket stops reading) until {@link resume}. */
  pause(): void {
    this.transport?.pauseResponse();
  }

  /** Resumes response delivery after `onData` returned false or {@link pause}. */
  resume(): void {
    this.transport?.resumeResponse();
  }

  /** Abandons the request: its socket is destroyed, never reused; no callback follows. */
  abort(): void {
    if (this.state === RequestState.Done) return;
    const wasQueued = this.state === RequestState.Queued;
    this.state = RequestState.Done;
    if (wasQueued) this.owner.dequeue(this);
    this.transport?.abortRequest();
    this.release();
  }

  /** @internal drops body references once the request is over. */
  release(): void {
    this.state = RequestState.Done;
    this.transport = null;
    this.pending = null;
    this.replay = null;
  }

  /** @internal takes the chunks a new socket must send first: a replay, or those that waited in the queue. */
  takeBodyToSend(): Buffer[] | null {
    const chunks = this.retried ? this.replay : this.pending;
    this.pending = null;
    this.pendingBytes = 0;
    return chunks;
  }

  private violation(reason: string): RequestAbortedError {
    const err = new RequestAbortedError(reason, this);
    this.abort();
    return err;
  }
}
