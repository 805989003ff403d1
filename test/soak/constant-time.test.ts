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

const { ClientConnection, ServerConnection } = await import("../../src/index.js");
const { MemorySessionStore } = await import("../../src/handshake/session-store.js");
const { CA_PEM, clientCredential, serverCredential } = await import("../helpers/fixtures.js");
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

const s = serverCredential("p256");
const c = clientCredential("p256");

describe("Finished and binders go through the constant-time compare", () => {
  it("both Finished messages of a mutual handshake", () => {
    calls.length = 0;
    const clientLog = new KeyLog();
    const serverLog = new KeyLog();
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, certificateChain: c.certPem, privateKey: c.keyPem, keyLog: clientLog.sink, cipherSuites: ["TLS_AES_128_GCM_SHA256"] });
    const server = new ServerConnection({ certificateChain: s.certPem, privateKey: s.keyPem, clientAuth: "require", trustAnchors: CA_PEM, keyLog: serverLog.sink, cipherSuites: ["TLS_AES_128_GCM_SHA256"] });
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
    const clientConfig = { serverName: "localhost", trustAnchors: CA_PEM, certificateChain: c.certPem, privateKey: c.keyPem, sessionStore: store, cipherSuites: ["TLS_AES_128_GCM_SHA256" as const] };
    const serverConfig = { certificateChain: s.certPem, privateKey: s.keyPem, clientAuth: "require" as const, trustAnchors: CA_PEM, tickets: 1, cipherSuites: ["TLS_AES_128_GCM_SHA256" as const] };
    const first = exchange(new ClientConnection(clientConfig), new ServerConnection(serverConfig));
    expect(first.clientError ?? first.serverError).toBeNull();
    calls.length = 0;
    const client = new ClientConnection(clientConfig);
    const server = new ServerConnection(serverConfig);
    const x = exchange(client, server);
    expect(x.clientError ?? x.serverError).toBeNull();
    expect(client.result?.resumed).toBe(true);
    // §4.2.11: pre_shared_key is the ClientHello's last extension and the binder its last bytes.
    const helloLength = (x.clientWire[3] << 8) | x.clientWire[4];
    const binder = x.clientWire.subarray(5 + helloLength - 32, 5 + helloLength);
    expect(compared()).toContain(hex(binder));
  });
});
