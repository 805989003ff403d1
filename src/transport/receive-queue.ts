/**
 * Received chunks from a source that pushes (socket events, WebSocket messages), handed out one
 * at a time to a `Transport.read()` that pulls. An end or a failure is reported only once the
 * chunks received before it have been read, so nothing the peer sent is dropped.
 */
export class ReceiveQueue {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failed: Error | null = null;
  private wake: (() => void) | null = null;
  /** The first failure reported, if any. */
  get failure(): Error | null {
    return this.failed;
  }

  /** Bytes received and not yet read. */
  buffered = 0;

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    this.notify();
  }

  /** The source reached its end: `next()` returns null once the queue is empty. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The source failed: `next()` throws the first failure once the queue is empty. */
  fail(error: Error): void {
    this.failed ??= error;
    this.notify();
  }

  /** The next chunk, or null at the end; waits while the queue is empty. */
  async next(): Promise<Uint8Array | null> {
    while (this.chunks.length === 0) {
      if (this.failed) throw this.failed;
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    const chunk = this.chunks.shift() as Uint8Array;
    this.buffered -= chunk.byteLength;
    return chunk;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
