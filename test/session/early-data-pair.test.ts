/**
 * 0-RTT early data between our client and server (RFC 8446 §2.3, §4.2.10, §8). The OpenSSL
 * interop in test/peers/openssl-resumption-psk.test.ts is the outside oracle; these cases pin the
 * policy: accepted once per ticket, bounded, refused after a HelloRetryRequest, and never lost
 * silently on the client.
 */
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";

const server = serverCredential("p256");
const text = (b: Uint8Array | null): string => (b === null ? "" : new TextDecoder().decode(b));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function serverConfig(extra: Partial<ServerConfig> = {}): ServerConfig {
  return { certificateChain: server.certPem, privateKey: server.keyPem, tickets: 2, maxEarlyData: 1024, ...extra };
}

const clientConfig = (store: MemorySessionStore, extra: Partial<ClientConfig> = {}): ClientConfig => ({
  serverName: "localhost",
  trustAnchors: CA_PEM,
  sessionStore: store,
  ...extra,
});

async function connect(sc: ServerConfig, cc: ClientConfig) {
  const s = new ServerConnection(sc);
  const c = new ClientConnection(cc);
  const { errors } = await pumpMemory(c, s);
  return { s, c, errors };
}

describe("0-RTT between our client and server", () => {
  it("delivers early data with a fresh ticket and says it was early", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig();
    await connect(sc, clientConfig(store));
    const { s, c, errors } = await connect(sc, clientConfig(store, { earlyData: bytes("GET /idempotent\n") }));
    expect(errors).toEqual([]);
    expect(c.handshake!.earlyData).toBe("accepted");
    expect(s.handshake!.earlyData).toBe("accepted");
    expect(s.earlyDataReceived).toBe(16);
    expect(text(s.read())).toBe("GET /idempotent\n");
    c.write(bytes("after"));
    await pumpMemory(c, s);
    expect(text(s.read())).toBe("after");
  });

  it("accepts a ticket's 0-RTT only once (a replay is rejected, and the client is told)", async () => {
    const store = new MemorySessionStore(8, 8);
    const sc = serverConfig({ tickets: 1 });
    await connect(sc, clientConfig(store));
    const ticket = store.take("localhost")!;
    const one = new MemorySessionStore();
    one.put(ticket);
    const first = await connect(sc, clientConfig(one, { earlyData: bytes("pay 10") }));
    expect(first.s.handshake!.earlyData).toBe("accepted");
    const again = new MemorySessionStore();
    again.put(ticket);
    const replay = await connect(sc, clientConfig(again, { earlyData: bytes("pay 10") }));
    expect(replay.errors).toEqual([]);
    expect(replay.c.handshake!.resumed).toBe(true);
    expect(replay.c.handshake!.earlyData).toBe("rejected");
    expect(replay.s.handshake!.earlyData).toBe("none");
    expect(replay.s.earlyDataReceived).toBe(0);
    expect(replay.s.read()).toBeNull();
  });

  it("is refused by a server without maxEarlyData, and tickets then do not offer it", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ maxEarlyData: 0 });
    await connect(sc, clientConfig(store));
    const { c, s } = await connect(sc, clientConfig(store, { earlyData: bytes("x") }));
    expect(c.handshake!.earlyData).toBe("none"); // the ticket did not allow it, so nothing was sent
    expect(s.handshake!.resumed).toBe(true);
  });

  it("is rejected after a HelloRetryRequest; the handshake still completes", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ groups: ["secp256r1"] });
    const cc = (extra: Partial<ClientConfig> = {}) => clientConfig(store, { groups: ["x25519", "secp256r1"], ...extra });
    await connect(sc, cc());
    const { c, s, errors } = await connect(sc, cc({ earlyData: bytes("early") }));
    expect(errors).toEqual([]);
    expect(c.handshake!.helloRetry).toBe(true);
    expect(c.handshake!.earlyData).toBe("rejected");
    expect(s.read()).toBeNull();
  });

  it("refuses more 0-RTT data than max_early_data_size with unexpected_message", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ maxEarlyData: 16 });
    await connect(sc, clientConfig(store));
    // A client that ignores the ticket's limit: its stored session claims a larger one.
    const session = store.take("localhost")!;
    const lying = new MemorySessionStore();
    lying.put({ ...session, maxEarlyData: 4096 });
    const { errors } = await connect(sc, clientConfig(lying, { earlyData: new Uint8Array(100) }));
    expect(errors[0].side).toBe("b");
    expect(errors[0].error.alertName).toBe("unexpected_message");
    expect(errors[0].error.message).toMatch(/max_early_data_size/);
  });

  it("is not sent when the ticket's ALPN protocol is not among those offered now (§4.2.10)", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ alpnProtocols: ["h2", "http/1.1"] });
    await connect(sc, clientConfig(store, { alpnProtocols: ["h2"] }));
    const { c, s, errors } = await connect(sc, clientConfig(store, { alpnProtocols: ["http/1.1"], earlyData: bytes("GET / HTTP/1.1\r\n") }));
    expect(errors).toEqual([]);
    expect(c.handshake!.resumed).toBe(true);
    expect(c.handshake!.alpnProtocol).toBe("http/1.1");
    expect(c.handshake!.earlyData).toBe("none"); // never sent: the data was for h2
    expect(s.handshake!.earlyData).toBe("none");
    expect(s.earlyDataReceived).toBe(0);
  });

  it("is sent when the ticket's ALPN protocol is offered, among others", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ alpnProtocols: ["h2", "http/1.1"] });
    await connect(sc, clientConfig(store, { alpnProtocols: ["h2"] }));
    const { c, s, errors } = await connect(sc, clientConfig(store, { alpnProtocols: ["http/1.1", "h2"], earlyData: bytes("h2 frames") }));
    expect(errors).toEqual([]);
    expect(c.handshake!.alpnProtocol).toBe("h2");
    expect(c.handshake!.earlyData).toBe("accepted");
    expect(text(s.read())).toBe("h2 frames");
  });

  it("refuses with illegal_parameter a server that accepts 0-RTT under another ALPN protocol than the ticket's (§4.2.10)", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ alpnProtocols: ["http/1.1", "h2"] });
    await connect(sc, clientConfig(store, { alpnProtocols: ["http/1.1"] }));
    // The server's ticket says http/1.1 and it accepts 0-RTT under http/1.1, as it must; our stored
    // session is made to say h2, so to the client the server picked another protocol than the
    // ticket's while accepting the early data.
    const session = store.take("localhost")!;
    expect(session.alpnProtocol).toBe("http/1.1");
    const edited = new MemorySessionStore();
    edited.put({ ...session, alpnProtocol: "h2" });
    const { errors } = await connect(sc, clientConfig(edited, { alpnProtocols: ["h2", "http/1.1"], earlyData: bytes("x") }));
    expect(errors[0]?.side).toBe("a");
    expect(errors[0].error.alertName).toBe("illegal_parameter");
    expect(errors[0].error.message).toMatch(/accepted early data written for ALPN protocol "h2", but selected "http\/1\.1"/);
  });

  it("does not send more than the ticket's max_early_data_size", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ maxEarlyData: 8 });
    await connect(sc, clientConfig(store));
    const { c } = await connect(sc, clientConfig(store, { earlyData: bytes("123456789") }));
    expect(c.handshake!.earlyData).toBe("none");
  });
});
