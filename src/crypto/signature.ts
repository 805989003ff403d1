/**
 * Signature verification and signing for the algorithms TLS 1.3 and X.509 use: ECDSA over P-256
 * and P-384 (DER `Ecdsa-Sig-Value`), Ed25519 (RFC 8032), and RSA PKCS#1 v1.5 / PSS (./rsa.ts).
 * Verification is total: malformed input or a key that does not fit the algorithm is `false`.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { AlertDescription, TLSError, fail } from "../bytes/index.js";
import { hash } from "./hash.js";
import type { PrivateKey, PublicKey, SignatureAlgorithm } from "./provider.js";
import { rsaPkcs1Sign, rsaPkcs1Verify, rsaPssSign, rsaPssVerify } from "./rsa.js";

function ecdsaCurve(curve: "P-256" | "P-384"): typeof p256 {
  return curve === "P-256" ? p256 : p384;
}

function verifyUnchecked(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  switch (algorithm.kind) {
    case "ecdsa":
      if (key.kind !== "ec") return false;
      // X.509 may pair any ECDSA hash with any curve, so the hash is not tied to the curve here;
      // TLS 1.3's binding (RFC 8446 §4.2.3) is enforced where code points are mapped.
      // We hash ourselves because noble's prehash is fixed to the curve's own hash.
      // lowS: false because OpenSSL and others emit high-S signatures, which are valid ECDSA.
      return ecdsaCurve(key.curve).verify(signature, hash(algorithm.hash, message), key.point, {
        prehash: false,
        lowS: false,
        format: "der",
      });
    case "ed25519":
      if (key.kind !== "ed25519" || key.key.length !== 32 || signature.length !== 64) return false;
      // zip215: false is RFC 8032 §5.1.7's strict decoding (canonical encodings only).
      return ed25519.verify(signature, message, key.key, { zip215: false });
    case "rsa-pkcs1":
      // An id-RSASSA-PSS key must not be used with PKCS#1 v1.5 (RFC 4055 §1.2, RFC 8446 §4.2.3).
      if (key.kind !== "rsa" || key.pssOnly) return false;
      return rsaPkcs1Verify(algorithm.hash, key, message, signature);
    case "rsa-pss":
      if (key.kind !== "rsa") return false;
      return rsaPssVerify(algorithm.hash, key, message, signature, algorithm.saltLength);
    default:
      return false;
  }
}

export function verifySignature(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifyUnchecked(algorithm, key, message, signature) === true;
  } catch {
    // noble throws on malformed DER, bad lengths and points off the curve; all mean "not valid".
    return false;
  }
}

function signUnchecked(
  algorithm: SignatureAlgorithm,
  key: PrivateKey,
  message: Uint8Array,
  randomBytes: (length: number) => Uint8Array,
): Uint8Array {
  switch (algorithm.kind) {
    case "ecdsa":
      if (key.kind !== "ec") break;
      // RFC 6979 deterministic nonces hedged with fresh randomness (RFC 6979 §3.6, noble's
      // extraEntropy): a weak RNG cannot leak the key, and the added randomness blunts the
      // fault attacks that work against purely deterministic signing.
      return ecdsaCurve(key.curve).sign(hash(algorithm.hash, message), key.d, {
        prehash: false,
        format: "der",
        extraEntropy: randomBytes(32),
      });
    case "ed25519":
      if (key.kind !== "ed25519") break;
      if (key.seed.length !== 32) fail("internal_error", "an Ed25519 private key is a 32-byte seed");
      return ed25519.sign(message, key.seed);
    case "rsa-pkcs1":
      if (key.kind !== "rsa") break;
      return rsaPkcs1Sign(algorithm.hash, key, message);
    case "rsa-pss":
      if (key.kind !== "rsa") break;
      if (!Number.isInteger(algorithm.saltLength) || algorithm.saltLength < 0) {
        fail("internal_error", "RSA-PSS salt length must be a non-negative integer");
      }
      return rsaPssSign(algorithm.hash, key, message, randomBytes(algorithm.saltLength));
  }
  return fail("internal_error", `cannot sign ${String(algorithm.kind)} with a ${String(key.kind)} key`);
}

/**
 * Signs `message`; `randomBytes` feeds the ECDSA hedge and the PSS salt. Any failure, including
 * one from inside noble (for example a private scalar out of range), is a TLSError internal_error.
 */
export function signMessage(
  algorithm: SignatureAlgorithm,
  key: PrivateKey,
  message: Uint8Array,
  randomBytes: (length: number) => Uint8Array,
): Uint8Array {
  try {
    return signUnchecked(algorithm, key, message, randomBytes);
  } catch (error) {
    if (error instanceof TLSError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new TLSError(AlertDescription.internal_error, `signing failed: ${detail}`);
  }
}
