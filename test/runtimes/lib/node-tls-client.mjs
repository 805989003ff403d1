/**
 * The outside party for the server role: Node's tls client (OpenSSL) presents the client
 * certificate, sends one message, reads the echo, half-closes, and reports what it concluded.
 * It never rejects and always settles within `timeoutMs`, destroying its socket on every path.
 */
import * as tls from "node:tls";

export function nodeTlsClientEcho({ port, ca, cert, key, servername, message, timeoutMs }) {
  return new Promise((resolve) => {
    const observed = { received: "", errors: [], endedByPeer: false, secure: false };
    const socket = tls.connect({ host: "127.0.0.1", port, servername, ca, cert, key, minVersion: "TLSv1.3" });
    const timer = setTimeout(() => {
      observed.errors.push(`no clean end within ${timeoutMs / 1000} s`);
      socket.destroy();
    }, timeoutMs);
    socket.on("secureConnect", () => {
      observed.secure = true;
      observed.authorized = socket.authorized;
      observed.authorizationError = socket.authorizationError ? String(socket.authorizationError) : null;
      observed.protocol = socket.getProtocol();
      observed.cipher = socket.getCipher()?.standardName ?? null;
      observed.serverFingerprint256 = socket.getPeerCertificate()?.fingerprint256 ?? null;
      socket.write(message);
    });
    socket.on("data", (data) => {
      observed.received += data.toString("latin1");
      // Everything came back: send our close_notify and wait for the server's.
      if (observed.received.length >= message.length) socket.end();
    });
    socket.on("end", () => (observed.endedByPeer = true));
    socket.on("error", (error) => observed.errors.push(error.message));
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(observed);
    });
  });
}
