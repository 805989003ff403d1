/**
 * ECDSA verification under a trust anchor's key with a precomputed window table of the key's
 * multiples (noble's `point.precompute`), built once per configured anchor. Verifying
 * R = u1·G + u2·Q (FIPS 186-5 §6.4.2) then costs two table-driven multiplications instead of a
 * cold one for Q. Used only with mutls's pure provider, whose ECDSA it reproduces exactly; any
 * other provider verifies as it always does.
 */
import { p256, p384 } from "@noble/curves/nist.js";
import { toHex } from "../bytes/index.js";
import type { CryptoProvider, PublicKey, SignatureAlgorithm } from "../crypto/provider.js";
import { pureProvider } from "../crypto/pure.js";
import type { Certificate } from "./certificate.js";
import type { AnchorVerifier } from "./trust-anchor.js";

/** Window size of the table: 2^(W-1) points per ceil(bits/W) windows (about 4,000 points for P-256). */
const WINDOW = 8;

type Curve = typeof p256;

function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** FIPS 186-5 §6.4.2 step 2-3 (SEC 1 §4.1.4 step 5): the leftmost bits of the digest, as an integer mod n. */
function digestToScalar(digest: Uint8Array, n: bigint): bigint {
  const nBits = n.toString(2).length;
  let e = bytesToBigInt(digest);
  const excess = digest.length * 8 - nBits;
  if (excess > 0) e >>= BigInt(excess);
  return e % n;
}

function modInverse(a: bigint, n: bigint): bigint {
  let [oldR, r] = [a % n, n];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % n) + n) % n;
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
      const w = modInverse(s, n);
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
const tableCache = new Map<string, AnchorVerifier | null>();

/** A faster verifier for an anchor's EC key under the pure provider; null when none applies. */
export function precomputedVerifier(anchor: Certificate, provider: CryptoProvider): AnchorVerifier | null {
  const key = anchor.publicKey;
  if (provider !== pureProvider || key === null || key.kind !== "ec") return null;
  const id = `${key.curve}:${toHex(key.point)}`;
  const cached = tableCache.get(id);
  if (cached !== undefined) return cached;
  const verifier = ecdsaVerifier(key.curve === "P-256" ? p256 : (p384 as unknown as Curve), key, provider);
  if (tableCache.size >= TABLE_CACHE_LIMIT) tableCache.delete(tableCache.keys().next().value as string);
  tableCache.set(id, verifier);
  return verifier;
}
