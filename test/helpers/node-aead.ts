/**
 * node:crypto (OpenSSL) as the outside oracle for the TLS 1.3 AEADs: what our AES-GCM and
 * ChaCha20-Poly1305, the record layer and the provider must agree with byte for byte.
 */
import { createCipheriv } from "node:crypto";
import type { AeadAlgorithm } from "../../src/crypto/provider.js";
import { bytesFromSeed } from "./seeded-bytes.js";

export const AEAD_ALGORITHMS: readonly AeadAlgorithm[] = ["AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305"];

/** Key length in bytes of each AEAD (RFC 8446 §B.4 cipher suites). */
export const AEAD_KEY_LENGTH: Readonly<Record<AeadAlgorithm, number>> = { "AES-128-GCM": 16, "AES-256-GCM": 32, "CHACHA20-POLY1305": 32 };

/** OpenSSL's name for each AEAD. The cast in callers only picks an overload of createCipheriv. */
export const NODE_AEAD_NAME = { "AES-128-GCM": "aes-128-gcm", "AES-256-GCM": "aes-256-gcm", "CHACHA20-POLY1305": "chacha20-poly1305" } as const;

/** node:crypto's seal with a 16-byte tag (RFC 5116 / RFC 8439 form): ciphertext || tag. */
export function nodeAeadSeal(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv(NODE_AEAD_NAME[algorithm] as "aes-128-gcm", key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

/** Key, nonce, AAD and plaintext cut from one seeded stream, so one fast-check integer makes them all. */
export function aeadInputsFromSeed(
  seed: number,
  sizes: { keyLength: number; aadLength: number; length: number },
): { key: Uint8Array; nonce: Uint8Array; aad: Uint8Array; plaintext: Uint8Array } {
  const { keyLength, aadLength, length } = sizes;
  const material = bytesFromSeed(seed, keyLength + 12 + aadLength + length);
  // slice, not subarray, for nonce and AAD: tamper tests flip their bits without touching the key.
  return {
    key: material.subarray(0, keyLength),
    nonce: material.slice(keyLength, keyLength + 12),
    aad: material.slice(keyLength + 12, keyLength + 12 + aadLength),
    plaintext: material.subarray(keyLength + 12 + aadLength),
  };
}
