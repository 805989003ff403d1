/**
 * The early exporter (RFC 8446 §7.5 over early_exporter_master_secret, §7.1). Outside truth: the
 * RFC 8448 §4 trace prints `derive secret "tls13 e exp master"`; node:crypto's HMAC recomputes
 * TLS-Exporter from that secret; and our client and server, which derive it independently, must
 * agree. test/peers/openssl-early-exporter.test.ts checks the secret against OpenSSL's key log.
 */
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { CIPHER_SUITES } from "../../src/handshake/codec/constants.js";
import { deriveEarlyExporter, exportEarlyKeyingMaterial } from "../../src/handshake/resumption/early-exporter.js";
import { EarlySecret, SuiteKdf } from "../../src/handshake/key-schedule.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";
import { item, loadSection, step } from "../helpers/rfc8448.js";

const AES_128_GCM_SHA256 = CIPHER_SUITES.find((s) => s.name === "TLS_AES_128_GCM_SHA256")!;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** RFC 5869 HKDF-Expand with RFC 8446 §7.1's HkdfLabel, written with node:crypto's HMAC only. */
function nodeExpandLabel(prk: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const full = Buffer.from("tls13 " + label, "ascii");
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([context.length]), context]);
  const out: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i++) {
    t = createHmac("sha256", prk).update(Buffer.concat([t, info, Buffer.from([i])])).digest();
    out.push(t);
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, length));
}

/** RFC 8446 §7.5 TLS-Exporter for a SHA-256 suite, by node:crypto. */
function nodeExporter(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const empty = createHash("sha256").digest();
  const derived = nodeExpandLabel(secret, label, empty, 32);
  return nodeExpandLabel(derived, "exporter", createHash("sha256").update(context).digest(), length);
}

describe("early_exporter_master_secret against RFC 8448 §4", () => {
  const s = loadSection(4);
  const psk = item(step(s, "client", 'extract secret "early"'), "IKM");
  // The "construct" step prints the ClientHello before its binder; the record sent holds it whole.
  const clientHello = item(step(s, "client", "send handshake record"), "payload");
  const rfc = step(s, "client", 'derive secret "tls13 e exp master"');

  it("derives the RFC's value from the PSK and the ClientHello", () => {
    const schedule = new EarlySecret(new SuiteKdf(pureProvider, AES_128_GCM_SHA256), psk);
    expect(toHex(schedule.secret)).toBe(toHex(item(rfc, "PRK")));
    const clientHelloHash = pureProvider.hash("SHA-256", clientHello);
    expect(toHex(clientHelloHash)).toBe(toHex(item(rfc, "hash")));
    expect(toHex(schedule.earlyExporterMasterSecret(clientHelloHash))).toBe(toHex(item(rfc, "expanded")));
    const exporter = deriveEarlyExporter(pureProvider, AES_128_GCM_SHA256, psk, clientHello);
    expect(toHex(exporter.secret)).toBe(toHex(item(rfc, "expanded")));
  });

  it("exports what node:crypto computes from the RFC's secret (§7.5)", () => {
    const exporter = deriveEarlyExporter(pureProvider, AES_128_GCM_SHA256, psk, clientHello);
    const secret = item(rfc, "expanded");
    for (const [label, context, length] of [
      ["EXPERIMENTAL early", new Uint8Array(0), 32],
      ["EXPERIMENTAL early", bytes("context"), 16],
      ["a", bytes("x".repeat(300)), 100],
    ] as const) {
      expect(toHex(exportEarlyKeyingMaterial(exporter, label, context, length))).toBe(toHex(nodeExporter(secret, label, context, length)));
    }
    // §7.5: a missing context equals an empty one.
    expect(toHex(exportEarlyKeyingMaterial(exporter, "EXPERIMENTAL early", undefined, 32))).toBe(
      toHex(nodeExporter(secret, "EXPERIMENTAL early", new Uint8Array(0), 32)),
    );
  });
});

const server = serverCredential("p256");
const serverConfig = (extra: Partial<ServerConfig> = {}): ServerConfig => ({
  certificateChain: server.certPem,
  privateKey: server.keyPem,
  tickets: 2,
  maxEarlyData: 1024,
  ...extra,
});
const clientConfig = (store: MemorySessionStore, extra: Partial<ClientConfig> = {}): ClientConfig => ({
  serverName: "localhost",
  trustAnchors: CA_PEM,
  sessionStore: store,
  ...extra,
});

const CASES = [
  ["EXPERIMENTAL early exporter", undefined, 32],
  ["EXPERIMENTAL early exporter", new Uint8Array(0), 32],
  ["EXPERIMENTAL early exporter", bytes("context"), 32],
  ["EXPERIMENTAL other", new Uint8Array(0), 1],
  ["EXPERIMENTAL other", bytes("another context"), 200],
] as const;

/** The keyLog lines with `label`, as [client_random, secret]. */
const logged = (lines: string[], label: string): string[][] =>
  lines.filter((l) => l.startsWith(label + " ")).map((l) => l.split(" ").slice(1));

describe("early exporter between our client and server", () => {
  it("agrees on 0-RTT resumption, from the ClientHello on, and logs EARLY_EXPORTER_SECRET on both sides", async () => {
    const store = new MemorySessionStore();
    const clientLog: string[] = [];
    const serverLog: string[] = [];
    const sc = serverConfig({ keyLog: (l) => serverLog.push(l) });
    const first = { s: new ServerConnection(sc), c: new ClientConnection(clientConfig(store)) };
    expect((await pumpMemory(first.c, first.s)).errors).toEqual([]);
    // A full handshake offers no PSK: no early exporter on either side.
    expect(() => first.c.exportEarlyKeyingMaterial(32, "EXPERIMENTAL x")).toThrow(/needs a PSK/);
    expect(() => first.s.exportEarlyKeyingMaterial(32, "EXPERIMENTAL x")).toThrow(/needs a PSK/);
    serverLog.length = 0;

    const c = new ClientConnection(clientConfig(store, { earlyData: bytes("early"), keyLog: (l) => clientLog.push(l) }));
    const s = new ServerConnection(sc);
    // Available as soon as the ClientHello is sent / received, before the handshake completes.
    const clientValues = CASES.map(([l, ctx, n]) => toHex(c.exportEarlyKeyingMaterial(n, l, ctx)));
    s.receive(c.takeOutput()!);
    expect(s.handshakeComplete).toBe(false);
    const serverValues = CASES.map(([l, ctx, n]) => toHex(s.exportEarlyKeyingMaterial(n, l, ctx)));
    expect(serverValues).toEqual(clientValues);
    expect((await pumpMemory(c, s)).errors).toEqual([]);
    expect(c.handshake!.earlyData).toBe("accepted");
    expect(CASES.map(([l, ctx, n]) => toHex(s.exportEarlyKeyingMaterial(n, l, ctx)))).toEqual(clientValues);
    expect(new Set(clientValues).size).toBe(CASES.length - 1); // undefined and empty context agree (§7.5)
    // A different secret from the regular exporter's.
    expect(toHex(c.exportKeyingMaterial(32, CASES[0][0], CASES[0][1]))).not.toBe(clientValues[0]);

    const clientLine = logged(clientLog, "EARLY_EXPORTER_SECRET");
    const serverLine = logged(serverLog, "EARLY_EXPORTER_SECRET");
    expect(clientLine).toHaveLength(1);
    expect(serverLine).toEqual(clientLine);
    expect(clientLine[0][0]).toBe(logged(clientLog, "CLIENT_EARLY_TRAFFIC_SECRET")[0][0]);
    // The logged secret is the one the exporter uses: recompute a value from it with node:crypto.
    const secret = Buffer.from(clientLine[0][1], "hex");
    expect(clientValues[2]).toBe(toHex(nodeExporter(secret, CASES[2][0], CASES[2][1], 32)));
  });

  it("agrees with an external PSK (no 0-RTT, so nothing logged, as OpenSSL does)", async () => {
    const key = new Uint8Array(32).fill(7);
    const log: string[] = [];
    const s = new ServerConnection(serverConfig({ externalPsks: [{ identity: "device-9", key }], keyLog: (l) => log.push(l) }));
    const c = new ClientConnection({ serverName: "localhost", externalPsk: { identity: "device-9", key }, keyLog: (l) => log.push(l) });
    expect((await pumpMemory(c, s)).errors).toEqual([]);
    expect(s.handshake!.pskIdentity).toBe("device-9");
    for (const [l, ctx, n] of CASES) expect(toHex(s.exportEarlyKeyingMaterial(n, l, ctx))).toBe(toHex(c.exportEarlyKeyingMaterial(n, l, ctx)));
    expect(logged(log, "EARLY_EXPORTER_SECRET")).toEqual([]);
  });

  it("is withdrawn on both sides after a HelloRetryRequest", async () => {
    const store = new MemorySessionStore();
    const sc = serverConfig({ groups: ["secp256r1"] });
    const cc = (extra: Partial<ClientConfig> = {}) => clientConfig(store, { groups: ["x25519", "secp256r1"], ...extra });
    await pumpMemory(new ClientConnection(cc()), new ServerConnection(sc));
    const c = new ClientConnection(cc());
    const s = new ServerConnection(sc);
    expect(c.exportEarlyKeyingMaterial(16, "EXPERIMENTAL x")).toHaveLength(16);
    expect((await pumpMemory(c, s)).errors).toEqual([]);
    expect(c.handshake!.helloRetry).toBe(true);
    expect(c.handshake!.resumed).toBe(true);
    expect(() => c.exportEarlyKeyingMaterial(16, "EXPERIMENTAL x")).toThrow(/HelloRetryRequest/);
    expect(() => s.exportEarlyKeyingMaterial(16, "EXPERIMENTAL x")).toThrow(/HelloRetryRequest/);
  });

  it("reports a bad label or length as the regular exporter does", async () => {
    const key = new Uint8Array(32).fill(3);
    const c = new ClientConnection({ serverName: "localhost", externalPsk: { identity: "d", key } });
    expect(() => c.exportEarlyKeyingMaterial(16, "")).toThrow(RangeError);
    expect(() => c.exportEarlyKeyingMaterial(0, "EXPERIMENTAL x")).toThrow(RangeError);
    expect(() => c.exportEarlyKeyingMaterial(255 * 32 + 1, "EXPERIMENTAL x")).toThrow(RangeError);
  });
});
