/**
 * Little binary codec for WAL and snapshot payloads. Integers are unsigned LEB128 varints (revisions,
 * versions and millisecond deadlines all fit in 2^53), byte strings are a varint length + the bytes.
 * Decoding errors throw `RangeError`; callers turn them into `CorruptDataError` naming file and offset.
 */

/** Appends varints and byte strings to a growing buffer. */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  /** `reserve` bytes at the start are skipped (a frame header filled in later). */
  constructor(initialBytes = 256, reserve = 0) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, reserve));
    this.pos = reserve;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(value: number): this {
    this.ensure(1);
    this.buf[this.pos++] = value;
    return this;
  }

  /** A non-negative integer below 2^53. */
  varuint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varuint out of range: ${value}`);
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** A byte string; a JS string is written as its UTF-8 bytes (the Store's reading of `Bytes`). */
  bytes(value: Uint8Array | string): this {
    if (typeof value === 'string') return this.string(value);
    this.varuint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /** A UTF-8 string (lease IDs). */
  string(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.varuint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
    return this;
  }

  /** The bytes written; the view shares memory with the writer until the next write. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads what {@link ByteWriter} wrote; byte strings are copied out so they do not pin the source. */
export class ByteReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** True when every byte was consumed. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw new RangeError('unexpected end of payload');
    return this.buf[this.pos++]!;
  }

  varuint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeError('varuint too long');
  }

  bytes(): Buffer {
    const length = this.varuint();
    if (this.pos + length > this.end) throw new RangeError('byte string runs past the payload');
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return out;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }
}
