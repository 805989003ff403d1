/**
 * The Transport interface: how a secure connection moves its TLS records. Runtime-neutral; the
 * adapters for Web Streams, WebSockets and an in-memory pair live next to this file, the Node
 * `net.Socket` adapter in src/node/.
 */

export interface Transport {
  /**
   * The next chunk received, or null at the end of the stream. Called by one reader at a time.
   * The chunk is the caller's from then on: the transport does not reuse its memory (the
   * asynchronous record pipeline holds records in it and opens them in place).
   */
  read(): Promise<Uint8Array | null>;
  /** Resolves when the transport accepted the chunk (this is the backpressure). The caller does not reuse `chunk`. */
  write(chunk: Uint8Array): Promise<void>;
  /** Ends the write direction only, where the transport can (TCP FIN, closing a WritableStream). */
  closeWrite?(): Promise<void>;
  /** Ends both directions and releases the transport. Idempotent. */
  close(): Promise<void>;
}

export { webStreamsTransport, type WebStreamsPair } from "./web-streams-transport.js";
export { webSocketTransport, type WebSocketLike } from "./web-socket-transport.js";
export { memoryTransportPair, type MemoryTransportOptions } from "./memory-transport.js";
