/**
 * Record framing shared by WAL segments and snapshot files (pure encode/decode, no I/O).
 *
 * On disk, one record is:
 *
 *   offset 0  u32 LE  length     bytes of type + payload (>= 1)
 *   offset 4  u32 LE  ~length    bitwise complement: a flipped length byte is detected, not trusted
 *   offset 8  u32 LE  crc32      node:zlib crc32 over type + payload
 *   offset 12 u8      type
 *   offset 13 ...     payload
 *
 * A damaged record at the end of the last segment is a torn write (the process died mid-append, or
 * the file system zero-filled the tail): it is cut off. Damage followed by further data is corruption.
 */
import { crc32 } from 'node:zlib';

/** Bytes before the type byte. */
export const HEADER_BYTES = 12;
/** Upper bound on one record (type + payload): larger lengths are treated as damage. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

/** One decoded record; `offset` is where its header starts in the file. */
export interface Frame {
  type: number;
  payload: Buffer;
  offset: number;
}

/** Where and why decoding stopped before the end of the buffer. */
export interface FrameDamage {
  offset: number;
  reason: string;
  /** True when everything from `offset` on looks like an interrupted append rather than corruption. */
  torn: boolean;
}

/** The records of a buffer, up to the first damaged one. */
export interface DecodedFrames {
  frames: Frame[];
  /** Offset just after the last good record. */
  validEnd: number;
  damage?: FrameDamage;
}

/** Bytes before the payload: header + type. Payload writers reserve this much, then call {@link sealFrame}. */
export const FRAME_OVERHEAD = HEADER_BYTES + 1;

/** Frames `payload` as a record of `type` (0-255). */
export function encodeFrame(type: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_OVERHEAD + payload.length);
  out.set(payload, FRAME_OVERHEAD);
  return sealFrame(out, type);
}

/** Fills in the header of `frame`, whose payload starts at {@link FRAME_OVERHEAD}; returns it. */
export function sealFrame(frame: Buffer, type: number): Buffer {
  const length = frame.length - HEADER_BYTES;
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(~length >>> 0, 4);
  frame[HEADER_BYTES] = type;
  frame.writeUInt32LE(crc32(frame.subarray(HEADER_BYTES)), 8);
  return frame;
}

/** Decodes every record in `buf`, stopping at the first damaged one. */
export function decodeFrames(buf: Buffer): DecodedFrames {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const remaining = buf.length - offset;
    if (remaining < HEADER_BYTES + 1) {
      return { frames, validEnd: offset, damage: damage(buf, offset, `incomplete header (${remaining} bytes left)`, true) };
    }
    const length = buf.readUInt32LE(offset);
    const check = buf.readUInt32LE(offset + 4);
    if ((~length >>> 0) !== check || length < 1 || length > MAX_RECORD_BYTES) {
      return { frames, validEnd: offset, damage: damage(buf, offset, `bad length field (${length})`, false) };
    }
    const end = offset + HEADER_BYTES + length;
    if (end > buf.length) {
      return { frames, validEnd: offset, damage: { offset, reason: `record of ${length} bytes runs past the end of the file`, torn: true } };
    }
    const body = buf.subarray(offset + HEADER_BYTES, end);
    if (crc32(body) !== buf.readUInt32LE(offset + 8)) {
      return { frames, validEnd: offset, damage: damage(buf, offset, 'CRC mismatch', end === buf.length || allZero(buf, end)) };
    }
    frames.push({ type: body[0]!, payload: body.subarray(1), offset });
    offset = end;
  }
  return { frames, validEnd: offset };
}

function damage(buf: Buffer, offset: number, reason: string, tornIfLast: boolean): FrameDamage {
  // A zero-filled remainder (after the length word, which may have landed alone) is an append cut short.
  return { offset, reason, torn: tornIfLast || allZero(buf, Math.min(offset + 4, buf.length)) };
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}
