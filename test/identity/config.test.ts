/**
 * The trust and identity settings of ClientConfig/ServerConfig, end to end in memory:
 * several client certificates chosen by the server's CertificateRequest, certificate_authorities
 * on and off, SPKI pins in their accepted spellings, CRLs, and the webpki profile switch.
 * The certificates are the committed OpenSSL-made fixtures (test/fixtures/certs/make.sh).
 */
import { createHash, X509Certificate } from "node:crypto";
import { describe, expect, test } from "vitest";
import { ClientConnection, ServerConnection, UsageError } from "../../src/index.js";
import { CA_PEM, clientCredential, credential, serverCredential } from "../helpers/fixtures.js";
import { pumpMemory, type ClientConfig, type ServerConfig } from "../helpers/pump.js";

const SERVER = serverCredential("p256");
const GOOD = clientCredential("p256");
const ED25519 = clientCredential("ed25519");
const STRANGER = credential("untrusted-client");
const pair = (c: { certPem: string; keyPem: string }) => ({ certificateChain: c.certPem, privateKey: c.keyPem });

async function handshake(client: Partial<ClientConfig>, server: Partial<ServerConfig> = {}) {
  const s = new ServerConnection({ ...pair(SERVER), clientAuth: "require", trustAnchors: CA_PEM, ...server });
  const c = new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, ...client });
  const { errors } = await pumpMemory(c, s);
  return { c, s, errors: errors.map((e) => `${e.side === "a" ? "client" : "server"}: ${e.error.alertName}`) };
}

/** SHA-256 of the SPKI as OpenSSL/Node compute it. */
const pinHex = (pem: string) => createHash("sha256").update(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" })).digest();

describe("several client certificates", () => {
  test("the one under an advertised CA is chosen, wherever it is in the list", async () => {
    const notSent: string[] = [];
    const { s, errors } = await handshake({ certificates: [pair(STRANGER), pair(GOOD)], onClientCertificateNotSent: (r) => notSent.push(r) });
    expect(errors).toEqual([]);
    expect(Buffer.from(s.handshake!.peerCertificates[0]).equals(Buffer.from(GOOD.certDer))).toBe(true);
    expect(notSent).toEqual([]);
  });

  test("with certificate_authorities off, the first whose key fits is sent (and here refused)", async () => {
    const { errors } = await handshake({ certificates: [pair(STRANGER), pair(GOOD)] }, { advertiseCertificateAuthorities: false });
    expect(errors).toContain("server: unknown_ca");
  });

  test("signature_algorithms decide too: an Ed25519 key is skipped when the server accepts only ECDSA", async () => {
    const notSent: string[] = [];
    const only = await handshake({ certificates: [pair(ED25519)], onClientCertificateNotSent: (r) => notSent.push(r) }, { signatureSchemes: ["ecdsa_secp256r1_sha256"] });
    expect(only.errors).toContain("server: certificate_required");
    expect(notSent).toEqual([
      "no client certificate was sent: none of the 1 configured client certificate(s) has a key that signs with one of the server's signature_algorithms",
    ]);
    const both = await handshake({ certificates: [pair(ED25519), pair(GOOD)] }, { signatureSchemes: ["ecdsa_secp256r1_sha256"] });
    expect(both.errors).toEqual([]);
  });

  test("certificateChain and certificates together are a configuration error", () => {
    expect(() => new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, ...pair(GOOD), certificates: [pair(GOOD)] })).toThrow(TypeError);
  });

  test("configuration errors are UsageError (a TypeError), thrown at construction, and name the option", () => {
    const misuses: [() => unknown, RegExp][] = [
      [() => new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, ...pair(GOOD), certificates: [pair(GOOD)] }), /either certificateChain\/privateKey or certificates/],
      [() => new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, groups: ["secp521r1" as never] }), /unsupported group "secp521r1"/],
      [() => new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, limits: { maxEmptyRecords: 0 } }), /limits\.maxEmptyRecords/],
      [() => new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, spkiPins: ["not a pin"] }), /SPKI pin "not a pin"/],
      [() => new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, recordSizeLimit: 63 }), /recordSizeLimit/],
    ];
    for (const [misuse, message] of misuses) {
      let thrown: unknown = null;
      try {
        misuse();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, String(message)).toBeInstanceOf(UsageError);
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).name).toBe("UsageError");
      expect((thrown as Error).message).toMatch(message);
    }
  });
});

describe("SPKI pins", () => {
  const pin = pinHex(SERVER.certPem);
  test.each([
    ["bytes", new Uint8Array(pin)],
    ["hex", pin.toString("hex")],
    ["base64", pin.toString("base64")],
    ["sha256/base64", `sha256/${pin.toString("base64")}`],
  ])("%s, without a CA", async (_, spelling) => {
    const { errors } = await handshake({ trustAnchors: undefined, spkiPins: [spelling] }, { clientAuth: "none" });
    expect(errors).toEqual([]);
  });

  test("a pin of another key is refused (bad_certificate)", async () => {
    const { errors } = await handshake({ trustAnchors: undefined, spkiPins: [pinHex(GOOD.certPem)] }, { clientAuth: "none" });
    expect(errors).toContain("client: bad_certificate");
  });

  test("a pin that is not a SHA-256 digest is a configuration error", () => {
    expect(() => new ClientConnection({ serverName: "localhost", spkiPins: ["abcd"] })).toThrow(/not a SHA-256 digest/);
  });
});

describe("server certificate_authorities", () => {
  test("is on by default for a short anchor list, and names the anchors", async () => {
    const seen: string[] = [];
    await handshake({ certificates: [pair(GOOD)], onClientCertificateNotSent: (r) => seen.push(r) }, { trustAnchors: CA_PEM });
    expect(seen).toEqual([]);
    // A client whose only certificate hangs from another CA is told which CAs were asked for.
    const told: string[] = [];
    await handshake({ certificates: [pair(STRANGER)], onClientCertificateNotSent: (r) => told.push(r) });
    expect(told[0]).toContain(`certificate_authorities: ${new X509Certificate(CA_PEM).subject.split("\n").reverse().join(", ")}`);
  });
});

describe("certificateProfile", () => {
  test('"webpki" adds the CA/B Forum rules: the fixture server CN "localhost (p256)" is not one of its SANs', async () => {
    expect(new X509Certificate(SERVER.certPem).subject).toContain("localhost (p256)");
    const strict = await handshake({ certificateProfile: "webpki" }, { clientAuth: "none" });
    expect(strict.errors).toContain("client: bad_certificate");
    expect(strict.c.error?.message).toContain('has commonName "localhost (p256)", which is not one of its subjectAltName values (CA/B BR §7.1.4.3)');
    const fine = await handshake({}, { clientAuth: "none" });
    expect(fine.errors).toEqual([]);
  });
});
