/**
 * ECDSA verification under a trust anchor's key with a precomputed window table of the key's
 * multiples (noble's `point.precompute`), built once per configured anchor. Verifying
 * R = u1·G + u2·Q (FIPS 186-5 §6.4.2) then costs two table-driven multiplications instead of a
 * cold one for Q. Used only with providers composed by `createProvider` (the pure provider among
 * them) that carry ECDSA for the key's curve: their ECDSA is the noble curve this reproduces
 * exactly. Any other provider verifies as it always does.
 */
import { toHex } from "../bytes/index.js";
import { providerAlgorithms } from "../crypto/compose.js";
import type { CryptoProvider, PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { EcdsaAlgorithm, type EcdsaCurve } from "../crypto/signature.js";
import type { Certificate } from "./certificate.js";
import type { AnchorVerifier } from "./trust-anchor.js";

/** Window size of the table: 2^(W-1) points per ceil(bits/W) windows (about 4,000 points for P-256). */
const WINDOW = 8;

type Curve = EcdsaCurve;

/** FIPS 186-5 §6.4.2 step 2-3 (SEC 1 §4.1.4 step 5): the leftmost bits of the digest, as an integer mod n. */
function digestToScalar(digest: Uint8Array, n: bigint): bigint {
  const nBits = n.toString(2).length;
  let e = BigInt("0x" + toHex(digest));
  const excess = digest.length * 8 - nBits;
  if (excess > 0) e >>= BigInt(excess);
  return e % n;
}

function ecdsaVerifier(curve: Curve, key: Extract<PublicKey, { kind: "ec" }>, provider: CryptoProvider): AnchorVerifier | null {
  let q: InstanceType<Curve["Point"]>;
  try {
    q = curve.Point.fromBytes(key.point);
  } catch {
    return null;
  }
  q.precompute(WINDOW);
  const n = curve.Point.Fn.ORDER;
  return (algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array): boolean => {
    if (algorithm.kind !== "ecdsa") return provider.verify(algorithm, key, message, signature);
    try {
      // DER Ecdsa-Sig-Value, parsed strictly by noble; high-S is valid ECDSA (as in the provider).
      const { r, s } = curve.Signature.fromBytes(signature, "der");
      if (r <= 0n || r >= n || s <= 0n || s >= n) return false;
      const e = digestToScalar(provider.hash(algorithm.hash, message), n);
      const w = curve.Point.Fn.inv(s);
      const u1 = (e * w) % n;
      const u2 = (r * w) % n;
      const point = curve.Point.BASE.multiplyUnsafe(u1).add(q.multiplyUnsafe(u2));
      if (point.is0()) return false;
      return point.toAffine().x % n === r;
    } catch {
      return false;
    }
  };
}

/**
 * Tables are shared by every connection that trusts the same key: configs are resolved per
 * connection, and building a table costs more than one cold verification. Bounded, oldest out.
 */
const TABLE_CACHE_LIMIT = 64;
const tableCaches = new WeakMap<CryptoProvider, Map<string, AnchorVerifier | null>>();

/** The noble curve of the provider's own ECDSA for `curve`, when it is a composed provider carrying one. */
function composedEcdsaCurve(provider: CryptoProvider, curve: "P-256" | "P-384"): Curve | null {
  const module = providerAlgorithms(provider)?.signatures.find((s) => s.keyType === curve);
  return module instanceof EcdsaAlgorithm ? module.curve : null;
}

/**
 * A faster verifier for an anchor's EC key under a composed provider; null when none applies.
 * Tables are cached per key and provider, since the verifier calls back into the provider.
 */
export function precomputedVerifier(anchor: Certificate, provider: CryptoProvider): AnchorVerifier | null {
  const key = anchor.publicKey;
  if (key === null || key.kind !== "ec") return null;
  const curve = composedEcdsaCurve(provider, key.curve);
  if (curve === null) return null;
  const byKey = tableCaches.get(provider) ?? new Map<string, AnchorVerifier | null>();
  tableCaches.set(provider, byKey);
  const id = `${key.curve}:${toHex(key.point)}`;
  const cached = byKey.get(id);
  if (cached !== undefined) return cached;
  const verifier = ecdsaVerifier(curve, key, provider);
  if (byKey.size >= TABLE_CACHE_LIMIT) byKey.delete(byKey.keys().next().value as string);
  byKey.set(id, verifier);
  return verifier;
}
