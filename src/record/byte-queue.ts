import { RangeCopier, copyBytes } from "./copy-bytes.js";

/**
 * A first-in first-out queue of bytes in one buffer owned by the connection (design.md,
 * principle 1): decrypted application data waits here until the application reads it. Bytes are
 * copied in and out; the buffer grows (doubling) only when more is pending than ever before, so
 * once a connection is warm the queue allocates nothing.
 */
export class ByteQueue {
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  private readonly copyIn = new RangeCopier();
  private readonly copyOut = new RangeCopier();

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  /** Bytes waiting to be taken. */
  get length(): number {
    return this.end - this.start;
  }

  /** Appends a copy of `src[offset, offset+length)`. */
  push(src: Uint8Array, offset: number, length: number): void {
    if (this.end + length > this.buf.length) this.makeRoom(length);
    this.copyIn.copy(src, offset, this.buf, this.end, length);
    this.end += length;
  }

  /** Moves up to `dest.length - offset` queued bytes into `dest[offset..]`; returns how many. */
  takeInto(dest: Uint8Array, offset: number): number {
    const n = Math.min(this.end - this.start, dest.length - offset);
    if (n <= 0) return 0;
    this.copyOut.copy(this.buf, this.start, dest, offset, n);
    this.consume(n);
    return n;
  }

  /** Everything queued, as a new array the caller owns, or null when empty. */
  takeAll(): Uint8Array | null {
    if (this.end === this.start) return null;
    const bytes = this.buf.slice(this.start, this.end);
    this.start = this.end = 0;
    return bytes;
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
  }

  /** Slides pending bytes to the front, and doubles the buffer if that is still not enough. */
  private makeRoom(extra: number): void {
    const pending = this.end - this.start;
    if (pending + extra > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, pending + extra));
      copyBytes(this.buf, this.start, next, 0, pending);
      this.buf = next;
    } else {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = pending;
  }
}
