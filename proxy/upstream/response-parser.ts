/**
 * Incremental, byte-level HTTP/1.1 response parser (RFC 9112): head, then a body framed by
 * Content-Length, chunked coding or connection close, with 1xx interim responses and the no-body
 * cases (HEAD, 204, 304). One parser per connection, reused for every response; it never converts
 * header bytes to strings and throws {@link UpstreamParseError} on anything it does not accept.
 */
import { BlockCollector } from './block-collector.js';
import { ChunkedDecoder } from './chunked-decoder.js';
import { UpstreamParseError } from './errors.js';
import { ResponseHead, parseHead } from './head-parser.js';

/** Where the parser is in the current exchange. */
export const enum ParserState {
  /** No response expected: any byte now is unsolicited. */
  Idle,
  Head,
  FixedBody,
  ChunkedBody,
  /** Body ends when the connection closes. */
  UntilClose,
}

const NO_TRAILERS: Buffer[] = [];

/** Receives what the parser finds; the connection implements it (no per-response closures). */
export interface ResponseSink {
  /** A 1xx interim response (100 Continue, 103 Early Hints); the final head follows. */
  onInterim(head: ResponseHead): void;
  /** The final head. The body (if any) follows through `onBody`. */
  onHead(head: ResponseHead): void;
  /** Body bytes as a view of the read buffer; false stops the parser after this piece (backpressure). */
  onBody(chunk: Buffer): boolean;
  /** The response is complete; trailer name/value views (empty when none). */
  onComplete(trailers: Buffer[]): void;
}

/** Parses the responses of one connection, one at a time. */
export class ResponseParser {
  /** The current response's head; valid from `onHead` until the next {@link expect}. */
  readonly head = new ResponseHead();
  private stateValue = ParserState.Idle;
  private noBody = false;
  private remaining = 0;
  private stopped = false;
  /** Bumped by expect() and abandon(), so a callback that abandoned the exchange is noticed. */
  private exchange = 0;
  private readonly headBlock: BlockCollector;
  private readonly chunked: ChunkedDecoder;

  /** @param maxHeaderSize largest head (and trailer section) accepted, in bytes. */
  constructor(private readonly sink: ResponseSink, maxHeaderSize: number) {
    this.headBlock = new BlockCollector(maxHeaderSize, 'response head');
    this.chunked = new ChunkedDecoder(maxHeaderSize);
  }

  /** Current state; `Idle` once a response completed or before the first request. */
  get state(): ParserState {
    return this.stateValue;
  }

  /** Arms the parser for the response to a request just sent; `noBody` for a HEAD request. */
  expect(noBody: boolean): void {
    this.noBody = noBody;
    this.exchange++;
    this.stateValue = ParserState.Head;
    this.headBlock.reset(false);
  }

  /** Drops the exchange (abort): later input is ignored until the next {@link expect}. */
  abandon(): void {
    this.exchange++;
    this.stateValue = ParserState.Idle;
  }

  /**
   * Parses `buf[pos..)`. Returns the offset where it stopped: the end of `buf`; just after a body
   * piece the sink answered `false` to; or just after a complete response (state back to `Idle`; any
   * bytes left are unsolicited and the connection must not be reused). Sink callbacks run inside.
   */
  execute(buf: Buffer, pos: number): number {
    this.stopped = false;
    const len = buf.length;
    while (pos < len && !this.stopped) {
      switch (this.stateValue) {
        case ParserState.Idle:
          return pos;
        case ParserState.Head:
          pos = this.readHead(buf, pos);
          break;
        case ParserState.FixedBody: {
          const end = Math.min(len, pos + this.remaining);
          // A read that is all body is passed on as is: no view allocated.
          const piece = pos === 0 && end === len ? buf : buf.subarray(pos, end);
          this.remaining -= end - pos;
          pos = end;
          const more = this.sink.onBody(piece);
          // The last piece completes the response even when the sink asked to pause after it.
          if (this.remaining > 0) this.stopped = !more;
          else if (this.stateValue === ParserState.FixedBody) this.complete(NO_TRAILERS);
          break;
        }
        case ParserState.ChunkedBody:
          pos = this.chunked.execute(buf, pos, this);
          if (this.chunked.done && this.stateValue === ParserState.ChunkedBody) this.complete(this.chunked.trailers);
          break;
        case ParserState.UntilClose:
          this.stopped = !this.sink.onBody(pos === 0 ? buf : buf.subarray(pos));
          pos = len;
          break;
      }
    }
    return pos;
  }

  /**
   * The connection reached EOF. Completes a close-delimited body and returns true; returns false
   * when a response was cut short (the caller reports a reset).
   */
  finish(): boolean {
    if (this.stateValue !== ParserState.UntilClose) return this.stateValue === ParserState.Idle;
    this.complete(NO_TRAILERS);
    return true;
  }

  /** ChunkSink: body data decoded by the chunked decoder. */
  onBody(chunk: Buffer): boolean {
    if (this.sink.onBody(chunk)) return true;
    this.stopped = true;
    return false;
  }

  private readHead(buf: Buffer, pos: number): number {
    const block = this.headBlock;
    const end = block.feed(buf, pos);
    if (end === -1) return buf.length;
    const head = this.head;
    parseHead(block.block, block.blockStart, block.blockEnd, head);
    const status = head.status;
    if (status < 200) {
      if (status === 101) throw new UpstreamParseError('101 Switching Protocols without an upgrade request');
      this.sink.onInterim(head);
      block.reset(false);
      return end;
    }
    if (this.noBody || status === 204 || status === 304) {
      this.startBody(ParserState.Idle);
    } else if (head.chunked) {
      this.chunked.reset();
      this.startBody(ParserState.ChunkedBody);
    } else if (head.contentLength >= 0) {
      this.remaining = head.contentLength;
      this.startBody(this.remaining === 0 ? ParserState.Idle : ParserState.FixedBody);
    } else {
      head.close = true;
      this.startBody(ParserState.UntilClose);
    }
    return end;
  }

  private complete(trailers: Buffer[]): void {
    this.stateValue = ParserState.Idle;
    // Stop here even if the sink armed a new exchange: bytes after a response are never its answer.
    this.stopped = true;
    this.sink.onComplete(trailers);
  }

  private startBody(state: ParserState): void {
    const exchange = this.exchange;
    this.stateValue = state;
    this.sink.onHead(this.head);
    if (this.exchange !== exchange) this.stopped = true;
    else if (state === ParserState.Idle) this.complete(NO_TRAILERS);
  }
}
