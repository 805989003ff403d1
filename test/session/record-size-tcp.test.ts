/**
 * record_size_limit 512 (RFC 8449) between our client and our server over real TCP sockets,
 * through connectTcp/createMtlsServer: a 4 MiB echo must come back intact (SHA-256 equal at both
 * ends) while each side refuses any record above 512 bytes of content (record_overflow), so any
 * record the other side sent too large would end the transfer.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { clientOptions, patternBytes, readAll, serverOptions, sha256 } from "../transport/helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("record_size_limit 512 over TCP", () => {
  it("echoes 4 MiB intact with every record at most 512 bytes of content", async () => {
    const serverSaw: string[] = [];
    const server = createMtlsServer(serverOptions("p256", { config: { recordSizeLimit: 512 } }), (c: SecureConnection) => {
      // Caught and recorded: a failed read or write here would otherwise be an unhandled rejection,
      // which fails the whole run (vitest exits 1) instead of this test.
      (async () => {
        const received: Uint8Array[] = [];
        for (let chunk = await c.read(); chunk !== null; chunk = await c.read()) {
          received.push(chunk);
          await c.write(chunk);
        }
        serverSaw.push(sha256(Buffer.concat(received)));
        await c.close();
      })().catch((e: unknown) => serverSaw.push(`server failed: ${e instanceof Error ? e.message : String(e)}`));
    });
    cleanups.push(() => server.close());
    const { port } = await server.listen(0, "127.0.0.1");
    const client = await connectTcp({ ...clientOptions("p256"), host: "127.0.0.1", port, config: { recordSizeLimit: 512 } });
    cleanups.push(() => client.close());
    const data = patternBytes(4 << 20);
    const echoed = readAll(client, data.length);
    for (let at = 0; at < data.length; at += 65_536) await client.write(data.subarray(at, at + 65_536));
    expect(sha256(await echoed)).toBe(sha256(data));
    await client.closeWrite();
    for (let i = 0; i < 100 && serverSaw.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(serverSaw).toEqual([sha256(data)]);
  });
});
