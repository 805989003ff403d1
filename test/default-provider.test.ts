/**
 * The entries' default providers (issue 13): `connect()`/`accept()` of `mutls` take the WebCrypto
 * provider where the runtime has `crypto.subtle` (Node does), the Node entry and `mutls/node` take
 * the native one, the engine's synchronous classes keep a synchronous provider, and a config's
 * `provider` still pins one. The handshake result names the provider each side ran on.
 */
import { describe, expect, it } from "vitest";
import * as mutls from "../src/index.js";
import * as nodeEntry from "../src/node/entry.js";
import { connectTcp, createMtlsServer, nativeProvider } from "../src/node/index.js";
import { runtimeDefaultProvider } from "../src/default-provider.js";
import { clientOptions, serverOptions } from "./transport/helpers.js";
import { mutualCredentials } from "./helpers/fixtures.js";
import { clientConfig, pump, serverConfig } from "./helpers/pair.js";

/** A client and a server of the engine's synchronous classes of `entry`, their handshake pumped in memory. */
function syncProviders(entry: Pick<typeof mutls, "ClientConnection" | "ServerConnection">): [string | undefined, string | undefined] {
  const creds = mutualCredentials();
  const pair = { client: new entry.ClientConnection(clientConfig(creds)), server: new entry.ServerConnection(serverConfig(creds)) };
  pump(pair);
  return [pair.client.handshake?.provider, pair.server.handshake?.provider];
}

type Entry = Pick<typeof mutls, "connect" | "accept" | "memoryTransportPair">;

async function providersOf(entry: Entry, client = clientOptions(), server = serverOptions()): Promise<[string, string]> {
  const [a, b] = entry.memoryTransportPair();
  const [c, s] = await Promise.all([entry.connect(a, client), entry.accept(b, server)]);
  await Promise.all([c.close(), s.close()]);
  return [c.handshake.provider, s.handshake.provider];
}

describe("the default provider", () => {
  it("mutls: connect() and accept() use WebCrypto where crypto.subtle exists, created once per runtime", async () => {
    expect(globalThis.crypto?.subtle).toBeDefined();
    expect(await providersOf(mutls)).toEqual(["webcrypto", "webcrypto"]);
    expect(await runtimeDefaultProvider()).toBe(await runtimeDefaultProvider());
  });

  it("a config's provider still pins one, on either side", async () => {
    const pure = { config: { provider: mutls.pureProvider } };
    expect(await providersOf(mutls, clientOptions("p256", pure), serverOptions())).toEqual(["pure", "webcrypto"]);
    expect(await providersOf(nodeEntry, clientOptions(), serverOptions("p256", pure))).toEqual(["native", "pure"]);
  });

  it("the Node entry (package.json's node condition): the native provider, also for the engine's classes", async () => {
    expect(await providersOf(nodeEntry)).toEqual(["native", "native"]);
    expect(syncProviders(nodeEntry)).toEqual(["native", "native"]);
    // The synchronous engine cannot wait for WebCrypto: mutls keeps the pure provider there.
    expect(syncProviders(mutls)).toEqual(["pure", "pure"]);
  });

  it("mutls/node: connectTcp and createMtlsServer use the native provider", async () => {
    let serverSide = "";
    const server = createMtlsServer(serverOptions(), (connection) => {
      serverSide = connection.handshake.provider;
      void connection.close();
    });
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      const client = await connectTcp({ ...clientOptions(), host: "127.0.0.1", port, servername: "localhost" });
      expect(client.handshake.provider).toBe(nativeProvider.name);
      await client.close();
      expect(serverSide).toBe("native");
    } finally {
      await server.close();
    }
  });

  it("package.json resolves `mutls` to the Node entry in Node and to index.js elsewhere", async () => {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { exports: Record<string, Record<string, string>> };
    const conditions = pkg.exports["."];
    expect(conditions.node).toBe("./dist/node/entry.js");
    expect(conditions.default).toBe("./dist/index.js");
    // Runtimes that also match "node" but have crypto.subtle of their own resolve the neutral entry first.
    const order = Object.keys(conditions);
    for (const runtime of ["deno", "bun", "workerd", "browser"]) {
      expect(conditions[runtime]).toBe("./dist/index.js");
      expect(order.indexOf(runtime)).toBeLessThan(order.indexOf("node"));
    }
  });
});
