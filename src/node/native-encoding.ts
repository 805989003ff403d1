/** Small conversions shared by the native provider's files: node:crypto values to and from ours. */
import type { HashName } from "../crypto/provider.js";
import { fail } from "../bytes/index.js";

/**
 * A plain Uint8Array copy of what node:crypto returned. Nothing hands a `Buffer` to the core:
 * `Buffer#slice` is a view, not a copy, and the core relies on `slice()` copying.
 */
export function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

const NODE_HASH: Record<HashName, string> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };

export function nodeHashName(name: HashName): string {
  return NODE_HASH[name] ?? fail("internal_error", `unsupported hash ${String(name)}`);
}

/** DER prefixes of a SubjectPublicKeyInfo for the fixed-size keys (RFC 8410 §4 for X25519/Ed25519). */
export const X25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00);
export const ED25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);
/** RFC 8410 §7: a PKCS#8 OneAsymmetricKey holding a 32-byte X25519 private key. */
export const X25519_PKCS8_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
);
/** RFC 8410 §7: a PKCS#8 OneAsymmetricKey holding a 32-byte Ed25519 seed. */
export const ED25519_PKCS8_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
);

export function withPrefix(prefix: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + body.length);
  out.set(prefix);
  out.set(body, prefix.length);
  return out;
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** A non-negative integer as unsigned big-endian bytes, for JWK (RFC 7518 §6.3). */
export function bigintBytes(x: bigint): Uint8Array {
  let hex = x.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  return new Uint8Array(Buffer.from(hex, "hex"));
}
