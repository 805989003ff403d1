/**
 * Signature verification and signing for the algorithms TLS 1.3 and X.509 use, one
 * `SignatureKeyAlgorithm` per kind of key so that a composed provider pulls in only the curves it
 * names: `ecdsaP256` and `ecdsaP384` (DER `Ecdsa-Sig-Value`), `ed25519` (RFC 8032), and `rsa`
 * (PKCS#1 v1.5 and PSS, ./rsa.ts). Verification is total: malformed input or a key that does not
 * fit the algorithm is `false`.
 */
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { p384 } from "@noble/curves/nist.js";
import { p256 } from "./p256.js";
import { AlertDescription, TLSError, fail } from "../bytes/index.js";
import type { HashName, PrivateKey, PublicKey, SignatureAlgorithm } from "./provider.js";
import { rsaPkcs1Sign, rsaPkcs1Verify, rsaPssSign, rsaPssVerify } from "./rsa.js";

/** The kind of key a signature module works with: an ECDSA curve, Ed25519 or RSA. */
export type SignatureKeyType = "P-256" | "P-384" | "Ed25519" | "RSA";

export function signatureKeyType(key: PublicKey | PrivateKey): SignatureKeyType {
  return key.kind === "ec" ? key.curve : key.kind === "ed25519" ? "Ed25519" : "RSA";
}

/** What a signature module takes from the provider that carries it. */
export interface SignatureContext {
  hash(name: HashName, data: Uint8Array): Uint8Array;
  randomBytes(length: number): Uint8Array;
}

/** The signatures made with one kind of key, as a module a composed provider may carry (`createProvider`). */
export interface SignatureKeyAlgorithm {
  readonly keyType: SignatureKeyType;
  /** May throw for malformed input; the provider turns that into `false`. */
  verify(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array, context: SignatureContext): boolean;
  sign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array, context: SignatureContext): Uint8Array;
  /** The public half of a private key of this type (to check a key against its certificate). */
  publicKey(key: PrivateKey): PublicKey;
  /** The low-memory profile: let go of the curve's base-point table and build none (see NO_TABLE). */
  dropPrecomputedTables?(): void;
}

/**
 * noble's "no table" window: @noble/curves precomputes, per process, a table of multiples of a
 * curve's base point the first time it multiplies it (window 6: 2,080 points for P-256, hundreds
 * of KiB per curve). Window 1 drops it: each multiplication builds a small window of its own and
 * lets it go, slower but holding nothing between handshakes. The table belongs to the curve, so
 * dropping it is process-wide.
 */
export const NO_TABLE = 1;

export type EcdsaCurve = typeof p256;

/** ECDSA on one NIST curve; the curve is visible so anchors can get precomputed tables (x509/precomputed-verifier.ts). */
export class EcdsaAlgorithm implements SignatureKeyAlgorithm {
  constructor(
    readonly keyType: "P-256" | "P-384",
    readonly curve: EcdsaCurve,
  ) {}

  verify(algorithm: SignatureAlgorithm, key: PublicKey, message: Uint8Array, signature: Uint8Array, context: SignatureContext): boolean {
    if (algorithm.kind !== "ecdsa" || key.kind !== "ec") return false;
    // X.509 may pair any ECDSA hash with any curve, so the hash is not tied to the curve here;
    // TLS 1.3's binding (RFC 8446 §4.2.3) is enforced where code points are mapped.
    // We hash ourselves because noble's prehash is fixed to the curve's own hash.
    // lowS: false because OpenSSL and others emit high-S signatures, which are valid ECDSA.
    return this.curve.verify(signature, context.hash(algorithm.hash, message), key.point, { prehash: false, lowS: false, format: "der" });
  }

  sign(algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array, context: SignatureContext): Uint8Array {
    if (algorithm.kind !== "ecdsa" || key.kind !== "ec") return cannotSign(algorithm, key);
    // RFC 6979 deterministic nonces hedged with fresh randomness (RFC 6979 §3.6, noble's
    // extraEntropy): a weak RNG cannot leak the key, and the added randomness blunts the
    // fault attacks that work against purely deterministic signing.
    return this.curve.sign(context.hash(algorithm.hash, message), key.d, { prehash: false, format: "der", extraEntropy: context.randomBytes(32) });
  }

  publicKey(key: PrivateKey): PublicKey {
    if (key.kind !== "ec") return fail("internal_error", `not an EC key: ${String(key.kind)}`);
    // Also rejects a scalar of zero or not below the group order.
    return { kind: "ec", curve: this.keyType, point: this.curve.getPublicKey(key.d, false) };
  }

  dropPrecomputedTables(): void {
    this.curve.Point.BASE.precompute(NO_TABLE);
  }
}

function cannotSign(algorithm: SignatureAlgorithm, key: PrivateKey): never {
  return fail("internal_error", `cannot sign ${String(algorithm.kind)} with a ${String(key.kind)} key`);
}

export const ecdsaP256: SignatureKeyAlgorithm = /* @__PURE__ */ new EcdsaAlgorithm("P-256", p256);
export const ecdsaP384: SignatureKeyAlgorithm = /* @__PURE__ */ new EcdsaAlgorithm("P-384", p384 as EcdsaCurve);

export const ed25519: SignatureKeyAlgorithm = {
  keyType: "Ed25519",
  verify(algorithm, key, message, signature) {
    if (algorithm.kind !== "ed25519" || key.kind !== "ed25519" || key.key.length !== 32 || signature.length !== 64) return false;
    // zip215: false is RFC 8032 §5.1.7's strict decoding (canonical encodings only).
    return nobleEd25519.verify(signature, message, key.key, { zip215: false });
  },
  sign(algorithm, key, message) {
    if (algorithm.kind !== "ed25519" || key.kind !== "ed25519") return cannotSign(algorithm, key);
    if (key.seed.length !== 32) fail("internal_error", "an Ed25519 private key is a 32-byte seed");
    return nobleEd25519.sign(message, key.seed);
  },
  publicKey(key) {
    if (key.kind !== "ed25519") return fail("internal_error", `not an Ed25519 key: ${String(key.kind)}`);
    return { kind: "ed25519", key: nobleEd25519.getPublicKey(key.seed) };
  },
  dropPrecomputedTables() {
    nobleEd25519.Point.BASE.precompute(NO_TABLE);
  },
};

export const rsa: SignatureKeyAlgorithm = {
  keyType: "RSA",
  verify(algorithm, key, message, signature) {
    if (key.kind !== "rsa") return false;
    // An id-RSASSA-PSS key must not be used with PKCS#1 v1.5 (RFC 4055 §1.2, RFC 8446 §4.2.3).
    if (algorithm.kind === "rsa-pkcs1") return !key.pssOnly && rsaPkcs1Verify(algorithm.hash, key, message, signature);
    if (algorithm.kind === "rsa-pss") return rsaPssVerify(algorithm.hash, key, message, signature, algorithm.saltLength);
    return false;
  },
  sign(algorithm, key, message, context) {
    if (key.kind !== "rsa") return cannotSign(algorithm, key);
    if (algorithm.kind === "rsa-pkcs1") return rsaPkcs1Sign(algorithm.hash, key, message);
    if (algorithm.kind !== "rsa-pss") return cannotSign(algorithm, key);
    if (!Number.isInteger(algorithm.saltLength) || algorithm.saltLength < 0) {
      fail("internal_error", "RSA-PSS salt length must be a non-negative integer");
    }
    return rsaPssSign(algorithm.hash, key, message, context.randomBytes(algorithm.saltLength));
  },
  publicKey(key) {
    if (key.kind !== "rsa") return fail("internal_error", `not an RSA key: ${String(key.kind)}`);
    return { kind: "rsa", n: key.n, e: key.e, pssOnly: false };
  },
};

/** Runs a verification, mapping anything noble throws (malformed DER, points off the curve) to false. */
export function verifyWith(
  module: SignatureKeyAlgorithm,
  algorithm: SignatureAlgorithm,
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  context: SignatureContext,
): boolean {
  try {
    return module.verify(algorithm, key, message, signature, context) === true;
  } catch {
    return false;
  }
}

/**
 * Runs a signing. Any failure, including one from inside noble (for example a private scalar out
 * of range), is a TLSError internal_error.
 */
export function signWith(module: SignatureKeyAlgorithm, algorithm: SignatureAlgorithm, key: PrivateKey, message: Uint8Array, context: SignatureContext): Uint8Array {
  try {
    return module.sign(algorithm, key, message, context);
  } catch (error) {
    if (error instanceof TLSError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new TLSError(AlertDescription.internal_error, `signing failed: ${detail}`);
  }
}
