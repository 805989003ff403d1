/**
 * Handshake duration: a peer that sends its ClientHello one byte a second never gets a
 * handshake slot for long. The transport's handshakeTimeoutMs cuts it off: our Node server gives
 * up, reports a TLSError, and closes the socket long before the ClientHello could complete.
 */
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { type TLSError } from "../../src/index.js";
import { createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { golden } from "../property/golden.js";

describe("limits: handshake duration", () => {
  it("a peer sending one byte a second is cut off by handshakeTimeoutMs", async () => {
    const hello = golden().clientHello;
    const cred = serverCredential("p256");
    const errors: TLSError[] = [];
    const server = createMtlsServer(
      { cert: cred.certPem, key: cred.keyPem, ca: CA_PEM, handshakeTimeoutMs: 1500, onHandshakeError: (e) => errors.push(e) },
      (c) => void c.close(),
    );
    const { port } = await server.listen(0, "127.0.0.1");
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    try {
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      // One byte a second, bounded by the ClientHello's length (far beyond the 1.5 s timeout).
      timer = setInterval(() => {
        if (sent < hello.length && !socket.destroyed) socket.write(hello.subarray(sent, ++sent));
      }, 1000);
      const outcome = await Promise.race([closed.then(() => "closed"), new Promise((r) => setTimeout(() => r("still open"), 10_000))]);
      expect(outcome).toBe("closed");
      expect(sent).toBeLessThan(hello.length);
      // The server reports the failure once its alert is flushed, which may follow the close.
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(errors.length).toBe(1);
      expect(errors[0].message).toMatch(/did not complete within 1500 ms/);
    } finally {
      clearInterval(timer);
      socket.destroy();
      await server.close();
    }
  }, 20_000);
});
