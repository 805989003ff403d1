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
// The PKCS#8 prefixes and JWK member encodings are the WebCrypto provider's (core, no Buffer).
export { ED25519_PKCS8_PREFIX, X25519_PKCS8_PREFIX, base64url, bigintBytes, withPrefix } from "../crypto/webcrypto/encoding.js";
