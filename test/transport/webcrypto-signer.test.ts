/**
 * `webCryptoSigner`: CertificateVerify signatures from a non-extractable WebCrypto key (Node's
 * `crypto.subtle`). Signatures are checked by the pure provider with the public key the runtime
 * exports, and in full mutual handshakes whose peer checks them against the OpenSSL-made test
 * certificates (test/fixtures/certs/make.sh).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { webcrypto } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TLSError, UsageError } from "../../src/bytes/index.js";
import type { PublicKey } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import type { WebCryptoKey } from "../../src/crypto/webcrypto/index.js";
import { signatureSchemeByName } from "../../src/handshake/codec/constants.js";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { webCryptoSigner } from "../../src/transport/webcrypto-signer.js";
import { CA_PEM, type KeyType, clientCredential, pemToDer, serverCredential } from "../helpers/fixtures.js";
import { pumpMemory } from "../helpers/pump.js";

const subtle = globalThis.crypto.subtle;
const message = new TextEncoder().encode("TLS 1.3, server CertificateVerify\0 and a transcript hash");

async function publicKeyOf(pair: webcrypto.CryptoKeyPair): Promise<PublicKey> {
  const algorithm = pair.publicKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name === "ECDSA") {
    return { kind: "ec", curve: algorithm.namedCurve as "P-256" | "P-384", point: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)) };
  }
  if (algorithm.name === "Ed25519") return { kind: "ed25519", key: new Uint8Array(await subtle.exportKey("raw", pair.publicKey)) };
  const jwk = await subtle.exportKey("jwk", pair.publicKey);
  const big = (b64: string) => BigInt(`0x${Buffer.from(b64, "base64url").toString("hex")}`);
  return { kind: "rsa", n: big(jwk.n!), e: big(jwk.e!), pssOnly: false };
}

const KEYS = [
  { params: { name: "ECDSA", namedCurve: "P-256" }, schemes: ["ecdsa_secp256r1_sha256"] },
  { params: { name: "ECDSA", namedCurve: "P-384" }, schemes: ["ecdsa_secp384r1_sha384"] },
  { params: { name: "Ed25519" }, schemes: ["ed25519"] },
  {
    params: { name: "RSA-PSS", modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-384" },
    schemes: ["rsa_pss_rsae_sha384"],
  },
] as const;

describe("webCryptoSigner with a generated, non-extractable key", () => {
  for (const { params, schemes } of KEYS) {
    it(`${params.name} ${"namedCurve" in params ? params.namedCurve : ""}: signs what the pure provider verifies`, async () => {
      const pair = (await subtle.generateKey(params, false, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
      expect(pair.privateKey.extractable).toBe(false);
      const signer = webCryptoSigner(pair.privateKey as WebCryptoKey);
      expect(signer.schemes).toEqual(schemes);
      const signature = await signer.sign(schemes[0], message);
      const key = await publicKeyOf(pair);
      const { algorithm } = signatureSchemeByName(schemes[0]);
      expect(pureProvider.verify(algorithm, key, message, signature)).toBe(true);
      expect(pureProvider.verify(algorithm, key, message.subarray(1), signature)).toBe(false);
      // A scheme the key cannot make is refused, not silently mis-signed.
      expect(() => signer.sign(schemes[0] === "ed25519" ? "ecdsa_secp256r1_sha256" : "ed25519", message)).toThrow(TLSError);
    }, 60_000);
  }

  it("refuses keys that cannot sign a TLS 1.3 handshake", async () => {
    const pkcs1 = (await subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: "SHA-256" },
      false,
      ["sign", "verify"],
    )) as webcrypto.CryptoKeyPair;
    expect(() => webCryptoSigner(pkcs1.privateKey as WebCryptoKey)).toThrow(/RFC 8446 §4.2.3/);
    const ec = (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
    expect(() => webCryptoSigner(ec.publicKey as WebCryptoKey)).toThrow(UsageError);
    expect(() => webCryptoSigner(ec.privateKey as WebCryptoKey, { pssOnly: true })).toThrow(/pssOnly/);
    const p521 = (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-521" }, false, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
    expect(() => webCryptoSigner(p521.privateKey as WebCryptoKey)).toThrow(/P-521/);
  });

  it("an Ed25519 signature is the RFC 8032 one for the same seed (deterministic)", async () => {
    const seed = new Uint8Array(32).fill(9);
    const pkcs8 = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed);
    const key = await subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    const signature = await webCryptoSigner(key as WebCryptoKey).sign("ed25519", message);
    expect(Buffer.from(signature).toString("hex")).toBe(Buffer.from(ed25519.sign(message, seed)).toString("hex"));
  });
});

/** The fixture's PKCS#8 key imported into WebCrypto as non-extractable, for the algorithm its certificate names. */
async function importFixtureKey(type: KeyType, role: "server" | "client"): Promise<WebCryptoKey> {
  const credential = role === "server" ? serverCredential(type) : clientCredential(type);
  const der = pemToDer(credential.keyPem, "PRIVATE KEY")[0];
  const params =
    type === "p256"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : type === "p384"
        ? { name: "ECDSA", namedCurve: "P-384" }
        : type === "ed25519"
          ? { name: "Ed25519" }
          : { name: "RSA-PSS", hash: "SHA-256" };
  return (await subtle.importKey("pkcs8", der, params, false, ["sign"])) as WebCryptoKey;
}

describe("webCryptoSigner in a mutual handshake", () => {
  for (const type of ["p256", "p384", "ed25519", "rsa2048"] as const) {
    it(`${type}: both sides sign with non-extractable CryptoKeys`, async () => {
      const server = new ServerConnection({
        certificateChain: serverCredential(type).certPem,
        signer: webCryptoSigner(await importFixtureKey(type, "server")),
        clientAuth: "require",
        trustAnchors: CA_PEM,
      });
      const client = new ClientConnection({
        serverName: "localhost",
        trustAnchors: CA_PEM,
        certificateChain: clientCredential(type).certPem,
        signer: webCryptoSigner(await importFixtureKey(type, "client")),
      });
      const { errors } = await pumpMemory(client, server);
      expect(errors).toEqual([]);
      expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
      const scheme = { p256: "ecdsa_secp256r1_sha256", p384: "ecdsa_secp384r1_sha384", ed25519: "ed25519", rsa2048: "rsa_pss_rsae_sha256" }[type];
      expect(client.handshake?.peerSignatureScheme).toBe(scheme);
      expect(server.handshake?.peerSignatureScheme).toBe(scheme);
      expect(server.handshake?.peerIdentity?.uris).toEqual([`spiffe://mutls.test/client/${type}`]);
    }, 60_000);
  }
});
