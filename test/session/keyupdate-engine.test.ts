/**
 * KeyUpdate in the sans-I/O engine, our client against our server in memory, checked against the
 * rules of RFC 8446 §4.6.3: many updates in both directions in the middle of a transfer, and an
 * update_requested answered by exactly one KeyUpdate however many requests arrive together.
 * (The interop proofs, where OpenSSL and GnuTLS decrypt after our updates, are in
 * keyupdate-node.test.ts and test/peers/*-connection-features.test.ts.)
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ClientConnection, ServerConnection } from "../../src/index.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { newPair } from "../helpers/pair.js";
import { pumpMemory, readAll } from "../helpers/pump.js";

const KEY_UPDATE = 24; // HandshakeType.key_update, RFC 8446 §4

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function pair(): { client: ClientConnection; server: ServerConnection; sentKeyUpdates: { client: number[]; server: number[] } } {
  const sentKeyUpdates = { client: [] as number[], server: [] as number[] };
  const observe = (who: "client" | "server") => (direction: "sent" | "received", m: Uint8Array) => {
    if (direction === "sent" && m[0] === KEY_UPDATE) sentKeyUpdates[who].push(m[4]);
  };
  const { client, server } = newPair(mutualCredentials("p256"), {
    server: { onHandshakeMessage: observe("server") },
    client: { onHandshakeMessage: observe("client") },
  });
  return { client, server, sentKeyUpdates };
}

describe("KeyUpdate in the engine", () => {
  it("carries 4 MiB each way through 64 updates from both sides, interleaved with the data", async () => {
    const { client, server } = await connected();
    const chunk = 65_536;
    const toServer = new Uint8Array(64 * chunk).map((_, i) => (i * 7) & 0xff);
    const toClient = new Uint8Array(64 * chunk).map((_, i) => (i * 13) & 0xff);
    const gotServer: Uint8Array[] = [];
    const gotClient: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) {
      client.write(toServer.subarray(i * chunk, (i + 1) * chunk));
      if (i % 2 === 0) client.keyUpdate(i % 4 === 0);
      server.write(toClient.subarray(i * chunk, (i + 1) * chunk));
      if (i % 3 === 0) server.keyUpdate(false);
      const { errors } = await pumpMemory(client, server);
      expect(errors).toEqual([]);
      gotServer.push(readAll(server));
      gotClient.push(readAll(client));
    }
    expect(sha256(Buffer.concat(gotServer))).toBe(sha256(toServer));
    expect(sha256(Buffer.concat(gotClient))).toBe(sha256(toClient));
  });

  it("answers several update_requested KeyUpdates that arrive together with one KeyUpdate (§4.6.3)", async () => {
    const { client, server, sentKeyUpdates } = await connected();
    client.keyUpdate(true);
    client.keyUpdate(true);
    client.keyUpdate(true);
    server.receive(client.takeOutput()!);
    // "update_not_requested" (0), once, so the peers do not ping-pong updates.
    expect(sentKeyUpdates.server).toEqual([0]);
    client.receive(server.takeOutput()!);
    server.write(new TextEncoder().encode("after three updates"));
    client.receive(server.takeOutput()!);
    expect(new TextDecoder().decode(readAll(client))).toBe("after three updates");
    expect(sentKeyUpdates.client).toEqual([1, 1, 1]);
  });

  it("refuses keyUpdate() before the handshake completes", () => {
    const { client } = pair();
    expect(() => client.keyUpdate()).toThrow(/before the handshake/);
  });
});

async function connected(): Promise<ReturnType<typeof pair>> {
  const p = pair();
  const { errors } = await pumpMemory(p.client, p.server);
  expect(errors).toEqual([]);
  expect(p.server.handshakeComplete && p.client.handshakeComplete).toBe(true);
  return p;
}
