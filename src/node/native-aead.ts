/**
 * The TLS 1.3 AEADs (RFC 8446 §5.2) on node:crypto, behind the in-place `AeadKey` interface.
 * node:crypto cannot reuse a cipher context across nonces, so each record gets a fresh one; the
 * key itself is imported once, as a KeyObject, per traffic key.
 */
import {
  type CipherChaCha20Poly1305,
  type CipherGCM,
  type DecipherChaCha20Poly1305,
  type DecipherGCM,
  type KeyObject,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
} from "node:crypto";
import { fail } from "../bytes/index.js";
import { AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, aeadKeyLength } from "../crypto/aead.js";
import type { AeadAlgorithm, AeadKey } from "../crypto/provider.js";

const NODE_AEAD: Record<AeadAlgorithm, "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305"> = {
  "AES-128-GCM": "aes-128-gcm",
  "AES-256-GCM": "aes-256-gcm",
  "CHACHA20-POLY1305": "chacha20-poly1305",
};

class NativeAeadKey implements AeadKey {
  private readonly cipherName: NodeAeadName;

  constructor(
    readonly algorithm: AeadAlgorithm,
    private readonly key: KeyObject,
  ) {
    this.cipherName = NODE_AEAD[algorithm];
  }

  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void {
    checkNonce(nonce);
    if (offset < 0 || length < 0 || offset + length + AEAD_TAG_LENGTH > buf.length) {
      fail("internal_error", "AEAD seal: no room for the ciphertext and tag in the buffer");
    }
    const cipher = startCipher(this.cipherName, this.key, nonce);
    cipher.setAAD(aad, { plaintextLength: length });
    const ciphertext = cipher.update(buf.subarray(offset, offset + length));
    cipher.final(); // GCM and ChaCha20-Poly1305 are stream modes: final() yields no bytes
    buf.set(ciphertext, offset);
    buf.set(cipher.getAuthTag(), offset + length);
  }

  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean {
    checkNonce(nonce);
    if (offset < 0 || length < AEAD_TAG_LENGTH || offset + length > buf.length) return false;
    const textEnd = offset + length - AEAD_TAG_LENGTH;
    const decipher = startDecipher(this.cipherName, this.key, nonce);
    decipher.setAAD(aad, { plaintextLength: length - AEAD_TAG_LENGTH });
    decipher.setAuthTag(buf.subarray(textEnd, offset + length));
    const plaintext = decipher.update(buf.subarray(offset, textEnd));
    try {
      decipher.final();
    } catch {
      // OpenSSL reports a tag mismatch by throwing; RFC 8446 §5.2 makes it bad_record_mac, which the
      // record layer raises when we answer false. The unauthenticated plaintext is never copied out.
      return false;
    }
    buf.set(plaintext, offset);
    return true;
  }
}

type NodeAeadName = (typeof NODE_AEAD)[AeadAlgorithm];

// Node types the GCM and ChaCha20-Poly1305 overloads apart, hence one branch each.
function startCipher(name: NodeAeadName, key: KeyObject, nonce: Uint8Array): CipherGCM | CipherChaCha20Poly1305 {
  const options = { authTagLength: AEAD_TAG_LENGTH };
  return name === "chacha20-poly1305" ? createCipheriv(name, key, nonce, options) : createCipheriv(name, key, nonce, options);
}

function startDecipher(name: NodeAeadName, key: KeyObject, nonce: Uint8Array): DecipherGCM | DecipherChaCha20Poly1305 {
  const options = { authTagLength: AEAD_TAG_LENGTH };
  return name === "chacha20-poly1305" ? createDecipheriv(name, key, nonce, options) : createDecipheriv(name, key, nonce, options);
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== AEAD_NONCE_LENGTH) fail("internal_error", "AEAD nonce must be 12 bytes");
}

export function nativeAead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
  const keyLength = aeadKeyLength(algorithm);
  if (key.length !== keyLength) fail("internal_error", `${algorithm} needs a ${keyLength}-byte key, got ${key.length}`);
  // createSecretKey copies, so a caller reusing its key buffer cannot change a live traffic key.
  return new NativeAeadKey(algorithm, createSecretKey(key));
}
