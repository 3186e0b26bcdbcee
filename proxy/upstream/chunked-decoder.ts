/**
 * Incremental decoder of the chunked transfer coding (RFC 9112 §7.1): chunk sizes, chunk extensions
 * (validated, then dropped), data, and the trailer section, whose fields are returned like headers.
 */
import { BlockCollector } from './block-collector.js';
import { UpstreamParseError } from './errors.js';
import { FieldList, parseFieldLines } from './field-lines.js';
import { CR, FIELD_VALUE, HEX, HTAB, LF, SP, hexValue } from './http-chars.js';

/** A chunk-size line (size plus extensions) longer than this is refused (bytes, CRLF excluded). */
const MAX_SIZE_LINE = 4096;
/** Chunk sizes above 2^53 cannot be counted exactly in a double. */
const MAX_SIZE_BEFORE_SHIFT = Math.floor(Number.MAX_SAFE_INTEGER / 16);

const enum State {
  Size,
  SizeBws,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailers,
  Done,
}

/** Receives decoded chunk data; the parser's sink. */
export interface ChunkSink {
  /** Chunk data (a view of the read buffer); false asks the decoder to stop after this piece. */
  onBody(chunk: Buffer): boolean;
}

/** Decodes one chunked body at a time; reused for every response on a connection. */
export class ChunkedDecoder {
  /** Trailer name/value views once {@link done}; empty when the body had none. */
  trailers: Buffer[] = [];
  private readonly trailerFields = new FieldList();
  /** Set when the last chunk and the trailer section were read. */
  done = false;
  private state = State.Size;
  private remaining = 0;
  private digits = 0;
  private lineBytes = 0;
  private readonly trailerBlock: BlockCollector;

  /** @param maxTrailerSize largest trailer section accepted (bytes). */
  constructor(maxTrailerSize: number) {
    this.trailerBlock = new BlockCollector(maxTrailerSize, 'trailer section');
  }

  /** Prepares for a new chunked body. */
  reset(): void {
    this.state = State.Size;
    this.remaining = 0;
    this.digits = 0;
    this.lineBytes = 0;
    this.trailers = [];
    this.done = false;
  }

  /**
   * Decodes from `buf[pos..)` and returns the offset where it stopped: the end of `buf`, just after a
   * piece the sink refused to take more after, or just after the body's end ({@link done} then set).
   */
  execute(buf: Buffer, pos: number, sink: ChunkSink): number {
    const len = buf.length;
    while (pos < len) {
      const b = buf[pos] as number;
      switch (this.state) {
        case State.Size:
          if (HEX[b] === 1) {
            if (this.remaining > MAX_SIZE_BEFORE_SHIFT) throw new UpstreamParseError('chunk size too large');
            this.remaining = this.remaining * 16 + hexValue(b);
            this.digits++;
          } else if (this.digits === 0) {
            throw new UpstreamParseError('invalid chunk size');
          } else if (b === CR) {
            this.state = State.SizeLf;
          } else if (b === SP || b === HTAB) {
            this.state = State.SizeBws;
          } else if (b === 0x3b) {
            this.state = State.Ext;
          } else {
            throw new UpstreamParseError('invalid chunk size');
          }
          pos = this.countLine(pos);
          break;
        case State.SizeBws:
          if (b === 0x3b) this.state = State.Ext;
          else if (b === CR) this.state = State.SizeLf;
          else if (b !== SP && b !== HTAB) throw new UpstreamParseError('invalid chunk size line');
          pos = this.countLine(pos);
          break;
        case State.Ext:
          if (b === CR) this.state = State.SizeLf;
          else if (FIELD_VALUE[b] !== 1) throw new UpstreamParseError('invalid character in chunk extension');
          pos = this.countLine(pos);
          break;
        case State.SizeLf:
          if (b !== LF) throw new UpstreamParseError('chunk size line without CRLF');
          pos++;
          this.lineBytes = 0;
          this.digits = 0;
          if (this.remaining === 0) {
            this.state = State.Trailers;
            this.trailerBlock.reset(true);
          } else {
            this.state = State.Data;
          }
          break;
        case State.Data: {
          const end = Math.min(len, pos + this.remaining);
          const piece = buf.subarray(pos, end);
          this.remaining -= end - pos;
          pos = end;
          if (this.remaining === 0) this.state = State.DataCr;
          if (!sink.onBody(piece)) return pos;
          break;
        }
        case State.DataCr:
          if (b !== CR) throw new UpstreamParseError('chunk data longer than its size');
          this.state = State.DataLf;
          pos++;
          break;
        case State.DataLf:
          if (b !== LF) throw new UpstreamParseError('chunk data without CRLF');
          this.state = State.Size;
          pos++;
          break;
        case State.Trailers:
          return this.readTrailers(buf, pos);
        case State.Done:
          return pos;
      }
    }
    return pos;
  }

  private countLine(pos: number): number {
    if (++this.lineBytes > MAX_SIZE_LINE) throw new UpstreamParseError('chunk size line too long');
    return pos + 1;
  }

  private readTrailers(buf: Buffer, pos: number): number {
    const block = this.trailerBlock;
    // Fast path, no copy: no trailers, and the final CRLF is in this read.
    if (block.pending === 2 && buf[pos] === CR && buf[pos + 1] === LF) {
      this.state = State.Done;
      this.done = true;
      return pos + 2;
    }
    const end = block.feed(buf, pos);
    if (end === -1) return buf.length;
    // The block starts with the last-chunk line's CRLF (see reset(true)): fields begin 2 bytes in.
    this.trailerFields.reset(block.block);
    parseFieldLines(block.block, block.blockStart + 2, block.blockEnd - 2, this.trailerFields);
    this.trailers = this.trailerFields.views();
    this.state = State.Done;
    this.done = true;
    return end;
  }
}
