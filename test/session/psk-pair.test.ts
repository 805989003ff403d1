/**
 * External PSKs (RFC 8446 §2.2, §4.2.9, §4.2.11) between our client and server. The binder is
 * recomputed with node:crypto from the RFC's formulas ("ext binder"), so the engine is checked
 * against an independent HMAC/HKDF and not only against itself.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { type ClientConfig, type ServerConfig, pumpMemory } from "../helpers/pump.js";

const KEY = new Uint8Array(randomBytes(32));
const server = serverCredential("p256");

async function handshake(sc: ServerConfig, cc: ClientConfig) {
  const hellos: Uint8Array[] = [];
  const sent: number[] = [];
  const s = new ServerConnection({ ...sc, onHandshakeMessage: (d, m) => d === "sent" && sent.push(m[0]) });
  const c = new ClientConnection({ ...cc, onHandshakeMessage: (d, m) => d === "sent" && m[0] === 1 && hellos.push(m.slice()) });
  const { errors } = await pumpMemory(c, s);
  return { s, c, errors, hellos, serverSent: sent };
}

function expandLabel(hash: string, prk: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const full = Buffer.from("tls13 " + label, "ascii");
  const info = Buffer.concat([Buffer.from([length >> 8, length & 255, full.length]), full, Buffer.from([context.length]), context]);
  return new Uint8Array(createHmac(hash, prk).update(Buffer.concat([info, Buffer.from([1])])).digest()).subarray(0, length);
}

function nodeExternalBinder(psk: Uint8Array, truncated: Uint8Array): Uint8Array {
  const early = createHmac("sha256", Buffer.alloc(32)).update(psk).digest();
  const binderKey = expandLabel("sha256", early, "ext binder", createHash("sha256").digest(), 32);
  const finishedKey = expandLabel("sha256", binderKey, "finished", new Uint8Array(0), 32);
  return new Uint8Array(createHmac("sha256", finishedKey).update(createHash("sha256").update(truncated).digest()).digest());
}

describe("external PSKs between our client and server", () => {
  it("complete a certificate-free handshake with psk_dhe_ke", async () => {
    const { s, c, errors, hellos, serverSent } = await handshake(
      { externalPsks: [{ identity: "device-17", key: KEY }] },
      { serverName: "localhost", externalPsk: { identity: "device-17", key: KEY } },
    );
    expect(errors).toEqual([]);
    expect(s.handshake!.pskIdentity).toBe("device-17");
    expect(c.handshake!.pskIdentity).toBe("device-17");
    expect(c.handshake!.group).toBe("x25519");
    expect(c.handshake!.peerCertificates).toEqual([]);
    expect(serverSent).not.toContain(11); // no Certificate
    const ch = hellos[0];
    expect(ch.subarray(ch.length - 32)).toEqual(nodeExternalBinder(KEY, ch.subarray(0, ch.length - 35)));
    c.write(new TextEncoder().encode("sensor reading"));
    await pumpMemory(c, s);
    expect(new TextDecoder().decode(s.read()!)).toBe("sensor reading");
  });

  it("use the PSK alone with psk_ke when both sides allow only that", async () => {
    const { s, c, errors } = await handshake(
      { externalPsks: [{ identity: "device-17", key: KEY }], pskKeyExchangeModes: ["psk_ke"] },
      { externalPsk: { identity: "device-17", key: KEY }, pskKeyExchangeModes: ["psk_ke"] },
    );
    expect(errors).toEqual([]);
    expect(s.handshake!.group).toBe("none (psk_ke)");
    expect(c.handshake!.group).toBe("none (psk_ke)");
  });

  it("work with a SHA-384 PSK and a SHA-384 suite", async () => {
    const key = new Uint8Array(randomBytes(48));
    const { c, errors } = await handshake(
      { externalPsks: [{ identity: "big", key, hash: "SHA-384" }] },
      { externalPsk: { identity: "big", key, hash: "SHA-384" } },
    );
    expect(errors).toEqual([]);
    expect(c.handshake!.cipherSuite).toBe("TLS_AES_256_GCM_SHA384");
  });

  it("refuse a client holding a different key for the identity (decrypt_error)", async () => {
    const { errors } = await handshake(
      { externalPsks: [{ identity: "device-17", key: KEY }] },
      { externalPsk: { identity: "device-17", key: new Uint8Array(32) } },
    );
    expect(errors[0].side).toBe("b");
    expect(errors[0].error.alertName).toBe("decrypt_error");
  });

  it("fall back to the certificate when the server does not know the identity", async () => {
    const withCert = await handshake(
      { certificateChain: server.certPem, privateKey: server.keyPem, externalPsks: [{ identity: "other", key: KEY }] },
      { serverName: "localhost", trustAnchors: CA_PEM, externalPsk: { identity: "device-17", key: KEY } },
    );
    expect(withCert.errors).toEqual([]);
    expect(withCert.c.handshake!.pskIdentity).toBeNull();
    expect(withCert.c.handshake!.peerIdentity!.dnsNames).toContain("localhost");
    const withoutCert = await handshake({ externalPsks: [{ identity: "other", key: KEY }] }, { externalPsk: { identity: "device-17", key: KEY } });
    expect(withoutCert.errors[0].error.alertName).toBe("handshake_failure");
  });

  it("refuse a PSK shorter than 16 bytes", () => {
    expect(() => new ServerConnection({ externalPsks: [{ identity: "x", key: new Uint8Array(8) }] })).toThrow(/at least 16 bytes/);
  });
});
