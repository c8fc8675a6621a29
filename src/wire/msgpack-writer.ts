// A minimal msgpack writer for the one structure that is large and all numbers: a batch's points.
// The generic encoder (msgpackr) spends most of a flush on per-value type dispatch; the points
// are only arrays of numbers, so they are written here straight into one growing buffer, as
// standard msgpack that any decoder (msgpackr included) reads. Everything else goes through
// msgpackr and is appended as already-encoded values.

export class MsgpackWriter {
  private buf: Buffer;
  private view: DataView;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /**
   * Makes room for `n` more bytes and returns the buffer, for callers that write a run of values
   * straight into it at `pos` (valid until the next call that may grow: ensure, room, any write
   * past the room made).
   */
  room(n: number): Buffer {
    this.ensure(n);
    return this.buf;
  }

  /** What was written, without copying (valid until the next write or reset). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of what was written (the writer's buffer is reused by the next flush). */
  bytes(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }

  number(v: number): void {
    this.ensure(9);
    const b = this.buf;
    // The common case of a flush (counter deltas, bucket counts, point keys): one byte.
    if (v >= 0 && v < 128 && (v | 0) === v) {
      b[this.pos++] = v;
      return;
    }
    if (Number.isInteger(v)) {
      if (v >= 0) {
        if (v < 128) b[this.pos++] = v;
        else if (v < 256) (b[this.pos++] = 0xcc), (b[this.pos++] = v);
        else if (v < 65536) (b[this.pos++] = 0xcd), this.view.setUint16(this.pos, v), (this.pos += 2);
        else if (v < 4294967296) (b[this.pos++] = 0xce), this.view.setUint32(this.pos, v), (this.pos += 4);
        // Larger integers go as float64 (exact up to 2^53): every decoder reads them as plain numbers.
        else this.float(v);
      } else if (v >= -32) b[this.pos++] = v & 0xff;
      else if (v >= -128) (b[this.pos++] = 0xd0), this.view.setInt8(this.pos, v), (this.pos += 1);
      else if (v >= -32768) (b[this.pos++] = 0xd1), this.view.setInt16(this.pos, v), (this.pos += 2);
      else if (v >= -2147483648) (b[this.pos++] = 0xd2), this.view.setInt32(this.pos, v), (this.pos += 4);
      else this.float(v);
    } else this.float(v);
  }

  /** Writes `a[from]` .. `a[to - 1]` as numbers: one bounds check for the run, one-byte integers inline (histogram buckets). */
  numbers(a: Float64Array, from: number, to: number): void {
    this.ensure(9 * (to - from));
    const b = this.buf;
    for (let k = from; k < to; k++) {
      const v = a[k]!;
      if (v >= 0 && v < 128 && (v | 0) === v) b[this.pos++] = v;
      else this.number(v);
    }
  }

  /** float32 when that is exact (half the bytes), else float64. */
  private float(v: number): void {
    if (Math.fround(v) === v) {
      this.buf[this.pos++] = 0xca;
      this.view.setFloat32(this.pos, v);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0xcb;
      this.view.setFloat64(this.pos, v);
      this.pos += 8;
    }
  }

  arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 65536) (this.buf[this.pos++] = 0xdc), this.view.setUint16(this.pos, n), (this.pos += 2);
    else (this.buf[this.pos++] = 0xdd), this.view.setUint32(this.pos, n), (this.pos += 4);
  }

  mapHeader(n: number): void {
    this.ensure(1);
    if (n >= 16) throw new RangeError("map headers here are small by construction");
    this.buf[this.pos++] = 0x80 | n;
  }

  /**
   * Reserves an array header to be filled in by endArray once the element count is known; `max`
   * (at most how many elements there will be) sizes the reservation, so a row whose bound fits a
   * short header is not moved afterwards.
   */
  beginArray(max = 0xffffffff): number {
    const size = headerSize(max);
    this.ensure(size);
    const at = this.pos;
    this.pos += size;
    return at;
  }

  /** Writes the reserved header in its shortest form, moving the elements back if it is shorter than reserved (`max` as given to beginArray). */
  endArray(at: number, count: number, max = 0xffffffff): void {
    const reserved = headerSize(max);
    const header = headerSize(count);
    const bodyStart = at + reserved;
    if (header < reserved) {
      this.buf.copyWithin(at + header, bodyStart, this.pos);
      this.pos -= reserved - header;
    }
    const end = this.pos;
    this.pos = at;
    this.arrayHeader(count);
    this.pos = end;
  }

  /** Appends an already-encoded msgpack value. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  boolean(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 0xc3 : 0xc2;
  }

  /** A msgpack string whose UTF-8 bytes are `src[start, start + n)` (event strings straight from a ring). */
  stringBytes(src: Uint8Array, start: number, n: number): void {
    this.ensure(n + 5);
    if (n < 32) this.buf[this.pos++] = 0xa0 | n;
    else if (n < 256) (this.buf[this.pos++] = 0xd9), (this.buf[this.pos++] = n);
    else (this.buf[this.pos++] = 0xda), this.view.setUint16(this.pos, n), (this.pos += 2);
    // Short strings byte by byte: a subarray view per string would cost more than the copy.
    if (n <= 64) {
      const b = this.buf;
      let p = this.pos;
      for (let i = start, end = start + n; i < end; i++) b[p++] = src[i]!;
      this.pos = p;
    } else {
      this.buf.set(src.subarray(start, start + n), this.pos);
      this.pos += n;
    }
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(n + 5);
    if (n < 32) this.buf[this.pos++] = 0xa0 | n;
    else if (n < 256) (this.buf[this.pos++] = 0xd9), (this.buf[this.pos++] = n);
    else (this.buf[this.pos++] = 0xda), this.view.setUint16(this.pos, n), (this.pos += 2);
    this.buf.write(s, this.pos);
    this.pos += n;
  }
}

/** Bytes of the shortest msgpack array header for `n` elements. */
function headerSize(n: number): number {
  return n < 16 ? 1 : n < 65536 ? 3 : 5;
}
