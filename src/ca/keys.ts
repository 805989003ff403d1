/**
 * Key pairs for the development CA: generated from the provider's randomness, encoded as
 * SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and PKCS#8 PrivateKeyInfo (RFC 5208 / RFC 5958).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p384 } from "@noble/curves/nist.js";
import { p256 } from "../crypto/p256.js";
import type { CryptoProvider, PrivateKey, SignatureAlgorithm } from "../crypto/provider.js";
import { publicKeyOf } from "../x509/index.js";
import { OID } from "../x509/oids.js";
import * as a from "./asn1.js";
import { generateRsaKey } from "./rsa-keygen.js";

export type KeyType = "p256" | "p384" | "ed25519" | "rsa2048";

export const KEY_TYPES: readonly KeyType[] = ["p256", "p384", "ed25519", "rsa2048"];

/** The algorithm a key signs certificates with, and its AlgorithmIdentifier (RFC 5758, RFC 8410, RFC 4055). */
export interface CertificateSigning {
  readonly algorithm: SignatureAlgorithm;
  readonly identifier: () => a.Asn;
}

export function signingFor(key: PrivateKey): CertificateSigning {
  switch (key.kind) {
    case "ec":
      return key.curve === "P-256"
        ? { algorithm: { kind: "ecdsa", hash: "SHA-256" }, identifier: () => a.seq(a.oid(OID.ecdsaWithSHA256)) }
        : { algorithm: { kind: "ecdsa", hash: "SHA-384" }, identifier: () => a.seq(a.oid(OID.ecdsaWithSHA384)) };
    case "ed25519":
      return { algorithm: { kind: "ed25519" }, identifier: () => a.seq(a.oid(OID.ed25519)) };
    case "rsa":
      return { algorithm: { kind: "rsa-pkcs1", hash: "SHA-256" }, identifier: () => a.seq(a.oid(OID.sha256WithRSAEncryption), a.nul()) };
  }
}

/** SubjectPublicKeyInfo DER for a private key's public half. */
export function subjectPublicKeyInfo(key: PrivateKey): Uint8Array {
  const pub = publicKeyOf(key);
  switch (pub.kind) {
    case "ec":
      return a.encode(a.seq(a.seq(a.oid(OID.ecPublicKey), a.oid(pub.curve === "P-256" ? OID.prime256v1 : OID.secp384r1)), a.bits(pub.point)));
    case "ed25519":
      return a.encode(a.seq(a.seq(a.oid(OID.ed25519)), a.bits(pub.key)));
    case "rsa":
      return a.encode(a.seq(a.seq(a.oid(OID.rsaEncryption), a.nul()), a.bits(a.encode(a.seq(a.bigint(pub.n), a.bigint(pub.e))))));
  }
}

/** PKCS#8 PrivateKeyInfo DER (version 0). */
export function pkcs8(key: PrivateKey): Uint8Array {
  switch (key.kind) {
    case "ec": {
      const curve = key.curve === "P-256" ? p256 : p384;
      // RFC 5915 §3 ECPrivateKey { version 1, privateKey, [1] publicKey }; the curve is in the outer AlgorithmIdentifier.
      const ecPrivateKey = a.seq(a.small(1), a.octets(key.d), a.contextConstructed(1, a.bits(curve.getPublicKey(key.d, false))));
      const algorithm = a.seq(a.oid(OID.ecPublicKey), a.oid(key.curve === "P-256" ? OID.prime256v1 : OID.secp384r1));
      return a.encode(a.seq(a.small(0), algorithm, a.octets(a.encode(ecPrivateKey))));
    }
    case "ed25519":
      // RFC 8410 §7: the key is an OCTET STRING inside the privateKey OCTET STRING.
      return a.encode(a.seq(a.small(0), a.seq(a.oid(OID.ed25519)), a.octets(a.encode(a.octets(key.seed)))));
    case "rsa": {
      // RFC 8017 §A.1.2 RSAPrivateKey, version 0 (two primes).
      const rsa = a.seq(a.small(0), ...[key.n, key.e, key.d, key.p, key.q, key.dp, key.dq, key.qinv].map(a.bigint));
      return a.encode(a.seq(a.small(0), a.seq(a.oid(OID.rsaEncryption), a.nul()), a.octets(a.encode(rsa))));
    }
  }
}

/** The random bytes noble reduces to a scalar (FIPS 186-5 A.4.1: 64 more bits than the order; noble states it). */
const seedLength = (lengths: { readonly seed?: number }): number => lengths.seed ?? 64;

/** A fresh private key of `type` from the provider's randomness. */
export function generatePrivateKey(type: KeyType, provider: CryptoProvider): PrivateKey {
  switch (type) {
    case "p256":
      return { kind: "ec", curve: "P-256", d: p256.utils.randomSecretKey(provider.randomBytes(seedLength(p256.lengths))) };
    case "p384":
      return { kind: "ec", curve: "P-384", d: p384.utils.randomSecretKey(provider.randomBytes(seedLength(p384.lengths))) };
    case "ed25519":
      // RFC 8032 §5.1.5: the private key is 32 random bytes.
      return { kind: "ed25519", seed: ed25519.utils.randomSecretKey(provider.randomBytes(32)) };
    case "rsa2048":
      return generateRsaKey(2048, provider);
    default:
      throw new TypeError(`unknown key type "${String(type)}"; use ${KEY_TYPES.join(", ")}`);
  }
}
