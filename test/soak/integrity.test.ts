/**
 * Integrity soak: application data echoed through our client and our server in memory,
 * with random write sizes and random transport chunking (1 byte to 64 KiB) and KeyUpdates
 * mid-stream; node:crypto's SHA-256 of what was sent must equal what arrived, at both ends.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mutualCredentials } from "../helpers/fixtures.js";
import { newPair } from "../helpers/pair.js";
import { Rng } from "../fuzz/rng.js";
import { SOAK_BYTES, SOAK_TIMEOUT_MS } from "./soak-config.js";

/** A size from 1 to 64 KiB, log-uniform so small and large are both common. */
function randomSize(rng: Rng): number {
  return Math.max(1, Math.min(65536, Math.floor(2 ** (rng.u32() / 2 ** 32 * 16.01))));
}

/** Moves everything `from` has queued into `to`, cut into random pieces. */
function transfer(from: { takeOutput(): Uint8Array | null }, to: { receive(b: Uint8Array): void }, rng: Rng): number {
  let moved = 0;
  for (let out = from.takeOutput(); out !== null; out = from.takeOutput()) {
    const bytes = out.slice();
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(bytes.length - at, randomSize(rng));
      to.receive(bytes.subarray(at, at + n));
      at += n;
    }
    moved += bytes.length;
  }
  return moved;
}

describe("integrity soak: our client <-> our server (in memory)", () => {
  for (const suite of ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"] as const) {
    it(`${SOAK_BYTES} bytes echoed with random writes, chunking and KeyUpdates (${suite})`, () => {
      const rng = new Rng(SOAK_BYTES ^ suite.length);
      const { client, server } = newPair(mutualCredentials("p256"), { cipherSuites: [suite], server: { cipherSuites: [suite] } });
      for (let round = 0; round < 10 && !(client.handshakeComplete && server.handshakeComplete); round++) {
        transfer(client, server, rng);
        transfer(server, client, rng);
      }
      expect(client.handshakeComplete && server.handshakeComplete).toBe(true);

      const sentByClient = createHash("sha256");
      const receivedByServer = createHash("sha256");
      const receivedByClient = createHash("sha256");
      let sent = 0;
      let echoed = 0;
      let keyUpdates = 0;
      const pattern = rng.bytes(65536 + 4096);
      while (sent < SOAK_BYTES) {
        const n = Math.min(SOAK_BYTES - sent, randomSize(rng));
        const chunk = pattern.subarray(sent % 4096, (sent % 4096) + n);
        client.write(chunk);
        sentByClient.update(chunk);
        sent += n;
        if (rng.below(200) === 0) {
          client.keyUpdate(rng.below(2) === 0);
          keyUpdates++;
        }
        if (rng.below(4) === 0 || sent === SOAK_BYTES) {
          transfer(client, server, rng);
          // The server echoes what it read, in reads of its own sizes.
          for (let data = server.read(); data !== null; data = server.read()) {
            receivedByServer.update(data);
            server.write(data);
          }
          transfer(server, client, rng);
          for (let data = client.read(); data !== null; data = client.read()) {
            receivedByClient.update(data);
            echoed += data.length;
          }
        }
      }
      expect(echoed).toBe(SOAK_BYTES);
      const digest = sentByClient.digest("hex");
      expect(receivedByServer.digest("hex")).toBe(digest);
      expect(receivedByClient.digest("hex")).toBe(digest);
      expect(keyUpdates).toBeGreaterThan(0);
      expect(client.error ?? server.error).toBeNull();
    }, SOAK_TIMEOUT_MS);
  }
});
