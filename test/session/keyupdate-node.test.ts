/**
 * KeyUpdate (RFC 8446 §4.6.3, §5.5, §7.2) against Node's `tls` (OpenSSL) as the oracle: OpenSSL
 * must decrypt every record we seal after each of our updates, and we must decrypt what it seals
 * after the updates it sends in answer. Data is checked end to end by SHA-256.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import type { CipherSuiteName } from "../../src/index.js";
import type { SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientOptions, patternBytes, readAll, serverOptions, sha256 } from "../transport/helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Errors on Node's client socket. A tls.connect() socket has no error listener of its own (a
 * server's accepted TLSSocket does), and pipe() rethrows when no other listener exists: a reset
 * would be an uncaught exception, which vitest reports as an unhandled error and exits 1 with every
 * test passed. Recorded instead; the test checks there were none while it ran.
 */
const nodeSocketErrors: Error[] = [];
afterEach(() => {
  nodeSocketErrors.length = 0;
});

/** A Node TLS 1.3 echo server with mutual authentication. */
async function nodeEchoServer(): Promise<number> {
  const s = serverCredential("p256");
  const server = tls.createServer(
    { cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3", allowHalfOpen: true },
    (socket) => socket.pipe(socket),
  );
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

/** Counts the key-log lines per label, e.g. CLIENT_TRAFFIC_SECRET_3. */
function keyLogCounter(): { keyLog: (line: string) => void; generations: (side: "CLIENT" | "SERVER") => number } {
  const labels: string[] = [];
  return {
    keyLog: (line) => labels.push(line.split(" ")[0]),
    generations: (side) => labels.filter((l) => new RegExp(`^${side}_TRAFFIC_SECRET_[1-9]`).test(l)).length,
  };
}

const SUITES: CipherSuiteName[] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

describe("KeyUpdate against Node tls (OpenSSL)", () => {
  for (const suite of SUITES) {
    it(`keeps echoing through 40 updates in the middle of a 2.5 MiB transfer (${suite})`, async () => {
      const port = await nodeEchoServer();
      const log = keyLogCounter();
      const client = await connectTcp({
        ...clientOptions("p256"),
        host: "127.0.0.1",
        port,
        config: { cipherSuites: [suite], keyLog: log.keyLog },
      });
      cleanups.push(() => client.close());
      const data = patternBytes(40 * 65_536);
      const echoed = readAll(client, data.length);
      for (let i = 0; i < 40; i++) {
        await client.write(data.subarray(i * 65_536, (i + 1) * 65_536));
        // Every other update asks OpenSSL to update too; its answer changes the keys we read with.
        await client.keyUpdate(i % 2 === 0);
      }
      expect(sha256(await echoed)).toBe(sha256(data));
      expect(log.generations("CLIENT")).toBe(40);
      // OpenSSL answers update_requested once each time (RFC 8446 §4.6.3); we followed each answer.
      expect(log.generations("SERVER")).toBe(20);
    });
  }

  it("rekeys on its own before the configured record limit (the §5.5 mechanism)", async () => {
    const port = await nodeEchoServer();
    const log = keyLogCounter();
    const client = await connectTcp({
      ...clientOptions("p256"),
      host: "127.0.0.1",
      port,
      config: { keyLog: log.keyLog, keyUpdateInterval: 5 },
    });
    cleanups.push(() => client.close());
    const data = patternBytes(64 * 16_384); // 64 full records
    const echoed = readAll(client, data.length);
    await client.write(data);
    expect(sha256(await echoed)).toBe(sha256(data));
    // At most 5 records per key, the KeyUpdate included: 4 application records per key, so the
    // 64 records need 16 keys, 15 updates. OpenSSL decrypting all of it proves each update.
    expect(log.generations("CLIENT")).toBe(15);
    expect(log.generations("SERVER")).toBe(0);
  });

  it("as a server, sends updates OpenSSL's client follows, and reads under the keys it answers with", async () => {
    const log = keyLogCounter();
    let ours: (c: SecureConnection) => void = () => undefined;
    const accepted = new Promise<SecureConnection>((resolve) => (ours = resolve));
    const server = createMtlsServer(serverOptions("p256", { config: { keyLog: log.keyLog } }), (c) => ours(c));
    cleanups.push(() => server.close());
    const { port } = await server.listen(0, "127.0.0.1");
    const c = clientCredential("p256");
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, minVersion: "TLSv1.3" });
    cleanups.push(() => socket.destroy());
    socket.on("error", (e) => nodeSocketErrors.push(e));
    socket.pipe(socket); // Node echoes what we send; its writes carry its KeyUpdate answers
    const connection = await accepted;
    const data = patternBytes(20 * 65_536);
    const echoed = readAll(connection, data.length);
    for (let i = 0; i < 20; i++) {
      await connection.write(data.subarray(i * 65_536, (i + 1) * 65_536));
      await connection.keyUpdate(true);
    }
    expect(sha256(await echoed)).toBe(sha256(data));
    expect(log.generations("SERVER")).toBe(20);
    // OpenSSL answers before its next write; it writes after each of our updates, but requests
    // arriving while it is silent are answered once, so at least one and at most 20 answers.
    expect(log.generations("CLIENT")).toBeGreaterThanOrEqual(1);
    expect(log.generations("CLIENT")).toBeLessThanOrEqual(20);
    expect(nodeSocketErrors).toEqual([]);
  });
});
