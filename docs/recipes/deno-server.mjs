// A Deno server that requires and verifies client certificates, on Deno's own TCP sockets.
//   deno run --allow-net=127.0.0.1 --allow-read docs/recipes/deno-server.mjs PORT CERT KEY CA
// Each client that proves a certificate issued by CA is greeted by name; any other is refused.
import { accept, webStreamsTransport } from "mutls";

const [port, certFile, keyFile, caFile] = Deno.args;
const options = {
  cert: await Deno.readTextFile(certFile),
  key: await Deno.readTextFile(keyFile),
  ca: await Deno.readTextFile(caFile),
  requestCert: true, // ask for a client certificate ...
  rejectUnauthorized: true, // ... and refuse clients without one that chains to `ca`
};

const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(port) });
console.log(`listening on 127.0.0.1:${listener.addr.port}`);
for await (const conn of listener) greet(conn);

async function greet(conn) {
  // closeWrite() is a TCP half-close: closing conn.writable would close the read side too, and
  // the client's close_notify could not arrive after ours (RFC 8446 §6.1).
  const transport = webStreamsTransport({ readable: conn.readable, writable: conn.writable, closeWrite: () => conn.closeWrite() });
  try {
    const tls = await accept(transport, options);
    const client = tls.peer.spiffeId ?? tls.peer.subject;
    console.log(`accepted ${client}`);
    await tls.write(new TextEncoder().encode(`hello ${client}\n`));
    await tls.close();
  } catch (error) {
    console.log(`refused: ${error.message}`);
  } finally {
    try {
      conn.close();
    } catch {
      // already closed through its streams
    }
  }
}
