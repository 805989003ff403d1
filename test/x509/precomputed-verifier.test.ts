/**
 * The precomputed trust-anchor verifier against node:crypto (OpenSSL) ECDSA signatures: it must
 * accept exactly what the signer made and the provider accepts, and nothing else.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { describe, expect, test } from "vitest";
import { aes128gcm, createProvider, ecdsaP256, ed25519, sha256, x25519 } from "../../src/crypto/algorithms.js";
import { createPureProvider, pureProvider } from "../../src/crypto/pure.js";
import type { HashName } from "../../src/crypto/provider.js";
import { parseCertificate, prepareTrustAnchors, verifyCertificateChain } from "../../src/x509/index.js";
import { certDer } from "./fixtures.js";

const N = {
  "P-256": 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  "P-384": 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/** Re-encodes a DER ECDSA signature with s replaced by n - s (the "high-S" twin, equally valid). */
function flipS(der: Uint8Array, n: bigint): Uint8Array {
  const rLen = der[3];
  const r = der.subarray(4, 4 + rLen);
  const sLen = der[5 + rLen];
  const s = BigInt("0x" + Buffer.from(der.subarray(6 + rLen, 6 + rLen + sLen)).toString("hex"));
  const int = (v: bigint): Uint8Array => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = "0" + hex;
    let bytes = Buffer.from(hex, "hex");
    if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
    return Uint8Array.of(2, bytes.length, ...bytes);
  };
  const body = [...Uint8Array.of(2, r.length, ...r), ...int(n - s)];
  return Uint8Array.of(0x30, body.length, ...body);
}

describe.each(["P-256", "P-384"] as const)("%s anchor key", (curve) => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve === "P-256" ? "prime256v1" : "secp384r1" });
  // The uncompressed point ends the SPKI DER (RFC 5480 §2.2).
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  const point = spki.subarray(spki.length - (curve === "P-256" ? 65 : 97));
  const key = { kind: "ec" as const, curve, point };
  // A certificate-shaped stand-in: precomputedVerifier only reads the public key.
  const [anchor] = prepareTrustAnchors([{ publicKey: key } as never], pureProvider);
  const verifier = anchor.verifier!;

  test("a table was built", () => expect(verifier).not.toBeNull());

  test.each(["SHA-256", "SHA-384", "SHA-512"] as HashName[])("agrees with OpenSSL-made signatures over %s", (hash) => {
    for (let i = 0; i < 8; i++) {
      const message = randomBytes(1 + i * 37);
      const signature = new Uint8Array(sign(hash.replace("-", "").toLowerCase(), message, privateKey));
      const algorithm = { kind: "ecdsa" as const, hash };
      expect(verifier(algorithm, message, signature)).toBe(true);
      expect(verifier(algorithm, message, flipS(signature, N[curve]))).toBe(pureProvider.verify(algorithm, key, message, flipS(signature, N[curve])));
      const tampered = Uint8Array.from(message);
      tampered[0] ^= 1;
      expect(verifier(algorithm, tampered, signature)).toBe(false);
      const badSig = Uint8Array.from(signature);
      badSig[badSig.length - 1] ^= 1;
      expect(verifier(algorithm, message, badSig)).toBe(pureProvider.verify(algorithm, key, message, badSig));
    }
  });

  test("garbage signatures are false, never an exception", () => {
    for (const sig of [new Uint8Array(0), Uint8Array.of(0x30, 0), Uint8Array.of(0x30, 6, 2, 1, 0, 2, 1, 1), randomBytes(70)]) {
      expect(verifier({ kind: "ecdsa", hash: "SHA-256" }, Uint8Array.of(1), new Uint8Array(sig))).toBe(false);
    }
  });
});

test("chain validation gives the same answers with prepared anchors", () => {
  const root = parseCertificate(certDer("root-ca"));
  const prepared = prepareTrustAnchors([root], pureProvider);
  expect(prepared[0].verifier).not.toBeNull();
  const at = new Date(Date.UTC(2030, 0, 1));
  const opts = { chain: [certDer("server"), certDer("intermediate-ca")], now: at, provider: pureProvider, purpose: "serverAuth" as const };
  expect(verifyCertificateChain({ ...opts, trustAnchors: prepared }).path).toHaveLength(2);
  // An intermediate whose signature was altered is refused just the same.
  const broken = Uint8Array.from(certDer("intermediate-ca"));
  broken[broken.length - 5] ^= 1;
  expect(() => verifyCertificateChain({ ...opts, chain: [certDer("server"), broken], trustAnchors: prepared })).toThrow(/does not verify|malformed/);
});

test("tables are built once per key and shared by later configs", () => {
  const root = parseCertificate(certDer("root-ca"));
  const a = prepareTrustAnchors([root], pureProvider)[0].verifier;
  const b = prepareTrustAnchors([parseCertificate(certDer("root-ca"))], pureProvider)[0].verifier;
  expect(a).not.toBeNull();
  expect(b).toBe(a);
});

test("only the pure provider gets tables (another provider verifies its own way)", () => {
  const other = { ...pureProvider };
  expect(prepareTrustAnchors([parseCertificate(certDer("root-ca"))], other)[0].verifier).toBeNull();
});

test("a provider composed with ECDSA for the anchor's curve gets tables too (the large-table pure provider, a minimal composition)", () => {
  const root = parseCertificate(certDer("root-ca"));
  const minimal = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519], signatures: [ecdsaP256] });
  for (const provider of [createPureProvider({ gcmTables: "large" }), minimal]) {
    expect(prepareTrustAnchors([root], provider)[0].verifier).not.toBeNull();
  }
  // Without ECDSA on the anchor's curve there is no curve to build a table on.
  const noEcdsa = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519], signatures: [ed25519] });
  expect(prepareTrustAnchors([root], noEcdsa)[0].verifier).toBeNull();
});
