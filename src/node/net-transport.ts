import type * as net from "node:net";
import { ReceiveQueue } from "../transport/receive-queue.js";
import type { Transport } from "../transport/transport.js";

/** Received bytes held before the socket is paused (the kernel then pushes back on the peer). */
const READ_HIGH_WATER_MARK = 64 * 1024;
/** How long `close()` lets queued bytes drain before it destroys the socket. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Adapts a Node `net.Socket`. Incoming data is queued and the socket paused above 64 KiB until
 * read; a write resolves once Node has handed the chunk to the kernel. `closeWrite` sends FIN
 * (the socket should allow half-open connections for the peer's close_notify to arrive after it).
 */
export function netTransport(socket: net.Socket): Transport {
  const received = new ReceiveQueue();
  socket.on("data", (data: Buffer) => {
    received.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (received.buffered > READ_HIGH_WATER_MARK) socket.pause();
  });
  socket.on("end", () => received.end());
  socket.on("error", (e) => received.fail(e));
  socket.on("close", () => received.end());

  const closed = new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });

  return {
    async read() {
      const chunk = await received.next();
      if (received.buffered <= READ_HIGH_WATER_MARK && socket.isPaused()) socket.resume();
      return chunk;
    },
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (socket.destroyed || socket.writableEnded) {
          reject(received.failure ?? new Error("the socket is closed"));
          return;
        }
        socket.write(chunk, (e) => (e ? reject(e) : resolve()));
      });
    },
    closeWrite() {
      return new Promise<void>((resolve) => {
        if (socket.destroyed || socket.writableEnded) resolve();
        else socket.end(() => resolve());
      });
    },
    async close() {
      received.end();
      // destroySoon: finish writing what was accepted (an alert, close_notify), then close.
      if (!socket.destroyed) socket.destroySoon();
      // A peer that stops reading would keep destroySoon waiting for ever.
      const force = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      force.unref();
      await closed;
      clearTimeout(force);
    },
  };
}
