import { decodeError } from "./tls-error.js";

/**
 * A bounds-checked cursor over a byte view. Every read past the end throws `decode_error` naming
 * the structure, so decoders never see `undefined` or a short view (RFC 8446 §4: "decode_error").
 * Views returned by `bytes`/`vector*` share memory with the input.
 */
export class Reader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    readonly what: string,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos === this.end;
  }

  /** Position relative to the start of the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number): number {
    if (n > this.end - this.pos) decodeError(this.what);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.buf[this.need(1)];
  }

  u16(): number {
    const at = this.need(2);
    return (this.buf[at] << 8) | this.buf[at + 1];
  }

  u24(): number {
    const at = this.need(3);
    return (this.buf[at] << 16) | (this.buf[at + 1] << 8) | this.buf[at + 2];
  }

  u32(): number {
    const at = this.need(4);
    return ((this.buf[at] << 24) >>> 0) + ((this.buf[at + 1] << 16) | (this.buf[at + 2] << 8) | this.buf[at + 3]);
  }

  bytes(n: number): Uint8Array {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** A `<lo..2^8-1>` vector; `min` enforces the RFC's lower bound. */
  vector8(min = 0): Uint8Array {
    return this.checked(this.bytes(this.u8()), min);
  }

  vector16(min = 0): Uint8Array {
    return this.checked(this.bytes(this.u16()), min);
  }

  vector24(min = 0): Uint8Array {
    return this.checked(this.bytes(this.u24()), min);
  }

  /** A reader over the next `<..2^16-1>` vector, advancing past it. */
  sub16(what: string, min = 0): Reader {
    const len = this.u16();
    return this.subN(len, what, min);
  }

  sub8(what: string, min = 0): Reader {
    return this.subN(this.u8(), what, min);
  }

  sub24(what: string, min = 0): Reader {
    return this.subN(this.u24(), what, min);
  }

  private subN(len: number, what: string, min: number): Reader {
    if (len < min) decodeError(what);
    const at = this.need(len);
    return new Reader(this.buf, what, at, at + len);
  }

  private checked(v: Uint8Array, min: number): Uint8Array {
    if (v.length < min) decodeError(this.what);
    return v;
  }

  /** Structures must be consumed exactly; trailing bytes are a decode error. */
  expectEnd(): void {
    if (this.pos !== this.end) decodeError(this.what);
  }
}
