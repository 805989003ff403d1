/**
 * The transport's asynchronous record pipeline (issue 13) against real TLS stacks: a side on the
 * WebCrypto provider seals and opens its AES-GCM records through Node's `crypto.subtle`, several
 * in flight, and exchanges a few MiB with Node's `tls` (both roles) and `openssl s_server -rev`,
 * with KeyUpdates in the middle. The peers decrypt and judge every record on their own.
 */
import { createHash } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecureConnection } from "../../src/index.js";
import { type WebCryptoProvider, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";
import { CA, cert, freePort, key, startProcess, stopAllProcesses } from "./process.js";

const MIB = 1024 * 1024;
const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"] as const;

let web: WebCryptoProvider;
beforeAll(async () => {
  web = await webCryptoProvider();
  expect(web.webCryptoAlgorithms).toContain("AES-GCM");
});
afterAll(() => stopAllProcesses());

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

async function readBytes(connection: SecureConnection, length: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < length) {
    const chunk = await connection.read();
    if (chunk === null) throw new Error(`the peer closed after ${total} of ${length} bytes`);
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts);
}

/** Writes `data` in two halves with a KeyUpdate between them that asks the peer to update too. */
async function writeAcrossKeyUpdate(connection: SecureConnection, data: Uint8Array): Promise<void> {
  const half = data.length >> 1;
  await connection.write(data.subarray(0, half));
  await connection.keyUpdate(true);
  await connection.write(data.subarray(half));
}

describe("WebCrypto records against Node's tls", () => {
  for (const suite of SUITES) {
    it(`client: 4 MiB echoed by a Node tls server, ${suite}`, async () => {
      const s = serverCredential("p256");
      const server = tls.createServer(
        { cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" },
        (socket) => socket.pipe(socket),
      );
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const c = clientCredential("p256");
        const client = await connectTcp({
          host: "127.0.0.1",
          port,
          servername: "localhost",
          ca: CA_PEM,
          cert: c.certPem,
          key: c.keyPem,
          config: { provider: web, cipherSuites: [suite] },
        });
        expect(client.handshake.provider).toBe("webcrypto");
        expect(client.handshake.cipherSuite).toBe(suite);
        const data = bytesFromSeed(11, 4 * MIB);
        const [, echoed] = await Promise.all([writeAcrossKeyUpdate(client, data), readBytes(client, data.length)]);
        expect(sha256(echoed)).toBe(sha256(data));
        await client.close();
      } finally {
        server.close();
      }
    }, 60_000);
  }

  it("server: echoes 4 MiB to a Node tls client, asking it to update its keys midway", async () => {
    const s = serverCredential("p256");
    const sessions: Promise<void>[] = [];
    const server = createMtlsServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, config: { provider: web } }, (connection) => {
      sessions.push(
        (async () => {
          expect(connection.handshake.provider).toBe("webcrypto");
          let echoed = 0;
          let updated = false;
          for (let chunk = await connection.read(); chunk !== null; chunk = await connection.read()) {
            await connection.write(chunk);
            echoed += chunk.length;
            // RFC 8446 §4.6.3: Node (OpenSSL) must answer with a KeyUpdate of its own before its next data.
            if (!updated && echoed >= 2 * MIB) {
              updated = true;
              await connection.keyUpdate(true);
            }
          }
          await connection.close();
        })(),
      );
    });
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      const c = clientCredential("p256");
      const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, minVersion: "TLSv1.3" });
      await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
      expect(socket.authorized).toBe(true);
      const data = bytesFromSeed(12, 4 * MIB);
      const received: Buffer[] = [];
      let total = 0;
      const echoed = new Promise<Buffer>((resolve, reject) => {
        socket.on("data", (chunk: Buffer) => {
          received.push(chunk);
          total += chunk.length;
          if (total >= data.length) resolve(Buffer.concat(received));
        });
        socket.once("error", reject);
      });
      socket.write(data);
      expect(sha256(await echoed)).toBe(sha256(data));
      socket.end();
      await Promise.all(sessions);
    } finally {
      await server.close();
    }
  }, 60_000);
});

describe("WebCrypto records against openssl s_server", () => {
  for (const suite of SUITES) {
    it(`client: 2 MiB of lines reversed by s_server -rev, a KeyUpdate midway, ${suite}`, async () => {
      const port = await freePort();
      const server = startProcess("openssl s_server", "openssl", [
        "s_server",
        "-accept",
        `127.0.0.1:${port}`,
        "-naccept",
        "1",
        "-rev",
        "-tls1_3",
        "-ciphersuites",
        suite,
        "-cert",
        cert("server-p256"),
        "-key",
        key("server-p256"),
        "-CAfile",
        CA,
        "-Verify",
        "2",
        "-verify_return_error",
      ]);
      await server.waitFor(/ACCEPT/);
      const c = clientCredential("p256");
      const client = await connectTcp({
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ca: CA_PEM,
        cert: c.certPem,
        key: c.keyPem,
        config: { provider: web },
      });
      expect(client.handshake.provider).toBe("webcrypto");
      // s_server offers only `suite` (its stdout is block-buffered in a pipe, so we read the outcome on our side).
      expect(client.handshake.cipherSuite).toBe(suite);
      // Lines of 1023 printable bytes; s_server answers each reversed.
      const lines: string[] = [];
      const seed = bytesFromSeed(13, 2048 * 1023);
      for (let i = 0; i < 2048; i++) lines.push(Array.from(seed.subarray(i * 1023, (i + 1) * 1023), (b) => String.fromCharCode(0x21 + (b % 90))).join(""));
      const sent = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));
      const expected = new TextEncoder().encode(lines.map((l) => `${[...l].reverse().join("")}\n`).join(""));
      const [, echoed] = await Promise.all([writeAcrossKeyUpdate(client, sent), readBytes(client, expected.length)]);
      expect(sha256(echoed), server.report()).toBe(sha256(expected));
      await client.close();
      await server.stop();
    }, 60_000);
  }
});
