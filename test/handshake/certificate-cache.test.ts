/**
 * The per-configuration cache of parsed peer certificates: it saves parsing only. A handshake
 * whose certificate was parsed before must still be validated from scratch (here: the clock moves
 * past the certificate's notAfter between two handshakes with the same configuration objects).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToAscii } from "../../src/bytes/index.js";
import { ClientConnection, ServerConnection, TLSError } from "../../src/index.js";
import { CertificateCache } from "../../src/handshake/config/certificate-cache.js";
import { CA_PEM, clientCredential, pemToDer, serverCredential } from "../helpers/fixtures.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";

const clientCred = clientCredential("p256");
const serverCred = serverCredential("p256");
const clientDer = pemToDer(clientCred.certPem)[0];
const serverDer = pemToDer(serverCred.certPem)[0];

describe("CertificateCache", () => {
  it("parses a DER once and answers repeats with the same parsed certificate", () => {
    const cache = new CertificateCache(4);
    const first = cache.parse(clientDer);
    expect(cache.parse(clientDer.slice())).toBe(first);
    expect(cache.parse(serverDer)).not.toBe(first);
    expect(first.subject.commonName ?? first.subject.text).toBeTruthy();
  });

  it("never caches a certificate that does not parse", () => {
    const cache = new CertificateCache(4);
    const broken = clientDer.slice(0, 100);
    expect(() => cache.parse(broken)).toThrow(TLSError);
    expect(() => cache.parse(broken)).toThrow(TLSError);
  });

  it("stays within its capacity, dropping the least recently used", () => {
    const cache = new CertificateCache(1);
    const client = cache.parse(clientDer);
    cache.parse(serverDer);
    expect(cache.parse(clientDer)).not.toBe(client);
  });

  it("keeps two certificates apart whose 32-bit cache keys collide: each lookup answers its own DER", () => {
    // FNV-1a (the cache's key), with its published test vectors first.
    const fnv1a = (bytes: Uint8Array, start = 0, h = 0x811c9dc5): number => {
      for (let i = start; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
      return h >>> 0;
    };
    expect(fnv1a(new Uint8Array(0))).toBe(0x811c9dc5);
    expect(fnv1a(Uint8Array.of(0x61))).toBe(0xe40c292c);
    // Variants of the client certificate that differ in three bytes spread over its signature value
    // (parsing does not check the signature): a birthday search finds two with one key. The hash
    // of the unchanged prefix is taken once.
    const at = clientDer.length - 40;
    const prefix = fnv1a(clientDer.subarray(0, at));
    const work = clientDer.slice();
    const setVariant = (der: Uint8Array, i: number): Uint8Array => {
      der[at] = i >>> 16;
      der[clientDer.length - 20] = (i >>> 8) & 0xff;
      der[clientDer.length - 1] = i & 0xff;
      return der;
    };
    const seen = new Map<number, number>();
    let pair: [Uint8Array, Uint8Array] | null = null;
    for (let i = 0; i < 1 << 22 && pair === null; i++) {
      const key = fnv1a(setVariant(work, i), at, prefix);
      const other = seen.get(key);
      if (other !== undefined) pair = [setVariant(clientDer.slice(), other), setVariant(clientDer.slice(), i)];
      else seen.set(key, i);
    }
    if (pair === null) throw new Error("no colliding pair in 2^22 variants");
    const [a, b] = pair;
    expect(fnv1a(a)).toBe(fnv1a(b));
    expect(a).not.toEqual(b);
    const cache = new CertificateCache(4);
    for (let round = 0; round < 3; round++) {
      expect(cache.parse(a).der).toEqual(a);
      expect(cache.parse(b).der).toEqual(b);
    }
  });

  it("parses again when an application altered a parsed certificate's DER", () => {
    const cache = new CertificateCache(4);
    const parsed = cache.parse(clientDer);
    parsed.der[10] ^= 1;
    const again = cache.parse(clientDer);
    expect(again).not.toBe(parsed);
    expect(again.der).toEqual(clientDer);
  });
});

describe("handshakes sharing configuration objects", () => {
  it("validate a cached client certificate again: an expired one is refused the second time", async () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const serverConfig: ServerConfig = {
      certificateChain: serverCred.certPem,
      privateKey: serverCred.keyPem,
      clientAuth: "require",
      trustAnchors: CA_PEM,
      now: () => now,
    };
    const clientConfig: ClientConfig = {
      serverName: "localhost",
      trustAnchors: CA_PEM,
      certificateChain: clientCred.certPem,
      privateKey: clientCred.keyPem,
    };
    const first = new ServerConnection(serverConfig);
    expect((await pumpMemory(new ClientConnection(clientConfig), first)).errors).toEqual([]);
    expect(first.handshake?.peerIdentity).not.toBeNull();

    now = new Date("2126-01-01T00:00:00Z");
    const second = new ServerConnection(serverConfig);
    const { errors } = await pumpMemory(new ClientConnection(clientConfig), second);
    const refusal = errors.find((e) => e.side === "b")?.error;
    expect(refusal?.alertName).toBe("certificate_expired");
  });
});

describe("bytesToAscii (PEM text, once the cache's key)", () => {
  it("gives Node's latin1 decoding of any bytes, on both sides of its 4 KiB chunks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 9000 }), (bytes) => {
        expect(bytesToAscii(bytes)).toBe(Buffer.from(bytes).toString("latin1"));
      }),
      { numRuns: 200 },
    );
    for (const length of [4095, 4096, 4097, 8192, 8193]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131) & 0xff);
      expect(bytesToAscii(bytes)).toBe(Buffer.from(bytes).toString("latin1"));
    }
  });
});
