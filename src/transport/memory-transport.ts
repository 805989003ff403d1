import type { Transport } from "./transport.js";

export interface MemoryTransportOptions {
  /**
   * Bytes one direction holds before `write` waits for the reader (default 64 KiB). A small
   * value makes backpressure visible in tests.
   */
  readonly capacity?: number;
}

/**
 * One direction of the pair: a bounded queue of chunks. A writer waits while more than
 * `capacity` bytes are unread; the reader waits while the queue is empty.
 */
class MemoryPipe {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private broken = false;
  private wakeReader: (() => void) | null = null;
  private wakeWriters: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async write(chunk: Uint8Array): Promise<void> {
    if (this.ended) throw new Error("memory transport: write after the write side was closed");
    if (this.broken) throw new Error("memory transport: the peer closed the connection");
    // No copy: a Transport's caller does not reuse a chunk it wrote (transport.ts), so the reader
    // may take it as it is, as the asynchronous record pipeline, which opens records in place, does.
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.notifyReader();
    while (this.buffered > this.capacity && !this.broken) {
      await new Promise<void>((resolve) => this.wakeWriters.push(resolve));
    }
    if (this.broken) throw new Error("memory transport: the peer closed the connection");
  }

  async read(): Promise<Uint8Array | null> {
    while (this.chunks.length === 0) {
      if (this.ended || this.broken) return null;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
    const chunk = this.chunks.shift() as Uint8Array;
    this.buffered -= chunk.length;
    if (this.buffered <= this.capacity) this.notifyWriters();
    return chunk;
  }

  /** The writer is done: the reader sees null once the queue is drained. */
  end(): void {
    this.ended = true;
    this.notifyReader();
  }

  /** The reader is gone: pending and future writes fail, as on a reset socket. */
  break(): void {
    this.broken = true;
    this.chunks.length = 0;
    this.buffered = 0;
    this.notifyReader();
    this.notifyWriters();
  }

  private notifyReader(): void {
    const wake = this.wakeReader;
    this.wakeReader = null;
    wake?.();
  }

  private notifyWriters(): void {
    const writers = this.wakeWriters;
    this.wakeWriters = [];
    for (const wake of writers) wake();
  }
}

function endpoint(incoming: MemoryPipe, outgoing: MemoryPipe): Transport {
  return {
    read: () => incoming.read(),
    write: (chunk) => outgoing.write(chunk),
    closeWrite: async () => outgoing.end(),
    close: async () => {
      outgoing.end();
      incoming.break();
    },
  };
}

/**
 * Two connected in-memory transports, for tests, benchmarks and runtimes without sockets: what one
 * writes the other reads. Each direction is bounded, so writes wait for the reader (backpressure).
 */
export function memoryTransportPair(options: MemoryTransportOptions = {}): [Transport, Transport] {
  const capacity = options.capacity ?? 64 * 1024;
  const aToB = new MemoryPipe(capacity);
  const bToA = new MemoryPipe(capacity);
  return [endpoint(bToA, aToB), endpoint(aToB, bToA)];
}
