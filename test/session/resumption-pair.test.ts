/**
 * Resumption with tickets between our client and server (RFC 8446 §2.2, §4.2.11, §4.6.1). The
 * binder and the resumption PSK are recomputed here with node:crypto (an independent HKDF/HMAC)
 * from the RFC's formulas, so the engine is not only checked against itself.
 */
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError } from "../../src/index.js";
import { MemorySessionStore, type ResumableSession } from "../../src/handshake/resumption/session-store.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientHelloExtensions } from "../helpers/framing.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";

const server = serverCredential("p256");
const client = clientCredential("p256");

/** Handshake message types each side sent in the current handshake, and the client's ClientHellos. */
let sent = { client: [] as number[], server: [] as number[] };
let clientHellos: Uint8Array[] = [];

// The server must keep one config object across connections: its ticket keys belong to it.
function serverConfig(extra: Partial<ServerConfig> = {}): ServerConfig {
  return {
    certificateChain: server.certPem,
    privateKey: server.keyPem,
    trustAnchors: CA_PEM,
    clientAuth: "require",
    tickets: 2,
    onHandshakeMessage: (d, m) => d === "sent" && sent.server.push(m[0]),
    ...extra,
  };
}

function clientConfig(store: MemorySessionStore, extra: Partial<ClientConfig> = {}): ClientConfig {
  return {
    serverName: "localhost",
    trustAnchors: CA_PEM,
    certificateChain: client.certPem,
    privateKey: client.keyPem,
    sessionStore: store,
    onHandshakeMessage: (d, m) => {
      if (d === "sent") sent.client.push(m[0]);
      if (d === "sent" && m[0] === 1) clientHellos.push(m.slice());
    },
    ...extra,
  };
}

/** Whether a ClientHello's last extension is pre_shared_key (41), read straight from the bytes. */
function offersPsk(ch: Uint8Array): boolean {
  const types = [...clientHelloExtensions(ch).keys()];
  return types[types.length - 1] === 41;
}

/** One handshake in memory. */
async function handshake(sc: ServerConfig, cc: ClientConfig) {
  sent = { client: [], server: [] };
  clientHellos = [];
  const s = new ServerConnection(sc);
  const c = new ClientConnection(cc);
  const { errors } = await pumpMemory(c, s);
  return { s, c, errors, sent, clientHellos };
}

// HKDF-Expand-Label (RFC 8446 §7.1) on node:crypto: one HKDF-Expand block is HMAC(PRK, info || 0x01).
function expandLabelOneBlock(hash: string, prk: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const full = Buffer.from("tls13 " + label, "ascii");
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([context.length]), context]);
  return new Uint8Array(createHmac(hash, prk).update(Buffer.concat([info, Buffer.from([1])])).digest()).subarray(0, length);
}

/**
 * §4.2.11.2 binder for a resumption PSK, on node:crypto, over `prefix` (empty, or what a
 * HelloRetryRequest put before the second ClientHello) and the truncated ClientHello.
 */
function nodeBinder(psk: Uint8Array, truncatedClientHello: Uint8Array, prefix: Uint8Array = new Uint8Array(0)): Uint8Array {
  const early = createHmac("sha256", Buffer.alloc(32)).update(psk).digest(); // HKDF-Extract(0, PSK)
  const emptyHash = createHash("sha256").digest();
  const binderKey = expandLabelOneBlock("sha256", early, "res binder", emptyHash, 32);
  const finishedKey = expandLabelOneBlock("sha256", binderKey, "finished", new Uint8Array(0), 32);
  return new Uint8Array(createHmac("sha256", finishedKey).update(createHash("sha256").update(prefix).update(truncatedClientHello).digest()).digest());
}

describe("resumption between our client and server", () => {
  it("stores the server's tickets and resumes with psk_dhe_ke, keeping both identities", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig();
    const first = await handshake(sc, clientConfig(store));
    expect(first.errors).toEqual([]);
    expect(first.c.handshake!.resumed).toBe(false);
    expect(store.size).toBe(2);

    const second = await handshake(sc, clientConfig(store));
    expect(second.errors).toEqual([]);
    expect(second.c.handshake!.resumed).toBe(true);
    expect(second.s.handshake!.resumed).toBe(true);
    // §2.2: no Certificate (11), CertificateVerify (15) or CertificateRequest (13) in a PSK handshake.
    for (const type of [11, 13, 15]) {
      expect(second.sent.server).not.toContain(type);
      expect(second.sent.client).not.toContain(type);
    }
    // The identities proven by the original certificates survive resumption.
    expect(second.s.handshake!.peerIdentity!.spiffeId).toBe("spiffe://mutls.test/client/p256");
    expect(second.s.handshake!.peerCertificates[0]).toEqual(client.certDer);
    expect(second.c.handshake!.peerIdentity!.dnsNames).toEqual(first.c.handshake!.peerIdentity!.dnsNames);
    expect(second.c.handshake!.peerCertificates[0]).toEqual(server.certDer);
    // One ticket consumed (§C.4), two new ones from the resumed handshake.
    expect(store.size).toBe(3);

    second.c.write(new TextEncoder().encode("after resumption"));
    await pumpMemory(second.c, second.s);
    expect(new TextDecoder().decode(second.s.read()!)).toBe("after resumption");
  });

  it("puts a binder in the ClientHello that node:crypto recomputes from the ticket's PSK", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ tickets: 1 });
    await handshake(sc, clientConfig(store));
    const session = store.take("localhost")!;
    const peek = new MemorySessionStore();
    peek.put(session);
    const second = await handshake(sc, clientConfig(peek));
    expect(second.c.handshake!.resumed).toBe(true);
    const ch = second.clientHellos[0];
    const truncated = ch.subarray(0, ch.length - 35); // binders list: u16 length, u8 length, 32 bytes
    expect(ch.subarray(ch.length - 35, ch.length - 32)).toEqual(new Uint8Array([0, 33, 32]));
    expect(ch.subarray(ch.length - 32)).toEqual(nodeBinder(session.psk, truncated));
  });

  it("resumes after a HelloRetryRequest, binding the retry into the binder transcript", async () => {
    const store = new MemorySessionStore();
    let retryRequest: Uint8Array | null = null;
    const sc = serverConfig({
      groups: ["x25519"],
      tickets: 1,
      onHandshakeMessage: (d, m) => {
        if (d !== "sent") return;
        sent.server.push(m[0]);
        if (m[0] === 2 && retryRequest === null) retryRequest = m.slice(); // the first ServerHello is the HelloRetryRequest
      },
    });
    const cc = clientConfig(store, { groups: ["secp256r1", "x25519"], keyShareGroups: ["secp256r1"] });
    const first = await handshake(sc, cc);
    expect(first.c.handshake!.helloRetry).toBe(true);
    const session = store.take("localhost")!;
    store.put(session);
    retryRequest = null;
    const second = await handshake(sc, cc);
    expect(second.errors).toEqual([]);
    expect(second.c.handshake!.helloRetry).toBe(true);
    expect(second.s.handshake!.resumed).toBe(true);
    expect(second.c.handshake!.resumed).toBe(true);
    // §4.2.11.2 with §4.4.1: Transcript-Hash(message_hash(ClientHello1), HelloRetryRequest, Truncate(ClientHello2)),
    // recomputed with node:crypto (golang/go#59424 is a client that got this wrong).
    const [clientHello1, clientHello2] = second.clientHellos;
    const messageHash = Buffer.concat([Buffer.from([254, 0, 0, 32]), createHash("sha256").update(clientHello1).digest()]);
    const prefix = Buffer.concat([messageHash, retryRequest!]);
    const truncated = clientHello2.subarray(0, clientHello2.length - 35);
    expect(clientHello2.subarray(clientHello2.length - 32)).toEqual(nodeBinder(session.psk, truncated, prefix));
  });

  it("refuses a ClientHello whose binder was altered (decrypt_error)", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig();
    await handshake(sc, clientConfig(store));
    const c = new ClientConnection(clientConfig(store));
    const s = new ServerConnection(sc);
    const hello = c.takeOutput()!.slice();
    hello[hello.length - 1] ^= 1; // the last byte of the ClientHello is the binder's last byte
    let error: unknown;
    try {
      s.receive(hello);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("decrypt_error");
  });

  it("does a full handshake when the ticket's lifetime has run out, on either clock", async () => {
    const store = new MemorySessionStore();
    let serverNow = Date.now();
    const sc = serverConfig({ ticketLifetime: 60, now: () => new Date(serverNow) });
    await handshake(sc, clientConfig(store));
    // The client's clock says expired: it does not offer the ticket.
    const later = Date.now() + 61_000;
    const clientSide = await handshake(sc, clientConfig(store, { now: () => new Date(later) }));
    expect(clientSide.c.handshake!.resumed).toBe(false);
    expect(clientSide.sent.server).toContain(11);
    // That handshake's new tickets reached the client at `later`. The server's clock says they
    // expired; the client's does not, so it offers one and the server declines it.
    serverNow += 61_000;
    const serverSide = await handshake(sc, clientConfig(store, { now: () => new Date(later + 1000) }));
    expect(serverSide.errors).toEqual([]);
    expect(offersPsk(serverSide.clientHellos[0])).toBe(true);
    expect(offersPsk(clientSide.clientHellos[0])).toBe(false);
    expect(serverSide.s.handshake!.resumed).toBe(false);
    expect(serverSide.c.handshake!.resumed).toBe(false);
  });

  it("applies the current authorization policy to a resumed client", async () => {
    const store = new MemorySessionStore();
    let allowed = true;
    const sc = serverConfig({ authorizePeer: () => allowed || "revoked by policy" });
    await handshake(sc, clientConfig(store));
    allowed = false;
    const second = await handshake(sc, clientConfig(store));
    expect(second.errors.map((e) => e.error.alertName)).toContain("access_denied");
  });

  it("does not offer a ticket to a different server name", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig();
    await handshake(sc, clientConfig(store));
    const other = await handshake(sc, clientConfig(store, { serverName: "other.test", verifyPeer: () => ({}) as never }));
    expect(offersPsk(other.clientHellos[0])).toBe(false);
    const same = await handshake(sc, clientConfig(store));
    expect(offersPsk(same.clientHellos[0])).toBe(true);
  });

  it("keeps sessions in a bounded store", () => {
    const store = new MemorySessionStore(2, 1);
    const session = (name: string): ResumableSession => ({
      serverName: name, ticket: new Uint8Array([1]), cipherSuite: 0x1301, psk: new Uint8Array(32), ticketAgeAdd: 0,
      lifetime: 10, receivedAt: 0, maxEarlyData: 0, alpnProtocol: null, serverCertificates: [],
    });
    store.put(session("a"));
    store.put(session("b"));
    store.put(session("c"));
    expect(store.take("a")).toBeUndefined();
    expect(store.take("c")?.serverName).toBe("c");
    expect(store.size).toBe(1);
  });
});
