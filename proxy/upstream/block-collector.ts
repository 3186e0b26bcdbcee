/**
 * Finds the end (CRLF CRLF) of a header block that may arrive split over several reads, under a size
 * limit. When the whole block is in one read it is not copied: the parsed header views point into
 * that read. Only a block split across reads is assembled in a carry buffer, then copied out once.
 */
import { UpstreamParseError } from './errors.js';

const TERMINATOR = Buffer.from('\r\n\r\n');

/** Incremental search for the end of one header block; reused for every block on a connection. */
export class BlockCollector {
  /** Buffer holding the complete block after {@link feed} returned a position. */
  block: Buffer = TERMINATOR;
  /** Offset of the block's first byte in {@link block}. */
  blockStart = 0;
  /** Offset just past the block's final CRLF CRLF in {@link block}. */
  blockEnd = 0;
  private carry: Buffer | null = null;
  private held = 0;

  /** @param limit largest block accepted, terminator included (bytes); more is a parse error. */
  constructor(private readonly limit: number, private readonly what: string) {}

  /** Starts a new block; `afterLine` means the CRLF before it was already seen (trailer sections). */
  reset(afterLine: boolean): void {
    this.held = 0;
    if (afterLine) this.append(TERMINATOR, 0, 2);
  }

  /** Bytes held from earlier reads (0 when the next byte starts the block). */
  get pending(): number {
    return this.held;
  }

  /**
   * Feeds `buf[pos..)`. Returns the offset in `buf` just past the block when the block is complete,
   * else -1 (all of `buf[pos..)` was taken and more input is needed).
   */
  feed(buf: Buffer, pos: number): number {
    if (this.held === 0) {
      const idx = buf.indexOf(TERMINATOR, pos);
      if (idx !== -1 && idx + 4 - pos <= this.limit) {
        this.block = buf;
        this.blockStart = pos;
        this.blockEnd = idx + 4;
        return idx + 4;
      }
      if (idx !== -1 || buf.length - pos >= this.limit) throw this.tooLarge();
      this.append(buf, pos, buf.length);
      return -1;
    }
    const before = this.held;
    const take = Math.min(buf.length - pos, this.limit - before);
    this.append(buf, pos, pos + take);
    const carry = this.carry as Buffer;
    const idx = carry.subarray(0, this.held).indexOf(TERMINATOR, Math.max(0, before - 3));
    if (idx === -1) {
      if (this.held >= this.limit) throw this.tooLarge();
      return -1;
    }
    const end = idx + 4;
    // Copied out: the header views must outlive the carry buffer, which the next block overwrites.
    this.block = Buffer.from(carry.subarray(0, end));
    this.blockStart = 0;
    this.blockEnd = end;
    this.held = 0;
    return pos + (end - before);
  }

  private append(src: Buffer, start: number, end: number): void {
    if (this.carry === null) this.carry = Buffer.allocUnsafe(this.limit);
    this.held += src.copy(this.carry, this.held, start, end);
  }

  private tooLarge(): UpstreamParseError {
    return new UpstreamParseError(`${this.what} larger than ${this.limit} bytes`);
  }
}
