/**
 * Record buffers shared by every connection in the process (issue 15): an idle connection holds
 * none. A reader, writer or receive queue takes a buffer when bytes start to flow through it and
 * gives it back once drained; the free lists keep buffers for the next taker, so a busy connection
 * allocates nothing per record. Free buffers are bounded in total bytes, so a burst of busy
 * connections leaves at most that much behind.
 *
 * The bytes a buffer held are zeroed when it is given back: one connection's plaintext never
 * waits in a buffer another connection will take.
 */
export class BufferPool {
  private readonly free = new Map<number, Uint8Array[]>();
  private freeByteCount = 0;
  /** Buffers taken and not given back (tests and memory accounting). */
  outstanding = 0;

  constructor(private maxFreeBytes: number) {}

  /** Bytes of free buffers kept for the next taker (tests and memory accounting). */
  get freeBytes(): number {
    return this.freeByteCount;
  }

  /** Keeps at most `maxFreeBytes` of free buffers from now on (never raises the bound), dropping any beyond it. */
  limitFree(maxFreeBytes: number): void {
    if (maxFreeBytes >= this.maxFreeBytes) return;
    this.maxFreeBytes = maxFreeBytes;
    for (const [size, list] of this.free) {
      while (list.length > 0 && this.freeByteCount > maxFreeBytes) {
        list.pop();
        this.freeByteCount -= size;
      }
    }
  }

  take(size: number): Uint8Array {
    this.outstanding++;
    const buffer = this.free.get(size)?.pop();
    if (buffer === undefined) return new Uint8Array(size);
    this.freeByteCount -= size;
    return buffer;
  }

  /** Returns `buffer`, of which `[0, used)` may hold data. */
  give(buffer: Uint8Array, used: number): void {
    this.outstanding--;
    buffer.fill(0, 0, Math.min(used, buffer.length));
    if (this.freeByteCount + buffer.length > this.maxFreeBytes) return;
    let list = this.free.get(buffer.length);
    if (list === undefined) {
      list = [];
      this.free.set(buffer.length, list);
    }
    list.push(buffer);
    this.freeByteCount += buffer.length;
  }
}

/**
 * The pool every connection's record buffers come from: up to 1 MiB of free buffers, or, once a
 * connection with the low-memory profile is made, room for one full-size record each way.
 */
export const recordBuffers = new BufferPool(1 << 20);

/** Free bytes the pool keeps under the low-memory profile: one reader's and one writer's full-size buffer. */
export const LOW_MEMORY_FREE_BYTES = 2 * (5 + (1 << 14) + 256);
