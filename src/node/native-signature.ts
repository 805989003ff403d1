/**
 * Signature verification and signing on node:crypto for the algorithms TLS 1.3 and X.509 use.
 * Verification is total, as in the pure provider: malformed input or a key that does not fit the
 * algorithm is `false`, never an exception.
 */
import { constants as nodeConstants, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { AlertDescription, TLSError, fail } from "../bytes/index.js";
import type { PrivateKey, PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { isUsableRsaPublicKey } from "../crypto/rsa.js";
import { nodeHashName, plain } from "./native-encoding.js";
import { toPrivateKeyObject, toPublicKeyObject } from "./native-keys.js";

function verifyUnchecked(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  switch (algorithm.kind) {
    case "ecdsa":
      // The hash is not tied to the curve here (X.509 pairs them freely); RFC 8446 §4.2.3's binding
      // is enforced where code points are mapped. OpenSSL, like the pure provider, accepts high S.
      if (key.kind !== "ec") return false;
      return nodeVerify(nodeHashName(algorithm.hash), message, { key: toPublicKeyObject(key), dsaEncoding: "der" }, signature);
    case "ed25519":
      if (key.kind !== "ed25519" || key.key.length !== 32 || signature.length !== 64) return false;
      return nodeVerify(null, message, toPublicKeyObject(key), signature);
    case "rsa-pkcs1":
      // An id-RSASSA-PSS key must not be used with PKCS#1 v1.5 (RFC 4055 §1.2, RFC 8446 §4.2.3).
      if (key.kind !== "rsa" || key.pssOnly || !isUsableRsaPublicKey(key)) return false;
      return nodeVerify(nodeHashName(algorithm.hash), message, { key: toPublicKeyObject(key), padding: nodeConstants.RSA_PKCS1_PADDING }, signature);
    case "rsa-pss":
      if (key.kind !== "rsa" || !isUsableRsaPublicKey(key)) return false;
      if (!Number.isInteger(algorithm.saltLength) || algorithm.saltLength < 0) return false;
      // RFC 8446 §4.2.3: the salt length equals the digest length; OpenSSL checks it exactly.
      return nodeVerify(
        nodeHashName(algorithm.hash),
        message,
        { key: toPublicKeyObject(key), padding: nodeConstants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength },
        signature,
      );
    default:
      return false;
  }
}

export function nativeVerify(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifyUnchecked(algorithm, key, message, signature) === true;
  } catch {
    // OpenSSL throws on malformed DER, bad points and unusable keys; all mean "not valid".
    return false;
  }
}

function signUnchecked(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): Uint8Array {
  switch (algorithm.kind) {
    case "ecdsa":
      if (key.kind !== "ec") break;
      // OpenSSL draws a fresh random nonce per signature from its own CSPRNG.
      return plain(nodeSign(nodeHashName(algorithm.hash), message, { key: toPrivateKeyObject(key), dsaEncoding: "der" }));
    case "ed25519":
      if (key.kind !== "ed25519") break;
      return plain(nodeSign(null, message, toPrivateKeyObject(key)));
    case "rsa-pkcs1":
      if (key.kind !== "rsa") break;
      return plain(nodeSign(nodeHashName(algorithm.hash), message, { key: toPrivateKeyObject(key), padding: nodeConstants.RSA_PKCS1_PADDING }));
    case "rsa-pss":
      if (key.kind !== "rsa") break;
      if (!Number.isInteger(algorithm.saltLength) || algorithm.saltLength < 0) {
        fail("internal_error", "RSA-PSS salt length must be a non-negative integer");
      }
      return plain(
        nodeSign(nodeHashName(algorithm.hash), message, {
          key: toPrivateKeyObject(key),
          padding: nodeConstants.RSA_PKCS1_PSS_PADDING,
          saltLength: algorithm.saltLength,
        }),
      );
  }
  return fail("internal_error", `cannot sign ${String(algorithm.kind)} with a ${String(key.kind)} key`);
}

/** Any failure, including one OpenSSL raises for a bad key, is a TLSError internal_error. */
export function nativeSign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array): Uint8Array {
  try {
    return signUnchecked(algorithm, key, message);
  } catch (error) {
    if (error instanceof TLSError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new TLSError(AlertDescription.internal_error, `signing with node:crypto failed: ${detail}`);
  }
}
