/**
 * load.*: mutual handshakes under load (issue 7). One createMtlsServer (pure provider) on loopback
 * and `connections` connectTcp clients (pure provider), at most `concurrency` in flight; each
 * client completes a mutual handshake, sends 16 bytes, reads the echo and closes. Client and server
 * share this process and its CPU, so handshakes_per_s counts both halves of every handshake.
 * Peak memory is sampled (RSS and V8 heap plus ArrayBuffers) while the load runs; after every
 * connection closed and full GCs, the retained growth over the pre-load baseline is reported.
 */
import type { SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { benchCredentials } from "./credentials.js";
import { collect, now, round } from "./stats.js";

export interface LoadFigures {
  connections: number;
  concurrency: number;
  handshakes_per_s: number;
  failures: number;
  peak_rss_bytes: number;
  peak_heap_bytes: number;
  /** Heap + ArrayBuffers after all connections closed, minus the pre-load baseline. */
  retained_after_close_bytes: number;
}

function retained(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function echo(conn: SecureConnection): Promise<void> {
  try {
    for (let data = await conn.read(); data !== null; data = await conn.read()) await conn.write(data.slice());
  } catch {
    /* counted on the client side */
  } finally {
    await conn.close();
  }
}

export async function measureLoad(connections: number, concurrency: number): Promise<LoadFigures> {
  const creds = benchCredentials("p256");
  const server = createMtlsServer(
    { cert: creds.serverCert, key: creds.serverKey, ca: creds.ca, requestCert: true, rejectUnauthorized: true, handshakeTimeoutMs: 60_000 },
    (conn) => void echo(conn),
  );
  const { port } = await server.listen(0, "127.0.0.1");
  const clientOptions = { host: "127.0.0.1", port, servername: "localhost", ca: creds.ca, cert: creds.clientCert, key: creds.clientKey, handshakeTimeoutMs: 60_000 };
  const message = new TextEncoder().encode("load test payload");
  const one = async (): Promise<boolean> => {
    const conn = await connectTcp(clientOptions);
    try {
      await conn.write(message);
      let got = 0;
      for (let i = 0; i < 16 && got < message.length; i++) {
        const chunk = await conn.read();
        if (chunk === null) break;
        got += chunk.length;
      }
      return got === message.length;
    } finally {
      await conn.close();
    }
  };
  try {
    await one(); // warm-up: config resolution, JIT
    const baseline = retained();
    let peakRss = 0;
    let peakHeap = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed + m.arrayBuffers);
    };
    const sampler = setInterval(sample, 20);
    let started = 0;
    let failures = 0;
    const t0 = now();
    const worker = async (): Promise<void> => {
      while (started < connections) {
        started++;
        const ok = await one().catch(() => false);
        if (!ok) failures++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, connections) }, worker));
    const seconds = (now() - t0) / 1000;
    clearInterval(sampler);
    sample();
    // Let the server's side of the last connections finish closing (bounded).
    for (let i = 0; i < 100 && process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length > 1; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      connections,
      concurrency,
      handshakes_per_s: round(connections / seconds, 1),
      failures,
      peak_rss_bytes: peakRss,
      peak_heap_bytes: peakHeap,
      retained_after_close_bytes: retained() - baseline,
    };
  } finally {
    await server.close();
  }
}
