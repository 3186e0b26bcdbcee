/**
 * The node engine's byte pipe between a client and its backend after the 101, in place of
 * http-proxy-3's `pipe()`s: the same bytes in the same order with the same backpressure (a side
 * whose peer's buffer is full is paused until it drains), plus a FrameScanner per direction, so the
 * proxy can add a close frame of its own at a frame boundary: 1001 to both sides on shutdown or
 * after drain_timeout, and 1011/1001 to the client when the backend's connection dies without a
 * close frame (as the uWS engine does). Frames are never parsed beyond their headers, so extensions
 * the two ends negotiated (permessage-deflate) pass untouched.
 */
import type { Socket } from 'node:net';
import { clampReason } from './close-codes.js';
import { FrameScanner, closeFrame } from './frame-scanner.js';

/** One direction: bytes from `from` are written to `to`; frames counted by `scanner`. */
class Direction {
  readonly scanner = new FrameScanner();
  /** A close frame of ours waits for the frame in progress to end; then nothing more is relayed. */
  private pendingClose: Buffer | null = null;
  /** Our close frame went out: later bytes from `from` are dropped. */
  stopped = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    /** Frames towards a server must be masked. */
    readonly masked: boolean,
  ) {
    from.on('data', (chunk: Buffer) => this.relay(chunk));
    // What pipe() did: a FIN is passed on (the client socket is half-open capable, as node:http makes it).
    from.on('end', () => to.end());
    to.on('drain', () => from.resume());
  }

  /** Sends a close frame of ours at the next frame boundary (at once when between frames). */
  close(code: number, reason: string): void {
    if (this.stopped || this.pendingClose !== null) return;
    this.pendingClose = closeFrame(code, clampReason(reason), this.masked);
    if (this.scanner.atBoundary) this.flushClose();
  }

  private relay(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.pendingClose === null) {
      this.scanner.scan(chunk);
      if (!this.to.write(chunk)) this.from.pause();
      return;
    }
    const upTo = this.scanner.scan(chunk, true);
    if (upTo > 0) this.to.write(chunk.subarray(0, upTo));
    if (this.scanner.atBoundary) this.flushClose();
  }

  private flushClose(): void {
    const frame = this.pendingClose;
    if (frame === null || this.to.destroyed || this.to.writableEnded) return;
    this.pendingClose = null;
    this.stopped = true;
    if (!this.scanner.sawClose) this.to.write(frame);
    this.to.end();
  }
}

/** Both directions of one tunnelled WebSocket. */
export class TunnelRelay {
  private readonly down: Direction;
  private readonly up: Direction;

  constructor(client: Socket, upstream: Socket) {
    this.down = new Direction(upstream, client, false);
    this.up = new Direction(client, upstream, true);
    // http-proxy-3's pipes are replaced by the Directions (unpipe pauses: resume reading).
    upstream.unpipe(client);
    client.unpipe(upstream);
    upstream.resume();
    client.resume();
  }

  /** The backend sent a close frame (the client gets it as relayed; nothing of ours is added). */
  get backendClosed(): boolean {
    return this.down.scanner.sawClose;
  }

  /** Tells the client `code` at the next frame boundary of the backend's stream; then the client side ends. */
  closeClient(code: number, reason: string): void {
    this.down.close(code, reason);
  }

  /** Closes both sides with `code` at their next frame boundaries (a shutdown, a drained backend). */
  closeBoth(code: number, reason: string): void {
    this.down.close(code, reason);
    this.up.close(code, reason);
  }
}
