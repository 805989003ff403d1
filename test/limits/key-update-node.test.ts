/**
 * limits.maxKeyUpdates counts only KeyUpdates nobody asked for. OpenSSL (Node's tls) answers every
 * update_requested KeyUpdate it reads (RFC 8446 §4.6.3), back to back when they arrive together,
 * so a burst of our requests brings a burst of its answers; those must not trip the limit.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import { connectTcp } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";

describe("limits: KeyUpdates we requested", () => {
  it("a burst of OpenSSL's answers to our update_requested KeyUpdates is accepted", async () => {
    const s = serverCredential("p256");
    const c = clientCredential("p256");
    const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, minVersion: "TLSv1.3" }, (socket) => {
      socket.on("data", (d: Buffer) => socket.write(d));
      socket.on("end", () => socket.end());
      socket.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const conn = await connectTcp({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, config: { limits: { maxKeyUpdates: 2 } } });
    try {
      for (let i = 0; i < 10; i++) await conn.keyUpdate(true);
      await conn.write(new TextEncoder().encode("ping"));
      let echoed = "";
      for (let i = 0; i < 20 && echoed.length < 4; i++) {
        const chunk = await conn.read();
        if (chunk === null) break;
        echoed += new TextDecoder().decode(chunk);
      }
      expect(echoed).toBe("ping");
    } finally {
      await conn.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 20_000);
});
