/**
 * A growable byte writer for handshake encoding (not the record hot path). Length-prefixed vectors
 * are written with `vector8/16/24(fn)`, which back-patch the length after `fn` writes the body.
 */
export class Writer {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    const at = this.len;
    this.len += n;
    return at;
  }

  // reserve() may replace this.buf, so it runs before this.buf is read.
  u8(v: number): this {
    const at = this.reserve(1);
    this.buf[at] = v;
    return this;
  }

  u16(v: number): this {
    const at = this.reserve(2);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
    return this;
  }

  u24(v: number): this {
    const at = this.reserve(3);
    this.buf[at] = v >>> 16;
    this.buf[at + 1] = v >>> 8;
    this.buf[at + 2] = v;
    return this;
  }

  u32(v: number): this {
    const at = this.reserve(4);
    this.buf[at] = v >>> 24;
    this.buf[at + 1] = v >>> 16;
    this.buf[at + 2] = v >>> 8;
    this.buf[at + 3] = v;
    return this;
  }

  bytes(b: Uint8Array): this {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
    return this;
  }

  vector8(body: (w: this) => void): this {
    return this.vector(1, 0xff, body);
  }

  vector16(body: (w: this) => void): this {
    return this.vector(2, 0xffff, body);
  }

  vector24(body: (w: this) => void): this {
    return this.vector(3, 0xffffff, body);
  }

  private vector(width: number, max: number, body: (w: this) => void): this {
    const at = this.reserve(width);
    body(this);
    const n = this.len - at - width;
    if (n > max) throw new RangeError(`vector of ${n} bytes exceeds its ${width}-byte length prefix`);
    for (let i = 0; i < width; i++) this.buf[at + i] = n >>> (8 * (width - 1 - i));
    return this;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
