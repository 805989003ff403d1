/**
 * Bun: the built package over Bun's own TCP sockets (Bun.connect, Bun.listen) through
 * webStreamsTransport.
 *   bun bun.mjs client CONFIG   Bun.connect, mutual handshake and echo (echo.mjs)
 *   bun bun.mjs server CONFIG   Bun.listen; prints `LISTENING <port>`, serves one echo
 * Bun's sockets are callback-based, so socketStreams() presents one as the Web Streams pair the
 * adapter takes. Prints one `RESULT {json}` line.
 */
import { mutualEcho, serveOneEcho } from "./echo.mjs";

const [role, cfgPath] = process.argv.slice(2);
const cfg = JSON.parse(await Bun.file(cfgPath).text());
const mutls = await import(cfg.distDir + "/index.js");

/**
 * Handlers that feed a ReadableStream, and the WritableStream over the socket. Writes wait for
 * `drain` when Bun takes only part of a chunk (backpressure). Closing the writable half-closes the
 * socket (shutdown, with allowHalfOpen) so the peer's close_notify can still arrive (RFC 8446 §6.1).
 */
function socketStreams() {
  let controller;
  let drained = null;
  let socket = null;
  const endReadable = () => {
    try {
      controller.close();
    } catch {
      // already ended
    }
  };
  const handlers = {
    open(s) {
      socket = s;
    },
    data(_socket, data) {
      controller.enqueue(new Uint8Array(data));
    },
    drain() {
      drained?.();
    },
    end: endReadable,
    close: endReadable,
    error(_socket, error) {
      controller.error(error);
    },
  };
  const readable = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  const writable = new WritableStream({
    async write(chunk) {
      let offset = 0;
      for (let i = 0; i < 10_000 && offset < chunk.length; i++) {
        offset += Math.max(socket.write(chunk.subarray(offset)), 0);
        if (offset < chunk.length) await new Promise((resolve) => (drained = resolve));
      }
    },
    close() {
      socket.shutdown();
    },
  });
  return { handlers, streams: { readable, writable }, end: () => socket?.end() };
}

let result;
if (role === "server") {
  const side = socketStreams();
  let accepted;
  const connected = new Promise((resolve) => (accepted = resolve));
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      ...side.handlers,
      open(s) {
        side.handlers.open(s);
        accepted();
      },
    },
  });
  console.log(`LISTENING ${listener.port}`);
  await connected;
  result = await serveOneEcho(mutls, side.streams, cfg);
  side.end();
  listener.stop(true);
} else {
  const side = socketStreams();
  const socket = await Bun.connect({ hostname: "127.0.0.1", port: cfg.port, allowHalfOpen: true, socket: side.handlers });
  side.handlers.open(socket);
  result = await mutualEcho(mutls, { streams: side.streams }, cfg);
  side.end();
}
console.log("RESULT " + JSON.stringify(result));
