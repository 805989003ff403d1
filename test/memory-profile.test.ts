/**
 * The low-memory profile (config `memoryProfile: "low"`, docs/devices.md): a mutual handshake and
 * an echo work with it on either side or both, and it does what it says: no precomputed
 * trust-anchor tables, no parsed-certificate cache, a small free-buffer budget in the shared pool.
 * The memory it saves is measured by the bench (bench/first-handshake.ts), never asserted here.
 */
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/index.js";
import { resolveConfig } from "../src/handshake/config.js";
import { withDefaultProvider } from "../src/default-provider.js";
import { BufferPool, LOW_MEMORY_FREE_BYTES, recordBuffers } from "../src/record/buffer-pool.js";
import { mutualCredentials } from "./helpers/fixtures.js";
import { type Pair, clientConfig, establishedPair, pump, serverConfig } from "./helpers/pair.js";
import { bytesFromSeed } from "./helpers/seeded-bytes.js";

const creds = mutualCredentials("p256");
const low = { memoryProfile: "low" } as const;

/** `data` from one side to the other and back, through records of every size up to 2^14. */
function echo(pair: Pair, data: Uint8Array): Uint8Array {
  pair.client.write(data);
  pump(pair);
  const atServer = pair.server.read();
  if (atServer === null) throw new Error("nothing reached the server");
  pair.server.write(atServer);
  pump(pair);
  return pair.client.read() ?? new Uint8Array(0);
}

describe("memoryProfile: low", () => {
  for (const [name, opts] of [
    ["the client", { client: low }],
    ["the server", { server: low }],
    ["both sides", { client: low, server: low }],
  ] as const) {
    it(`a mutual handshake and an echo of 40,000 bytes with the profile on ${name}`, () => {
      const pair = establishedPair(creds, opts);
      expect(pair.server.handshake?.peerIdentity).not.toBeNull();
      expect(pair.client.handshake?.peerIdentity).not.toBeNull();
      const data = bytesFromSeed(15, 40_000);
      expect(Buffer.from(echo(pair, data)).equals(Buffer.from(data))).toBe(true);
    });
  }

  it("prepares no trust-anchor tables and caches no parsed peer certificate", () => {
    // resolveConfig is the engine's: the default provider and modules are the entry point's, so take them from it.
    const lowConfig = resolveConfig(withDefaultProvider(serverConfig(creds, { server: low })));
    const defaultConfig = resolveConfig(withDefaultProvider(serverConfig(creds)));
    expect(lowConfig.preparedTrustAnchors.map((a) => a.verifier)).toEqual([null]);
    // The bench's anchor is a P-256 CA: under the pure provider it gets a precomputed verifier by default.
    expect(defaultConfig.preparedTrustAnchors[0].verifier).not.toBeNull();
    const der = lowConfig.trustAnchors[0].der;
    expect(lowConfig.peerCertificates.parse(der)).not.toBe(lowConfig.peerCertificates.parse(der));
    expect(defaultConfig.peerCertificates.parse(der)).toBe(defaultConfig.peerCertificates.parse(der));
  });

  it("the shared pool keeps at most one full-size buffer each way free once a low-memory connection exists", () => {
    establishedPair(creds, { client: low });
    const pair = establishedPair(creds);
    echo(pair, bytesFromSeed(16, 200_000));
    expect(recordBuffers.freeBytes).toBeLessThanOrEqual(LOW_MEMORY_FREE_BYTES);
  });

  it("limitFree drops free buffers beyond the new budget and never raises it", () => {
    const pool = new BufferPool(10_000);
    const bufs = [pool.take(1000), pool.take(1000), pool.take(2000), pool.take(2000)];
    for (const b of bufs) pool.give(b, 0);
    expect(pool.freeBytes).toBe(6000);
    pool.limitFree(2500);
    expect(pool.freeBytes).toBeLessThanOrEqual(2500);
    pool.limitFree(9000);
    pool.give(new Uint8Array(1000), 0);
    pool.give(new Uint8Array(1000), 0);
    expect(pool.freeBytes).toBeLessThanOrEqual(2500);
  });

  it("refuses an unknown profile", () => {
    expect(() => resolveConfig(clientConfig(creds, { client: { memoryProfile: "tiny" as "low" } }))).toThrow(UsageError);
  });
});
