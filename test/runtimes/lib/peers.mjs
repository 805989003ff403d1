/**
 * The outside party of every runtime check: Node's own `tls` (OpenSSL) as an mTLS echo server that
 * requires a client certificate chaining to the test CA. It records, per connection, what OpenSSL
 * concluded, so the runner can hold each runtime's report against it.
 */
import * as tls from "node:tls";

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export async function startNodeMtlsEchoServer({ ca, cert, key }) {
  const sessions = [];
  const sockets = new Set();
  const server = tls.createServer({
    ca,
    cert,
    key,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.3",
  });
  server.on("secureConnection", (socket) => {
    sockets.add(socket);
    const session = {
      authorized: socket.authorized,
      authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
      protocol: socket.getProtocol(),
      cipher: socket.getCipher()?.standardName ?? null,
      clientFingerprint256: socket.getPeerCertificate()?.fingerprint256 ?? null,
      received: "",
      endedByPeer: false,
    };
    sessions.push(session);
    socket.on("data", (data) => {
      session.received += data.toString("latin1");
      socket.write(data);
    });
    // 'end' means the client's close_notify arrived (TLS 1.3 half-close); answer with ours.
    socket.on("end", () => {
      session.endedByPeer = true;
      socket.end();
    });
    socket.on("error", (error) => (session.error = String(error.message)));
    socket.on("close", () => sockets.delete(socket));
  });
  const failures = [];
  server.on("tlsClientError", (error) => failures.push(String(error.message)));
  return { ...(await listenOnLoopback(server, sockets)), sessions, failures };
}

/**
 * Listens on 127.0.0.1 and an ephemeral port; `close()` destroys the `sockets` still open (the
 * caller tracks them) and resolves once the server has closed.
 */
export async function listenOnLoopback(server, sockets) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return {
    port: server.address().port,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
