import { RangeCopier, copyBytes } from "./copy-bytes.js";
import { recordBuffers } from "./buffer-pool.js";

const NO_BUFFER: Uint8Array = new Uint8Array(0);

/**
 * A first-in first-out queue of bytes in one buffer owned by the connection (design.md,
 * principle 1): decrypted application data waits here until the application reads it. Bytes are
 * copied in and out; the buffer grows (doubling) only when more is pending than ever before, so
 * once a connection is warm the queue allocates nothing. The buffer comes from the shared pool
 * (buffer-pool.ts) when bytes arrive and goes back when the queue is drained.
 */
export class ByteQueue {
  private buf: Uint8Array = NO_BUFFER;
  /** The size of buffer to take: the initial capacity, or the most ever pending. */
  private size: number;
  private start = 0;
  private end = 0;
  private readonly copyIn = new RangeCopier();
  private readonly copyOut = new RangeCopier();
  /**
   * An array handed over whole (`adopt`) while nothing else was queued: taken out as it is. Only
   * set while the buffer holds nothing, so it is always the oldest bytes.
   */
  private adopted: Uint8Array | null = null;

  constructor(initialCapacity = 1024) {
    this.size = initialCapacity;
  }

  /** Bytes waiting to be taken. */
  get length(): number {
    return this.adopted === null ? this.end - this.start : this.adopted.length;
  }

  /**
   * Appends `chunk` itself, which the caller gives away (no one else may write it, and a reader
   * gets it as it is): the asynchronous record pipeline's opened records (transport/async-records.ts),
   * handed to `read()` without the two copies of `push` and `takeAll`. Copied as `push` does when
   * bytes are already queued.
   */
  adopt(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.adopted === null && this.end === this.start) this.adopted = chunk;
    else this.push(chunk, 0, chunk.length);
  }

  /** Appends a copy of `src[offset, offset+length)`. */
  push(src: Uint8Array, offset: number, length: number): void {
    if (length === 0) return;
    if (this.adopted !== null) this.unadopt();
    if (this.buf === NO_BUFFER) {
      while (this.size < length) this.size *= 2;
      this.buf = recordBuffers.take(this.size);
    }
    if (this.end + length > this.buf.length) this.makeRoom(length);
    this.copyIn.copy(src, offset, this.buf, this.end, length);
    this.end += length;
  }

  /** Moves up to `dest.length - offset` queued bytes into `dest[offset..]`; returns how many. */
  takeInto(dest: Uint8Array, offset: number): number {
    if (this.adopted !== null) this.unadopt();
    const n = Math.min(this.end - this.start, dest.length - offset);
    if (n <= 0) return 0;
    this.copyOut.copy(this.buf, this.start, dest, offset, n);
    this.consume(n);
    return n;
  }

  /** Everything queued, as a new array the caller owns, or null when empty. */
  takeAll(): Uint8Array | null {
    const adopted = this.adopted;
    if (adopted !== null) {
      this.adopted = null;
      return adopted;
    }
    if (this.end === this.start) return null;
    const bytes = this.buf.slice(this.start, this.end);
    this.release();
    return bytes;
  }

  /** Moves the adopted array into the buffer, so that bytes after it queue behind it. */
  private unadopt(): void {
    const adopted = this.adopted as Uint8Array;
    this.adopted = null;
    this.push(adopted, 0, adopted.length);
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start === this.end) this.release();
  }

  private release(): void {
    recordBuffers.give(this.buf, this.end);
    this.buf = NO_BUFFER;
    this.start = this.end = 0;
  }

  /** Slides pending bytes to the front, and doubles the buffer if that is still not enough. */
  private makeRoom(extra: number): void {
    const pending = this.end - this.start;
    if (pending + extra > this.buf.length) {
      while (this.size < pending + extra) this.size *= 2;
      const next = recordBuffers.take(this.size);
      copyBytes(this.buf, this.start, next, 0, pending);
      recordBuffers.give(this.buf, this.end);
      this.buf = next;
    } else {
      this.buf.copyWithin(0, this.start, this.end);
    }
    this.start = 0;
    this.end = pending;
  }
}
