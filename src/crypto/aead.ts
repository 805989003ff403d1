/**
 * The TLS 1.3 AEADs (RFC 8446 §5.2, cipher suites of §B.4) behind the in-place `AeadKey`
 * interface. This version wraps @noble/ciphers and copies the result back into the caller's
 * buffer; the record layer's contract (in place, tag after the text) is what matters here, and a
 * zero-allocation implementation can replace this file without touching callers.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { fail } from "../bytes/index.js";
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

type AeadConstructor = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) => {
  encrypt(plaintext: Uint8Array): Uint8Array;
  decrypt(ciphertext: Uint8Array): Uint8Array;
};

class NobleAeadKey implements AeadKey {
  constructor(
    readonly algorithm: AeadAlgorithm,
    private readonly key: Uint8Array,
    private readonly construct: AeadConstructor,
  ) {}

  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void {
    checkNonce(nonce);
    if (offset < 0 || length < 0 || offset + length + AEAD_TAG_LENGTH > buf.length) {
      fail("internal_error", "AEAD seal: no room for the ciphertext and tag in the buffer");
    }
    const sealed = this.construct(this.key, nonce, aad).encrypt(buf.subarray(offset, offset + length));
    buf.set(sealed, offset);
  }

  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean {
    checkNonce(nonce);
    if (offset < 0 || length < AEAD_TAG_LENGTH || offset + length > buf.length) return false;
    let plaintext: Uint8Array;
    try {
      plaintext = this.construct(this.key, nonce, aad).decrypt(buf.subarray(offset, offset + length));
    } catch {
      // noble throws on a tag mismatch; the interface reports it as a value (RFC 8446 §5.2:
      // the caller turns it into bad_record_mac).
      return false;
    }
    buf.set(plaintext, offset);
    return true;
  }
}

function checkNonce(nonce: Uint8Array): void {
  // The per-record nonce is built by the record layer (RFC 8446 §5.3); a wrong length is our bug.
  if (nonce.length !== AEAD_NONCE_LENGTH) fail("internal_error", "AEAD nonce must be 12 bytes");
}

/** Binds an AEAD to one traffic key, checking the key once rather than per record. */
export function createAeadKey(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  const keyLength = aeadKeyLength(algorithm);
  if (key.length !== keyLength) {
    fail("internal_error", `${algorithm} needs a ${keyLength}-byte key, got ${key.length}`);
  }
  // A private copy, so a caller reusing its key buffer cannot change a live traffic key.
  const ownKey = key.slice();
  const construct: AeadConstructor = algorithm === "CHACHA20-POLY1305" ? chacha20poly1305 : gcm;
  return new NobleAeadKey(algorithm, ownKey, construct);
}
