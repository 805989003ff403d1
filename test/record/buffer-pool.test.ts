/**
 * Record buffers come from a shared pool (src/record/buffer-pool.ts): an idle connection holds
 * none, a connection with data in flight holds one per busy direction, and buffers go back zeroed.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import { BufferPool, recordBuffers } from "../../src/record/buffer-pool.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { establishedPair } from "../helpers/pair.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";

describe("record buffer pool", () => {
  it("an idle established pair holds no record buffer; data in flight holds one until drained", () => {
    const before = recordBuffers.outstanding;
    const { client, server } = establishedPair(mutualCredentials("p256"));
    expect(recordBuffers.outstanding).toBe(before);

    const data = bytesFromSeed(7, 40000);
    client.write(data);
    expect(recordBuffers.outstanding).toBe(before + 1); // the client's output
    const wire = client.takeOutput()!;
    expect(recordBuffers.outstanding).toBe(before);
    server.receive(wire.subarray(0, 100));
    expect(recordBuffers.outstanding).toBe(before + 1); // a partial record at the server
    server.receive(wire, 100);
    expect(recordBuffers.outstanding).toBe(before + 1); // decrypted data waiting to be read
    expect(toHex(server.read()!)).toBe(toHex(data));
    expect(recordBuffers.outstanding).toBe(before);
  });

  it("zeroes what a buffer held when it is given back, and keeps at most its byte budget free", () => {
    const pool = new BufferPool(3000);
    const a = pool.take(1000);
    a.fill(0xaa);
    pool.give(a, 600);
    expect(a.subarray(0, 600).every((b) => b === 0)).toBe(true);
    expect(pool.take(1000)).toBe(a);
    const bufs = [a, pool.take(1000), pool.take(1000), pool.take(1000)];
    expect(pool.outstanding).toBe(4);
    for (const b of bufs) pool.give(b, 0);
    expect(pool.outstanding).toBe(0);
    const again = new Set([pool.take(1000), pool.take(1000), pool.take(1000), pool.take(1000)]);
    // Three fit the 3000-byte budget; the fourth was left to the garbage collector.
    expect(bufs.filter((b) => again.has(b)).length).toBe(3);
  });
});
