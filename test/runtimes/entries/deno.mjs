/**
 * Deno: the built package over Deno's own TCP sockets, whose readable/writable are Web Streams,
 * through webStreamsTransport.
 *   deno run ... deno.mjs client CONFIG   Deno.connect, mutual handshake and echo (echo.mjs)
 *   deno run ... deno.mjs server CONFIG   Deno.listen; prints `LISTENING <port>`, serves one echo
 * Prints one `RESULT {json}` line.
 */
import { mutualEcho, serveOneEcho } from "./echo.mjs";

const [role, cfgPath] = Deno.args;
const cfg = JSON.parse(await Deno.readTextFile(cfgPath));
const mutls = await import(new URL("file://" + cfg.distDir + "/index.js").href);

/**
 * Closing Deno's conn.writable closes the whole socket, read side too, so the peer's close_notify
 * could never arrive. TLS half-closes after close_notify (RFC 8446 §6.1), so the pair names
 * conn.closeWrite(), a TCP shutdown of our side only, which webStreamsTransport then uses.
 */
function halfClosingPair(conn) {
  return { readable: conn.readable, writable: conn.writable, closeWrite: () => conn.closeWrite() };
}

function closeQuietly(closable) {
  try {
    closable.close();
  } catch {
    // already closed through its streams
  }
}

let result;
if (role === "server") {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  console.log(`LISTENING ${listener.addr.port}`);
  const conn = await listener.accept();
  closeQuietly(listener);
  result = await serveOneEcho(mutls, halfClosingPair(conn), cfg);
  closeQuietly(conn);
} else {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: cfg.port, transport: "tcp" });
  result = await mutualEcho(mutls, { streams: halfClosingPair(conn) }, cfg);
  closeQuietly(conn);
}
console.log("RESULT " + JSON.stringify(result));
