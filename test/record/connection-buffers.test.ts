/**
 * The allocation-free connection calls the record layer exists for: `write(data, offset, length)`,
 * `takeOutputInto`, `receive(bytes, offset, length)` and `readInto`. Application data must arrive
 * intact whatever the sizes of the caller's buffers, in both directions, for every suite, and mix
 * freely with the copying calls (`takeOutput`, `read`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { newPair } from "../helpers/pair.js";
import { pumpMemory } from "../helpers/pump.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;

async function establishedPair(suite: (typeof SUITES)[number]) {
  const { client, server } = newPair(mutualCredentials("p256"), { cipherSuites: [suite] });
  await pumpMemory(client, server);
  expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
  expect(client.handshake?.cipherSuite).toBe(suite);
  return { client, server };
}

describe("allocation-free connection calls", () => {
  for (const suite of SUITES) {
    it(`${suite}: data of any size crosses intact through caller-sized buffers, both ways`, async () => {
      const pair = await establishedPair(suite);
      fc.assert(
        fc.property(
          fc.array(fc.record({ length: fc.integer({ min: 0, max: 40000 }), offset: fc.integer({ min: 0, max: 9 }), toServer: fc.boolean() }), { minLength: 1, maxLength: 6 }),
          fc.integer({ min: 1, max: 20000 }),
          fc.integer({ min: 1, max: 20000 }),
          (writes, wireSize, sinkSize) => {
            const wire = new Uint8Array(wireSize + 2);
            const sink = new Uint8Array(sinkSize + 1);
            for (const [i, w] of writes.entries()) {
              const from = w.toServer ? pair.client : pair.server;
              const to = w.toServer ? pair.server : pair.client;
              const source = bytesFromSeed(i + w.length, w.offset + w.length + 4);
              from.write(source, w.offset, w.length);
              const received: number[] = [];
              // Bounded: each pass moves at least one byte of a finite output.
              for (let guard = 0; guard < 100000; guard++) {
                const n = from.takeOutputInto(wire, 2);
                if (n === 0) break;
                to.receive(wire, 2, n);
                for (let m = to.readInto(sink, 1); m > 0; m = to.readInto(sink, 1)) received.push(...sink.subarray(1, 1 + m));
              }
              expect(toHex(Uint8Array.from(received))).toBe(toHex(source.subarray(w.offset, w.offset + w.length)));
            }
          },
        ),
        { numRuns: 15 },
      );
    });
  }

  it("mixes with takeOutput() and read(), which return copies the caller keeps", async () => {
    const { client, server } = await establishedPair("TLS_AES_128_GCM_SHA256");
    client.write(bytesFromSeed(1, 1000));
    client.write(bytesFromSeed(2, 500));
    const wire = new Uint8Array(700);
    const first = client.takeOutputInto(wire);
    expect(first).toBe(700);
    server.receive(wire, 0, first);
    server.receive(client.takeOutput()!);
    const copy = server.read()!;
    expect(toHex(copy)).toBe(toHex(bytesFromSeed(1, 1000)) + toHex(bytesFromSeed(2, 500)));
    expect(server.read()).toBe(null);
    expect(server.readInto(new Uint8Array(10))).toBe(0);
    // A later record does not disturb what read() returned.
    client.write(new Uint8Array(1500).fill(7));
    server.receive(client.takeOutput()!);
    expect(toHex(copy.subarray(0, 4))).toBe(toHex(bytesFromSeed(1, 4)));
  });

  it("rejects offsets outside the caller's array instead of reading past it", async () => {
    const { client, server } = await establishedPair("TLS_CHACHA20_POLY1305_SHA256");
    expect(() => server.receive(new Uint8Array(10), 5, 6)).toThrow(RangeError);
    expect(() => client.write(new Uint8Array(10), -1, 2)).toThrow(RangeError);
    expect(server.error).toBe(null);
    expect(client.error).toBe(null);
  });
});
