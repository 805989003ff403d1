import type * as net from "node:net";
import { ReceiveQueue } from "../transport/receive-queue.js";
import type { Transport } from "../transport/transport.js";

/** Received bytes held before the socket is paused (the kernel then pushes back on the peer). */
const READ_HIGH_WATER_MARK = 64 * 1024;
/** How long `close()` lets queued bytes drain before it destroys the socket. */
const CLOSE_GRACE_MS = 5_000;
/** How long a closed socket goes on reading, and dropping, what the peer still sends before its FIN. */
const LINGER_MS = 2_000;

/**
 * Adapts a Node `net.Socket`. Incoming data is queued and the socket paused above 64 KiB until
 * read; a write resolves once Node has handed the chunk to the kernel. `closeWrite` sends FIN
 * (the socket should allow half-open connections for the peer's close_notify to arrive after it).
 * `close` resolves once what was written has gone out with our FIN; the socket then lingers,
 * dropping input, until the peer's FIN (at most LINGER_MS; see closeSocket).
 */
export function netTransport(socket: net.Socket): Transport {
  const received = new ReceiveQueue();
  /** Set by close(): what arrives from then on is read and dropped (see closeSocket). */
  let lingering = false;
  socket.on("data", (data: Buffer) => {
    if (lingering) return;
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

  let closing: Promise<void> | null = null;
  const transport: Transport = {
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
    close() {
      closing ??= closeSocket();
      return closing;
    },
  };

  /** Ends both directions (close()); resolves once ours is finished, the peer's may linger on. */
  async function closeSocket(): Promise<void> {
    received.end();
    if (socket.destroyed) return closed;
    lingering = true;
    // Finish writing what was accepted (an alert, close_notify), then FIN. A peer that stops
    // reading would keep that waiting for ever: CLOSE_GRACE_MS, then the socket is destroyed.
    const finished = new Promise<void>((resolve) => {
      if (socket.writableFinished) resolve();
      else socket.once("finish", () => resolve());
      socket.once("close", () => resolve());
    });
    if (!socket.writableEnded) socket.end();
    const force = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    force.unref();
    await finished;
    clearTimeout(force);
    if (socket.destroyed) return closed;
    // A lingering close (as HTTP servers do): closing a socket that still has unread bytes, or
    // that receives more, makes the kernel answer with a reset. A peer that writes its whole
    // flight before it reads (JSSE, NSS's tools) then fails on its next write and never reads
    // our alert (RFC 8446 §6.2), and a reset can drop received bytes the peer has not read yet.
    // So the socket goes on reading, and dropping, until the peer's FIN, for LINGER_MS at most.
    // close() does not wait for it, but the socket keeps the process alive meanwhile: a CLI that
    // exits after a refusal would otherwise close with the peer's bytes unread.
    if (socket.readableEnded) {
      socket.destroy();
      return closed;
    }
    socket.once("end", () => socket.destroy());
    const linger = setTimeout(() => socket.destroy(), LINGER_MS);
    linger.unref();
    socket.once("close", () => clearTimeout(linger));
    socket.resume();
  }

  return transport;
}
