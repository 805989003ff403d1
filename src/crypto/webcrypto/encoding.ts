/**
 * Our key values (crypto/provider.ts `PublicKey`, `PrivateKey`) in the forms WebCrypto imports:
 * base64url JWK members (RFC 7518 §6), and PKCS#8 for the RFC 8410 curves, whose JWK form would
 * need the public key computed first.
 */
import { p384 } from "@noble/curves/nist.js";
import { p256 } from "../p256.js";
import { encodeBase64 } from "../../bytes/index.js";
import type { PrivateKey } from "../provider.js";

/** Unpadded base64url, RFC 4648 §5, as JWK members are written (RFC 7515 §2). */
export function base64url(bytes: Uint8Array): string {
  return encodeBase64(bytes, true);
}

/**
 * Unpadded base64url (RFC 4648 §5) of exactly `length` bytes, as a JWK member; null for anything
 * else, including a non-canonical encoding (RFC 4648 §3.5: the bits past the last byte are zero).
 */
export function fromBase64url(text: string | undefined, length: number): Uint8Array | null {
  if (typeof text !== "string" || text.length !== Math.ceil((length * 4) / 3)) return null;
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 45 ? 62 : c === 95 ? 63 : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = acc >> bits;
      acc &= (1 << bits) - 1;
    }
  }
  return acc === 0 ? out : null;
}

/** A non-negative integer as minimal big-endian bytes (JWK RSA members, RFC 7518 §6.3: no leading zero). */
export function bigintBytes(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * RFC 8410 §7 OneAsymmetricKey prefixes: SEQUENCE { version 0, AlgorithmIdentifier { OID },
 * OCTET STRING { OCTET STRING (32) } }, followed by the 32-byte private key.
 */
export const X25519_PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20);
export const ED25519_PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

export function withPrefix(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix, 0);
  out.set(key, prefix.length);
  return out;
}

export type NistCurve = "P-256" | "P-384";

export function nistCurve(curve: NistCurve): typeof p256 {
  return curve === "P-256" ? p256 : p384;
}

export const COORDINATE_LENGTH = { "P-256": 32, "P-384": 48 } as const;

/**
 * The JWK of a NIST private scalar. JWK needs the public point too (RFC 7518 §6.2.2); callers
 * that have it pass it, others have it computed here once per key (they cache the imported key).
 */
export function ecPrivateJwk(
  curve: NistCurve,
  d: Uint8Array,
  point: Uint8Array = nistCurve(curve).getPublicKey(d, false),
): { kty: string; crv: string; d: string; x: string; y: string } {
  const n = COORDINATE_LENGTH[curve];
  return { kty: "EC", crv: curve, d: base64url(d), x: base64url(point.subarray(1, 1 + n)), y: base64url(point.subarray(1 + n)) };
}

/** An RSA public key as a JWK (RFC 7518 §6.3.1). */
export function rsaPublicJwk(key: { readonly n: bigint; readonly e: bigint }): { kty: string; n: string; e: string } {
  return { kty: "RSA", n: base64url(bigintBytes(key.n)), e: base64url(bigintBytes(key.e)) };
}

/** An RSA private key with its CRT members as a JWK (RFC 7518 §6.3.2). */
export function rsaPrivateJwk(key: Extract<PrivateKey, { kind: "rsa" }>): Record<string, string> & { kty: string } {
  return {
    ...rsaPublicJwk(key),
    d: base64url(bigintBytes(key.d)),
    p: base64url(bigintBytes(key.p)),
    q: base64url(bigintBytes(key.q)),
    dp: base64url(bigintBytes(key.dp)),
    dq: base64url(bigintBytes(key.dq)),
    qi: base64url(bigintBytes(key.qinv)),
  };
}

/** An uncompressed SEC 1 point (0x04 || X || Y) as a public JWK; null for any other form. */
export function ecPublicJwk(curve: NistCurve, point: Uint8Array): { kty: string; crv: string; x: string; y: string } | null {
  const n = COORDINATE_LENGTH[curve];
  if (point.length !== 1 + 2 * n || point[0] !== 0x04) return null;
  return { kty: "EC", crv: curve, x: base64url(point.subarray(1, 1 + n)), y: base64url(point.subarray(1 + n)) };
}

/**
 * An `Ecdsa-Sig-Value` (DER, as on the wire and in certificates) as WebCrypto's r || s. noble, the
 * pure provider's own parser, decides every encoding, so both providers accept exactly the same
 * ones; null for one it refuses or an r or s outside [1, n-1]. The one form a peer sends (strict
 * DER, short lengths, minimal integers, r and s in range) is read here directly, without noble's
 * BigInt round trip: a subset of what noble accepts, with the same result.
 */
export function ecdsaDerToRaw(curve: NistCurve, der: Uint8Array): Uint8Array | null {
  const fast = strictDerToRaw(curve, der);
  if (fast !== null) return fast;
  try {
    return nistCurve(curve).Signature.fromBytes(der, "der").toBytes("compact");
  } catch {
    return null;
  }
}

/** The group order n of each curve, big-endian, COORDINATE_LENGTH bytes (SEC 2 §2.4.2, §2.5.1). */
const ORDER: Record<NistCurve, Uint8Array> = {
  "P-256": /* @__PURE__ */ fixedBytes(p256.Point.Fn.ORDER, 32),
  "P-384": /* @__PURE__ */ fixedBytes(p384.Point.Fn.ORDER, 48),
};

function fixedBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

/**
 * SEQUENCE { INTEGER r, INTEGER s } in strict DER with r, s in [1, n-1], as r || s; null for
 * anything else (which noble then judges). Both lengths are short-form: the largest P-384 value
 * is 102 bytes long.
 */
function strictDerToRaw(curve: NistCurve, der: Uint8Array): Uint8Array | null {
  const n = COORDINATE_LENGTH[curve];
  if (der.length < 8 || der[0] !== 0x30 || der[1] > 0x7f || der[1] !== der.length - 2) return null;
  const raw = new Uint8Array(2 * n);
  let at = 2;
  for (let k = 0; k < 2; k++) {
    if (der[at] !== 0x02) return null;
    let length = der[at + 1];
    at += 2;
    if (length === 0 || length > 0x7f || at + length > der.length || (der[at] & 0x80) !== 0) return null;
    if (der[at] === 0) {
      // A leading zero only where the next byte would read as negative (X.690 §8.3.2).
      if (length === 1 || (der[at + 1] & 0x80) === 0) return null;
      at++;
      length--;
    }
    if (length > n) return null;
    raw.set(der.subarray(at, at + length), k * n + n - length);
    at += length;
    if (!inRange(raw.subarray(k * n, (k + 1) * n), ORDER[curve])) return null;
  }
  return at === der.length ? raw : null;
}

/** 1 <= value < order, both big-endian of the same length. */
function inRange(value: Uint8Array, order: Uint8Array): boolean {
  let nonZero = 0;
  for (let i = 0; i < value.length; i++) nonZero |= value[i];
  if (nonZero === 0) return false;
  for (let i = 0; i < value.length; i++) if (value[i] !== order[i]) return value[i] < order[i];
  return false;
}

/** WebCrypto's r || s as the DER `Ecdsa-Sig-Value` TLS sends (RFC 8446 §4.2.3): minimal INTEGERs, X.690 §8.3.2. */
export function ecdsaRawToDer(curve: NistCurve, raw: Uint8Array): Uint8Array {
  const n = COORDINATE_LENGTH[curve];
  if (raw.length !== 2 * n) return nistCurve(curve).Signature.fromBytes(raw, "compact").toBytes("der");
  const r = minimalInteger(raw.subarray(0, n));
  const s = minimalInteger(raw.subarray(n));
  const out = new Uint8Array(2 + r.length + s.length);
  out[0] = 0x30;
  out[1] = r.length + s.length; // at most 2 * (2 + 49): short form
  out.set(r, 2);
  out.set(s, 2 + r.length);
  return out;
}

/** An unsigned big-endian value as a DER INTEGER: leading zeros dropped, one 0x00 before a high bit. */
function minimalInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const pad = value[start] & 0x80 ? 1 : 0;
  const length = value.length - start + pad;
  const out = new Uint8Array(2 + length);
  out[0] = 0x02;
  out[1] = length;
  out.set(value.subarray(start), 2 + pad);
  return out;
}

/** An ArrayBuffer from WebCrypto as a plain Uint8Array. */
export function bytesOf(buffer: ArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}
