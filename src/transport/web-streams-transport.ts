import type { ReadableStream, WritableStream } from "./stream-types.js";
import type { Transport } from "./transport.js";

/**
 * A byte stream pair: Cloudflare Workers' `connect()` socket, `Deno.connect()`'s connection,
 * Bun's and Node's web streams, a WebTransport bidirectional stream.
 */
export interface WebStreamsPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Releases the underlying socket when both streams are done (workerd's `socket.close()`, Deno's `conn.close()`). */
  close?(): unknown;
  /**
   * Half-closes the socket's sending side, where closing the writable would close the whole
   * socket instead: Deno's `conn.writable.close()` also ends the read side, so pass
   * `closeWrite: () => conn.closeWrite()` there to keep reading the peer's close_notify.
   */
  closeWrite?(): unknown;
}

function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError("the readable stream produced a chunk that is not bytes");
}

/**
 * Adapts a Web Streams pair. Reads pull from the readable only when asked (backpressure towards
 * the peer); a write resolves when the writable's sink took the chunk.
 */
export function webStreamsTransport(pair: WebStreamsPair): Transport {
  const reader = pair.readable.getReader();
  const writer = pair.writable.getWriter();
  let writeClosed = false;
  let closed = false;

  const closeWrite = async (): Promise<void> => {
    if (writeClosed) return;
    writeClosed = true;
    if (pair.closeWrite !== undefined) {
      writer.releaseLock();
      await pair.closeWrite();
    } else {
      await writer.close();
    }
  };

  return {
    async read() {
      if (closed) return null;
      const { done, value } = await reader.read();
      return done ? null : asBytes(value);
    },
    async write(chunk) {
      await writer.ready;
      await writer.write(chunk);
    },
    closeWrite,
    async close() {
      if (closed) return;
      closed = true;
      // Closing (not aborting) the writer lets bytes already accepted, such as an alert, reach the
      // peer. A peer that already went away makes these reject; closing is best effort by then.
      await Promise.allSettled([reader.cancel(), closeWrite()]);
      try {
        await pair.close?.();
      } catch {
        // The socket is released either way.
      }
    },
  };
}
