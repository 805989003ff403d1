/**
 * What one signature verification costs, in units of one ECDSA P-256 verification by the pure
 * provider. The per-handshake verification budget (x509/verification-budget.ts) charges these
 * weights before each verification a peer can ask for, so a peer's choice of keys cannot make a
 * handshake expensive. The weights were measured against the pure provider's P-256 in one
 * process; a native provider is faster everywhere, so they overstate its cost, never understate it.
 */
import type { PublicKey, SignatureAlgorithm } from "./provider.js";
import { RSA_MAX_MODULUS_BITS, bitLength } from "./rsa.js";

/** ECDSA P-384 on noble costs about 2.5 P-256 verifications. */
const P384_COST = 3;
/** Ed25519 on noble costs less than a P-256 ECDSA verification. */
const ED25519_COST = 1;
/**
 * RSA verification is one modPow: 15 multiplications for the window table plus 5 per hex digit
 * of the exponent (rsa.ts), each costing at most the square of the modulus size. The largest
 * key allowed (8192 bits, e = 2^32 - 1: 55 multiplications) measures at about half a P-256
 * verification; it is weighted as one, and smaller keys in proportion, with a floor for hashing
 * and padding.
 */
const RSA_MAX_MULTIPLICATIONS = 15 + 5 * 8;
const RSA_MIN_COST = 0.1;

function rsaCost(key: { readonly n: bigint; readonly e: bigint }): number {
  // Sizes beyond the limits are refused by isUsableRsaPublicKey before any arithmetic; cap them here.
  const bits = Math.min(bitLength(key.n), RSA_MAX_MODULUS_BITS);
  const exponentDigits = Math.min(Math.ceil(bitLength(key.e) / 4), 8);
  const multiplications = 15 + 5 * exponentDigits;
  const relative = (bits / RSA_MAX_MODULUS_BITS) ** 2 * (multiplications / RSA_MAX_MULTIPLICATIONS);
  return Math.max(RSA_MIN_COST, relative);
}

/** The weight of verifying `algorithm` under `key`; a pairing that cannot verify still costs one unit. */
export function signatureVerificationCost(algorithm: SignatureAlgorithm, key: PublicKey): number {
  switch (key.kind) {
    case "ec":
      return key.curve === "P-384" ? P384_COST : 1;
    case "ed25519":
      return ED25519_COST;
    case "rsa":
      return algorithm.kind === "rsa-pkcs1" || algorithm.kind === "rsa-pss" ? rsaCost(key) : 1;
  }
}
