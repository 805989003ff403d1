/**
 * Our key values (crypto/provider.ts `PublicKey`, `PrivateKey`) in the forms WebCrypto imports:
 * base64url JWK members (RFC 7518 §6), and PKCS#8 for the RFC 8410 curves, whose JWK form would
 * need the public key computed first.
 */
import { p256, p384 } from "@noble/curves/nist.js";
import { encodeBase64 } from "../../bytes/index.js";
import type { PrivateKey } from "../provider.js";

/** Unpadded base64url, RFC 4648 §5, as JWK members are written (RFC 7515 §2). */
export function base64url(bytes: Uint8Array): string {
  return encodeBase64(bytes, true);
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
 * An `Ecdsa-Sig-Value` (DER, as on the wire and in certificates) as WebCrypto's r || s. It is
 * parsed by noble, the pure provider's own parser, so both providers accept exactly the same
 * encodings; null for one it refuses or an r or s outside [1, n-1].
 */
export function ecdsaDerToRaw(curve: NistCurve, der: Uint8Array): Uint8Array | null {
  try {
    return nistCurve(curve).Signature.fromBytes(der, "der").toBytes("compact");
  } catch {
    return null;
  }
}

/** WebCrypto's r || s as the DER `Ecdsa-Sig-Value` TLS sends (RFC 8446 §4.2.3). */
export function ecdsaRawToDer(curve: NistCurve, raw: Uint8Array): Uint8Array {
  return nistCurve(curve).Signature.fromBytes(raw, "compact").toBytes("der");
}

/** An ArrayBuffer from WebCrypto as a plain Uint8Array. */
export function bytesOf(buffer: ArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}
