/**
 * ECDSA and ECDH on P-256 (FIPS 186-5 §6.1.1; SEC 2 secp256r1): noble's curve code, as
 * `@noble/curves/nist.js` builds its `p256`, but hashing with sha256.ts (SHA-256, and HMAC-SHA-256
 * for RFC 6979's nonces) instead of noble's SHA-256. The engine hashes with sha256.ts, so a bundle
 * with P-256 carries one SHA-256, not two: the smallest client is about 1 KB smaller. P-384 stays
 * noble's. Checked by the Wycheproof ECDSA and ECDH P-256 vectors and node:crypto, as before
 * (test/crypto/wycheproof.test.ts), and against noble's own `p256` and RFC 6979 §A.2.5
 * (test/crypto/signature.test.ts).
 */
import type { CHash } from "@noble/hashes/utils.js";
import { ecdsa, weierstrass } from "@noble/curves/abstract/weierstrass.js";
import { SHA256_LENGTH, hmacSha256, sha256Digest } from "./sha256.js";

/** sha256.ts in the shape noble checks for. Its `create` is never called: `hmac` is given. */
const sha256Hash = /* @__PURE__ */ Object.assign((message: Uint8Array) => sha256Digest(message), {
  outputLen: SHA256_LENGTH,
  blockLen: 64,
  create: (): never => {
    throw new Error("p256.ts: incremental SHA-256 is not provided");
  },
}) as unknown as CHash;

/** FIPS 186-5 §6.1.1 (D.1.2.3): the field prime, the order, the coefficients and the base point. */
const P256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  h: 1n,
  a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  Gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  Gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

export const p256 = /* @__PURE__ */ ecdsa(weierstrass(P256), sha256Hash, { hmac: hmacSha256 });
