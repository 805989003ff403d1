/**
 * Runs inside QuickJS (quickjs-emscripten), bundled as one IIFE: `__config.n` in-memory mutual
 * handshakes, timed with Date.now() (QuickJS has no finer clock), reported through `__report`.
 * The host supplies `crypto.getRandomValues` and the PEM strings; nothing else from Node.
 */
import { ClientConnection, ServerConnection } from "../../src/index.js";

declare const __config: { n: number; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
declare function __report(json: string): void;

function handshake(): void {
  const c = __config;
  const server = new ServerConnection({ certificateChain: c.serverCert, privateKey: c.serverKey, clientAuth: "require", trustAnchors: c.ca });
  const client = new ClientConnection({ serverName: "localhost", trustAnchors: c.ca, certificateChain: c.clientCert, privateKey: c.clientKey });
  for (let round = 0; round < 100; round++) {
    const toServer = client.takeOutput();
    if (toServer !== null) server.receive(toServer);
    const toClient = server.takeOutput();
    if (toClient !== null) client.receive(toClient);
    if (toServer === null && toClient === null) break;
  }
  if (!client.handshakeComplete || !server.handshakeComplete) throw new Error("handshake did not complete");
}

try {
  handshake(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < __config.n; i++) {
    const t0 = Date.now();
    handshake();
    samples.push(Date.now() - t0);
  }
  __report(JSON.stringify({ samples }));
} catch (e) {
  __report(JSON.stringify({ error: String(e instanceof Error ? `${e.message} ${e.stack ?? ""}` : e) }));
}
