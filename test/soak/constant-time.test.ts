/**
 * Timing hygiene: Finished verify_data (RFC 8446 §4.4.4) and PSK binders (§4.2.11.2)
 * are compared through the one constant-time compare, src/bytes/constant-time.ts. The module is
 * replaced by a recording wrapper around the real function; the handshake must call it with the
 * very verify_data and binder that an independent decryptor (node:crypto) reads off the wire.
 */
import { describe, expect, it, vi } from "vitest";

const calls = vi.hoisted(() => [] as [Uint8Array, Uint8Array][]);
vi.mock("../../src/bytes/constant-time.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/bytes/constant-time.js")>();
  return {
    ...real,
    constantTimeEqual: (a: Uint8Array, b: Uint8Array) => {
      calls.push([a.slice(), b.slice()]);
      return real.constantTimeEqual(a, b);
    },
  };
});

const { MemorySessionStore } = await import("../../src/handshake/resumption/session-store.js");
const { mutualCredentials } = await import("../helpers/fixtures.js");
const { newPair, pairFrom, clientConfig, serverConfig } = await import("../helpers/pair.js");
const { ContentType, KeyLog, Tap, exchange } = await import("../helpers/scripted-peer.js");
const { splitHandshakes } = await import("../helpers/framing.js");

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const compared = () => calls.flatMap(([a, b]) => [hex(a), hex(b)]);

/** The verify_data of every Finished in `sender`'s wire bytes, decrypted with node:crypto. */
function finishedOnWire(sender: "client" | "server", log: InstanceType<typeof KeyLog>, wire: Uint8Array): string[] {
  return new Tap(sender, log)
    .decode(wire)
    .filter((r) => r.type === ContentType.handshake)
    .flatMap((r) => splitHandshakes(r.content).messages)
    .filter((m) => m[0] === 20)
    .map((m) => hex(m.subarray(4)));
}

const credentials = mutualCredentials("p256");
const SUITE = ["TLS_AES_128_GCM_SHA256" as const];

describe("Finished and binders go through the constant-time compare", () => {
  it("both Finished messages of a mutual handshake", () => {
    calls.length = 0;
    const clientLog = new KeyLog();
    const serverLog = new KeyLog();
    const { client, server } = newPair(credentials, {
      client: { keyLog: clientLog.sink, cipherSuites: SUITE },
      server: { keyLog: serverLog.sink, cipherSuites: SUITE },
    });
    const x = exchange(client, server);
    expect(x.clientError ?? x.serverError).toBeNull();
    const serverFinished = finishedOnWire("server", serverLog, x.serverWire);
    const clientFinished = finishedOnWire("client", clientLog, x.clientWire);
    expect(serverFinished.length).toBe(1);
    expect(clientFinished.length).toBe(1);
    expect(compared()).toContain(serverFinished[0]);
    expect(compared()).toContain(clientFinished[0]);
  });

  it("the PSK binder of a resumed handshake", () => {
    const store = new MemorySessionStore();
    const clientSide = clientConfig(credentials, { client: { sessionStore: store, cipherSuites: SUITE } });
    const serverSide = serverConfig(credentials, { server: { tickets: 1, cipherSuites: SUITE } });
    const first = pairFrom(clientSide, serverSide);
    const firstRun = exchange(first.client, first.server);
    expect(firstRun.clientError ?? firstRun.serverError).toBeNull();
    calls.length = 0;
    const { client, server } = pairFrom(clientSide, serverSide);
    const x = exchange(client, server);
    expect(x.clientError ?? x.serverError).toBeNull();
    expect(client.handshake?.resumed).toBe(true);
    // §4.2.11: pre_shared_key is the ClientHello's last extension and the binder its last bytes.
    const helloLength = (x.clientWire[3] << 8) | x.clientWire[4];
    const binder = x.clientWire.subarray(5 + helloLength - 32, 5 + helloLength);
    expect(compared()).toContain(hex(binder));
  });
});
