/**
 * Concurrency: many mutual handshakes at once against createMtlsServer (src/node), from
 * our clients and Node's tls clients (OpenSSL) mixed; every one succeeds, the server sees each
 * client's identity, and after all connections close the heap returns to its baseline.
 */
import * as tls from "node:tls";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import type { SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { CONCURRENT_HANDSHAKES, LONG, SOAK_TIMEOUT_MS } from "./soak-config.js";

/** Waves of concurrent connections: the long mode churns 10 x 1000 = 10,000 to expose leaks. */
const WAVES = LONG ? 10 : 1;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Node's tls client: handshake, send a line, wait for the echo, end. */
function nodeClient(port: number, cred: { certPem: string; keyPem: string }, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: cred.certPem, key: cred.keyPem, minVersion: "TLSv1.3" });
    let echoed = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("Node client: no echo within 60 s"));
    }, 60_000);
    socket.setEncoding("utf8");
    socket.on("secureConnect", () => socket.write(line));
    socket.on("data", (d: string) => {
      echoed += d;
      if (echoed.length >= line.length) socket.end();
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(echoed);
    });
  });
}

async function ourClient(port: number, cred: { certPem: string; keyPem: string }, line: string): Promise<string> {
  const conn = await connectTcp({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: cred.certPem, key: cred.keyPem, handshakeTimeoutMs: 60_000 });
  try {
    await conn.write(new TextEncoder().encode(line));
    let echoed = "";
    for (let i = 0; i < 100 && echoed.length < line.length; i++) {
      const chunk = await conn.read();
      if (chunk === null) break;
      echoed += new TextDecoder().decode(chunk);
    }
    return echoed;
  } finally {
    await conn.close();
  }
}

/** Echoes what a connection sends until it closes. */
async function echo(conn: SecureConnection): Promise<void> {
  try {
    for (let data = await conn.read(); data !== null; data = await conn.read()) await conn.write(data.slice());
  } catch {
    /* a failed client shows up on its own side */
  } finally {
    await conn.close();
  }
}

describe("concurrency: mutual handshakes against createMtlsServer", () => {
  it(`${WAVES} x ${CONCURRENT_HANDSHAKES} concurrent mutual handshakes, our clients and Node's mixed, all succeed; memory returns to baseline`, async () => {
    const s = serverCredential("p256");
    const creds = [clientCredential("p256"), clientCredential("ed25519"), clientCredential("p384"), clientCredential("rsa2048")];
    const peers: string[] = [];
    const handshakeErrors: string[] = [];
    const server = createMtlsServer(
      { cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true, handshakeTimeoutMs: 60_000, onHandshakeError: (e) => handshakeErrors.push(e.message) },
      (conn) => {
        peers.push(conn.peer?.spiffeId ?? conn.peer?.subject ?? "?");
        void echo(conn);
      },
    );
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      // Warm-up (config resolution, JIT), then the baseline.
      expect(await ourClient(port, creds[0], "warm")).toBe("warm");
      expect(await nodeClient(port, creds[0], "warm")).toBe("warm");
      const baseline = heapAfterGc();

      for (let wave = 0; wave < WAVES; wave++) {
        // Each job settles to null or the reason it failed (no rejection waits unhandled during the ramp).
        const jobs: Promise<string | null>[] = [];
        for (let i = 0; i < CONCURRENT_HANDSHAKES; i++) {
          // Connections open in steps of 100: the kernel's accept queue (Node's default listen
          // backlog is 511) must not overflow before the server's event loop turns. Every
          // handshake takes far longer than the ramp, so all of them are in flight together.
          if (i > 0 && i % 100 === 0) await new Promise((r) => setTimeout(r, 200));
          const line = `client ${wave}.${i} says hello\n`;
          const cred = creds[i % creds.length];
          const client = i % 2 === 0 ? ourClient(port, cred, line) : nodeClient(port, cred, line);
          jobs.push(client.then((echoed) => (echoed === line ? null : `${wave}.${i}: wrong echo`), (e: unknown) => `${wave}.${i}: ${String(e)}`));
        }
        const failures = (await Promise.all(jobs)).filter((x) => x !== null);
        expect(failures).toEqual([]);
      }
      expect(handshakeErrors).toEqual([]);
      expect(peers.length).toBe(WAVES * CONCURRENT_HANDSHAKES + 2);

      // Wait (bounded) for the server's side of every connection to finish closing.
      for (let i = 0; i < 100 && process.getActiveResourcesInfo().includes("TCPSocketWrap"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const after = heapAfterGc();
      // Baseline plus slack for JIT code and caches: a leak of even 50 KiB per connection would exceed it in the long mode.
      const slack = 16 * 1024 * 1024;
      expect(after - baseline, `heap grew from ${baseline} to ${after} bytes`).toBeLessThan(slack);
    } finally {
      await server.close();
    }
  }, SOAK_TIMEOUT_MS);
});
