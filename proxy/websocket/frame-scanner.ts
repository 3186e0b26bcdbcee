/**
 * Frame boundaries in a raw WebSocket byte stream (RFC 6455 §5.2), for the node engine's tunnel:
 * the bytes are piped as they come, and the proxy only needs to know where one frame ends so it can
 * put a close frame of its own there (a shutdown, a backend that died) without cutting a frame in
 * two. Reads headers only; payloads are counted, never copied or unmasked.
 */
import { randomBytes } from 'node:crypto';

/** Close frame opcode. */
const OPCODE_CLOSE = 0x8;
/** Longest frame header: 2 bytes, an 8-byte length, a 4-byte mask key. */
const MAX_HEADER = 14;

/** Tracks where frames end in one direction of a WebSocket connection. */
export class FrameScanner {
  /** Header bytes of the frame being read (only while its header is incomplete). */
  private readonly header = Buffer.alloc(MAX_HEADER);
  private headerHave = 0;
  /** Payload bytes of the current frame still to come; -1 while reading a header. */
  private payloadLeft = -1;
  /** A close frame has started in this direction: nothing is to be added after it. */
  sawClose = false;

  /** True between frames: a frame may be written here without corrupting the stream. */
  get atBoundary(): boolean {
    return this.payloadLeft === -1 && this.headerHave === 0;
  }

  /**
   * Reads `chunk` and returns how many of its bytes were taken: all of them, or with `stopAtBoundary`
   * only up to the end of the frame in progress (0 when the stream is already at a boundary).
   */
  scan(chunk: Buffer, stopAtBoundary = false): number {
    let i = 0;
    while (i < chunk.length) {
      if (stopAtBoundary && this.atBoundary) return i;
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, chunk.length - i);
        this.payloadLeft -= take;
        i += take;
        if (this.payloadLeft === 0) this.payloadLeft = -1;
        continue;
      }
      this.header[this.headerHave++] = chunk[i++]!;
      const length = this.headerLength();
      if (length !== -1 && this.headerHave === length) this.startPayload();
    }
    return i;
  }

  /** The full header length once its first bytes are in; -1 before. */
  private headerLength(): number {
    if (this.headerHave < 2) return -1;
    const b1 = this.header[1]!;
    const len7 = b1 & 0x7f;
    const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    return 2 + extended + (b1 & 0x80 ? 4 : 0);
  }

  private startPayload(): void {
    const h = this.header;
    if ((h[0]! & 0x0f) === OPCODE_CLOSE) this.sawClose = true;
    const len7 = h[1]! & 0x7f;
    const length = len7 === 126 ? h.readUInt16BE(2) : len7 === 127 ? Number(h.readBigUInt64BE(2)) : len7;
    this.headerHave = 0;
    this.payloadLeft = length === 0 ? -1 : length;
  }
}

/**
 * A close frame with `code` and `reason` (≤ 123 bytes). `masked` for frames sent to a server (a
 * client must mask, RFC 6455 §5.3), unmasked for frames sent to a client.
 */
export function closeFrame(code: number, reason: string, masked: boolean): Buffer {
  const text = Buffer.from(reason);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  const head = Buffer.from([0x80 | OPCODE_CLOSE, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
  return Buffer.concat([head, key, payload]);
}
