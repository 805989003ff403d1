/**
 * Deno: mtlsFetch from the built package over Deno.connect, whose readable/writable are Web
 * Streams, through webStreamsTransport (fetch-identity.mjs does the GET and its checks).
 *   deno run ... deno-fetch.mjs CONFIG
 * Prints one `RESULT {json}` line.
 */
import { fetchIdentity } from "./fetch-identity.mjs";

const [cfgPath] = Deno.args;
const cfg = JSON.parse(await Deno.readTextFile(cfgPath));
const mutls = await import(new URL("file://" + cfg.distDir + "/index.js").href);
const mutlsFetch = await import(new URL("file://" + cfg.distDir + "/fetch.js").href);

const conns = [];
/**
 * Closing Deno's conn.writable closes the read side too (see deno.mjs), so the pair names
 * conn.closeWrite(), a TCP half-close, for webStreamsTransport to use after close_notify.
 */
async function denoTransport({ hostname, port }) {
  const conn = await Deno.connect({ hostname, port, transport: "tcp" });
  conns.push(conn);
  return mutls.webStreamsTransport({ readable: conn.readable, writable: conn.writable, closeWrite: () => conn.closeWrite() });
}

let result;
try {
  result = await fetchIdentity(mutlsFetch, denoTransport, cfg);
} catch (error) {
  result = { error: String(error?.stack ?? error) };
}
for (const conn of conns) {
  try {
    conn.close();
  } catch {
    // already closed through its streams
  }
}
console.log("RESULT " + JSON.stringify(result));
