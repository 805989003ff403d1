/**
 * Signing with a WebCrypto `CryptoKey` we were handed rather than key bytes: a key generated in
 * the runtime as non-extractable, which never leaves it (issue 13). The key's own algorithm fixes
 * what it can sign: its curve, or for RSA its padding and hash (WebCrypto binds them at import).
 */
import { AlertDescription, TLSError, UsageError } from "../../bytes/index.js";
import type { HashName, SignatureAlgorithm } from "../provider.js";
import { bytesOf, ecdsaRawToDer } from "./encoding.js";
import type { SubtleLike, WebCryptoKey } from "./subtle.js";

const HASHES: readonly HashName[] = ["SHA-256", "SHA-384", "SHA-512"];

function keyHash(key: WebCryptoKey): HashName {
  const name = key.algorithm.hash?.name;
  const hash = HASHES.find((h) => h === name);
  if (hash === undefined) throw new UsageError(`the ${key.algorithm.name} key's hash ${String(name)} is not SHA-256, SHA-384 or SHA-512`);
  return hash;
}

/**
 * What the key can produce, as provider signature algorithms: ECDSA with its curve's hash (RFC 8446
 * §4.2.3 binds them), Ed25519, RSA-PSS with the key's hash and a salt of the hash's length
 * (§4.2.3), or PKCS#1 v1.5 with the key's hash (certificates only: TLS 1.3 never signs a
 * handshake with it). Throws a UsageError for a key that is not a private signing key.
 */
export function signatureAlgorithmOfKey(key: WebCryptoKey): SignatureAlgorithm {
  if (key.type !== "private") throw new UsageError(`a signing key must be a private key, not a ${key.type} key`);
  if (!key.usages.includes("sign")) throw new UsageError('a signing key needs the "sign" usage');
  const { name, namedCurve } = key.algorithm;
  switch (name) {
    case "ECDSA":
      if (namedCurve === "P-256") return { kind: "ecdsa", hash: "SHA-256" };
      if (namedCurve === "P-384") return { kind: "ecdsa", hash: "SHA-384" };
      throw new UsageError(`ECDSA on ${String(namedCurve)} is not a TLS 1.3 signature scheme (P-256 or P-384)`);
    case "Ed25519":
      return { kind: "ed25519" };
    case "RSA-PSS": {
      const hash = keyHash(key);
      return { kind: "rsa-pss", hash, saltLength: hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64 };
    }
    case "RSASSA-PKCS1-v1_5":
      return { kind: "rsa-pkcs1", hash: keyHash(key) };
    default:
      throw new UsageError(`a ${name} key cannot sign TLS 1.3 handshakes`);
  }
}

function sameAlgorithm(a: SignatureAlgorithm, b: SignatureAlgorithm): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "ed25519") return true;
  if (a.hash !== (b as typeof a).hash) return false;
  return a.kind !== "rsa-pss" || a.saltLength === (b as typeof a).saltLength;
}

/**
 * Signs `message` with `key` by `algorithm`, which must be the key's own (`signatureAlgorithmOfKey`).
 * ECDSA comes back DER-encoded, as TLS sends it. A runtime failure is a TLSError internal_error.
 */
export async function signWithCryptoKey(subtle: SubtleLike, key: WebCryptoKey, algorithm: SignatureAlgorithm, message: Uint8Array): Promise<Uint8Array> {
  const own = signatureAlgorithmOfKey(key);
  if (!sameAlgorithm(own, algorithm)) throw new TLSError(AlertDescription.internal_error, `this ${key.algorithm.name} key cannot sign with ${algorithm.kind}`);
  const data = message.slice();
  try {
    switch (algorithm.kind) {
      case "ecdsa": {
        const raw = bytesOf(await subtle.sign({ name: "ECDSA", hash: algorithm.hash }, key, data));
        return ecdsaRawToDer(key.algorithm.namedCurve === "P-256" ? "P-256" : "P-384", raw);
      }
      case "rsa-pss":
        return bytesOf(await subtle.sign({ name: "RSA-PSS", saltLength: algorithm.saltLength }, key, data));
      default:
        return bytesOf(await subtle.sign({ name: key.algorithm.name }, key, data));
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new TLSError(AlertDescription.internal_error, `signing with the CryptoKey failed: ${detail}`);
  }
}
