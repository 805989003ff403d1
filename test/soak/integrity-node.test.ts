/**
 * Integrity soak against OpenSSL (through Node's tls): our client over TCP to a Node tls echo
 * server, with random write sizes (1 byte to 64 KiB) and KeyUpdates mid-stream (OpenSSL must
 * follow them, RFC 8446 §4.6.3). SHA-256 of what we sent equals what Node received and what came
 * back to us.
 */
import { createHash } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import { connectTcp } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { Rng } from "../fuzz/rng.js";
import { SOAK_BYTES, SOAK_TIMEOUT_MS } from "./soak-config.js";

function randomSize(rng: Rng): number {
  return Math.max(1, Math.min(65536, Math.floor(2 ** (rng.u32() / 2 ** 32 * 16.01))));
}

describe("integrity soak: our client <-> Node tls (OpenSSL) echo server over TCP", () => {
  it(`${SOAK_BYTES} bytes echoed with random writes and KeyUpdates`, async () => {
    const s = serverCredential("p256");
    const c = clientCredential("p256");
    const receivedByNode = createHash("sha256");
    let nodeBytes = 0;
    const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" }, (socket) => {
      socket.on("data", (d: Buffer) => {
        receivedByNode.update(d);
        nodeBytes += d.length;
        socket.write(d);
      });
      socket.on("end", () => socket.end());
      socket.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const conn = await connectTcp({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem });
    try {
      const rng = new Rng(0x50a4);
      const pattern = rng.bytes(65536 + 4096);
      const sent = createHash("sha256");
      const received = createHash("sha256");
      let receivedBytes = 0;
      const reading = (async () => {
        for (let data = await conn.read(); data !== null; data = await conn.read()) {
          received.update(data);
          receivedBytes += data.length;
        }
      })();
      let keyUpdates = 0;
      for (let at = 0; at < SOAK_BYTES; ) {
        const n = Math.min(SOAK_BYTES - at, randomSize(rng));
        const chunk = pattern.slice(at % 4096, (at % 4096) + n);
        sent.update(chunk);
        await conn.write(chunk);
        at += n;
        if (rng.below(300) === 0) {
          await conn.keyUpdate(rng.below(2) === 0);
          keyUpdates++;
        }
      }
      await conn.closeWrite();
      await reading;
      const digest = sent.digest("hex");
      expect(nodeBytes).toBe(SOAK_BYTES);
      expect(receivedByNode.digest("hex")).toBe(digest);
      expect(receivedBytes).toBe(SOAK_BYTES);
      expect(received.digest("hex")).toBe(digest);
      expect(keyUpdates).toBeGreaterThan(0);
    } finally {
      await conn.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, SOAK_TIMEOUT_MS);
});
