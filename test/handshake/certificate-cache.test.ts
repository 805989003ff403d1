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

describe("bytesToAscii (the cache's key)", () => {
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
