/**
 * The outside party of the mtlsFetch checks: Node's `https` server (OpenSSL) requiring a client
 * certificate that chains to the test CA. It answers every request with what OpenSSL concluded
 * about the client (JSON), and records the same per request, so both the runtime and the runner
 * can hold mtlsFetch's result against it.
 */
import * as https from "node:https";
import { listenOnLoopback } from "./peers.mjs";

/** Starts the server on 127.0.0.1 and an ephemeral port. */
export async function startNodeMtlsHttpsServer({ ca, cert, key }) {
  const requests = [];
  const failures = [];
  const sockets = new Set();
  const server = https.createServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" }, (req, res) => {
    const peer = req.socket.getPeerCertificate();
    const seen = {
      method: req.method,
      path: req.url,
      authorized: req.socket.authorized,
      protocol: req.socket.getProtocol(),
      subject: peer?.subject?.CN ?? null,
      subjectaltname: peer?.subjectaltname ?? null,
      fingerprint256: peer?.fingerprint256 ?? null,
    };
    requests.push(seen);
    const body = JSON.stringify(seen);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error) => failures.push(String(error.message)));
  return { ...(await listenOnLoopback(server, sockets)), requests, failures };
}
