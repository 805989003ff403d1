/**
 * The TLS 1.3 AEADs (RFC 8446 §5.2, cipher suites of §B.4) behind the in-place `AeadKey`
 * interface, on the in-house AES-GCM and ChaCha20-Poly1305 (gcm.ts, chacha20-poly1305.ts), one
 * module per AEAD so that a composed provider pulls in only the ciphers it names.
 *
 * @noble/ciphers offers only one-shot AEADs: each call expands the AES key, rebuilds the GHASH
 * tables and allocates its output. Here the per-key state is built once, when the traffic key is
 * bound, and a record is sealed or opened in the caller's buffer without allocating.
 */
import { fail } from "../bytes/index.js";
import { ChaCha20Poly1305 } from "./chacha20-poly1305.js";
import { AesGcm } from "./gcm.js";
import { type GhashTables, compactGcmTables } from "./ghash.js";
import type { AeadAlgorithm, AeadKey } from "./provider.js";

/** RFC 5116 §5.1/§5.2 and RFC 8439 §2.8: every TLS 1.3 AEAD has a 16-byte tag and 12-byte nonce. */
export const AEAD_TAG_LENGTH = 16;
export const AEAD_NONCE_LENGTH = 12;

export function aeadKeyLength(algorithm: AeadAlgorithm): number {
  switch (algorithm) {
    case "AES-128-GCM":
      return 16;
    case "AES-256-GCM":
    case "CHACHA20-POLY1305":
      return 32;
    default:
      return fail("internal_error", `unsupported AEAD ${String(algorithm)}`);
  }
}

/** The in-place cipher under an `AeadKey`: the caller has checked the nonce and the bounds. */
export interface InPlaceAead {
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void;
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean;
}

/** Validates each call at the boundary (cheap integer checks), then runs the cipher in place. */
class BoundAeadKey implements AeadKey {
  constructor(
    readonly algorithm: AeadAlgorithm,
    private readonly cipher: InPlaceAead,
  ) {}

  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void {
    checkNonce(nonce);
    if (offset < 0 || length < 0 || offset + length + AEAD_TAG_LENGTH > buf.length) {
      fail("internal_error", "AEAD seal: no room for the ciphertext and tag in the buffer");
    }
    this.cipher.seal(nonce, aad, buf, offset, length);
  }

  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean {
    checkNonce(nonce);
    if (offset < 0 || length < AEAD_TAG_LENGTH || offset + length > buf.length) return false;
    // The cipher takes the ciphertext length; the tag follows it.
    return this.cipher.open(nonce, aad, buf, offset, length - AEAD_TAG_LENGTH);
  }
}

function checkNonce(nonce: Uint8Array): void {
  // The per-record nonce is built by the record layer (RFC 8446 §5.3); a wrong length is our bug.
  if (nonce.length !== AEAD_NONCE_LENGTH) fail("internal_error", "AEAD nonce must be 12 bytes");
}

/**
 * One TLS 1.3 AEAD (RFC 8446 §B.4), as a module a composed provider may carry (`createProvider`):
 * `aes128gcm`, `aes256gcm` or `chacha20poly1305`.
 */
export interface AeadCipher {
  readonly algorithm: AeadAlgorithm;
  /** Expands the key into per-key state (round keys, GHASH table, key words). */
  expandKey(key: Uint8Array, gcmTables: GhashTables): InPlaceAead;
}

export const aes128gcm: AeadCipher = { algorithm: "AES-128-GCM", expandKey: (key, gcmTables) => new AesGcm(key, gcmTables) };
export const aes256gcm: AeadCipher = { algorithm: "AES-256-GCM", expandKey: (key, gcmTables) => new AesGcm(key, gcmTables) };
export const chacha20poly1305: AeadCipher = { algorithm: "CHACHA20-POLY1305", expandKey: (key) => new ChaCha20Poly1305(key) };

/**
 * Binds an AEAD to one traffic key, checking the key once rather than per record. `gcmTables`
 * picks the GHASH table of AES-GCM keys (ghash.ts).
 */
export function bindAeadKey(cipher: AeadCipher, key: Uint8Array, gcmTables: GhashTables = compactGcmTables): AeadKey {
  const keyLength = aeadKeyLength(cipher.algorithm);
  if (key.length !== keyLength) {
    fail("internal_error", `${cipher.algorithm} needs a ${keyLength}-byte key, got ${key.length}`);
  }
  // The key is consumed here (expanded into round keys / key words), so a caller reusing its key
  // buffer cannot change a live traffic key.
  return new BoundAeadKey(cipher.algorithm, cipher.expandKey(key, gcmTables));
}
