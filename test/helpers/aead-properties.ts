/**
 * The fast-check properties every in-house AEAD must hold against node:crypto (OpenSSL) and
 * @noble/ciphers: in-place seal and open at any offset, verify-before-decrypt on any flipped bit,
 * and per-key state that stays right across many records and buffers. One definition serves
 * AES-GCM and ChaCha20-Poly1305, so the two are held to the same bar.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import type { AeadAlgorithm } from "../../src/crypto/provider.js";
import { AEAD_KEY_LENGTH, aeadInputsFromSeed, nodeAeadSeal } from "./node-aead.js";
import { bytesFromSeed } from "./seeded-bytes.js";

interface InPlaceAead {
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void;
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean;
}

export interface AeadUnderTest {
  /** The algorithms this implementation serves (one AeadKey per key). */
  algorithms: readonly AeadAlgorithm[];
  /**
   * The cipher class itself (AesGcm, ChaCha20Poly1305), not the provider's AeadKey: here `open`
   * takes the ciphertext length without the tag, as the classes do.
   */
  create: (algorithm: AeadAlgorithm, key: Uint8Array) => InPlaceAead;
  /** @noble/ciphers' one-shot encrypt for the same algorithm: a second, independent oracle. */
  noble: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) => { encrypt(plaintext: Uint8Array): Uint8Array };
  /** Where the per-record test seals inside its buffers (an odd offset catches alignment slips). */
  recordOffset: number;
}

/** Registers the property tests with vitest's `it`; call inside a `describe`. */
export function itHoldsAeadProperties(aead: AeadUnderTest): void {
  const input = fc.record({
    algorithm: fc.constantFrom(...aead.algorithms),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    // Short lengths cover every partial-block case; long ones cross many 64-byte ChaCha and 16-byte GCM blocks.
    length: fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 20000 })),
    // 5 is the TLS 1.3 record header, the AAD the record layer always uses (RFC 8446 §5.2).
    aadLength: fc.oneof(fc.constant(5), fc.integer({ min: 0, max: 70 })),
    offset: fc.integer({ min: 0, max: 9 }),
  });
  const inputsOf = (c: { algorithm: AeadAlgorithm; seed: number; aadLength: number; length: number }) =>
    aeadInputsFromSeed(c.seed, { keyLength: AEAD_KEY_LENGTH[c.algorithm], aadLength: c.aadLength, length: c.length });

  it("seal equals node:crypto and noble byte for byte, in place, touching nothing else", () => {
    fc.assert(
      fc.property(input, (c) => {
        const { key, nonce, aad, plaintext } = inputsOf(c);
        const expected = toHex(nodeAeadSeal(c.algorithm, key, nonce, aad, plaintext));
        expect(toHex(aead.noble(key, nonce, aad).encrypt(plaintext))).toBe(expected);
        const buf = new Uint8Array(c.offset + c.length + 16 + 4).fill(0x5a);
        buf.set(plaintext, c.offset);
        aead.create(c.algorithm, key).seal(nonce, aad, buf, c.offset, c.length);
        expect(toHex(buf.subarray(c.offset, c.offset + c.length + 16))).toBe(expected);
        expect(buf.subarray(0, c.offset).every((b) => b === 0x5a)).toBe(true);
        expect(buf.subarray(c.offset + c.length + 16).every((b) => b === 0x5a)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it("open recovers node:crypto's plaintext in place", () => {
    fc.assert(
      fc.property(input, (c) => {
        const { key, nonce, aad, plaintext } = inputsOf(c);
        const sealed = nodeAeadSeal(c.algorithm, key, nonce, aad, plaintext);
        const buf = new Uint8Array(c.offset + sealed.length);
        buf.set(sealed, c.offset);
        expect(aead.create(c.algorithm, key).open(nonce, aad, buf, c.offset, c.length)).toBe(true);
        expect(toHex(buf.subarray(c.offset, c.offset + c.length))).toBe(toHex(plaintext));
      }),
      { numRuns: 80 },
    );
  });

  it("a flipped bit anywhere in ciphertext, tag, AAD or nonce fails, and the buffer is not decrypted", () => {
    fc.assert(
      fc.property(input, fc.constantFrom("sealed", "aad", "nonce"), fc.nat(), fc.integer({ min: 0, max: 7 }), (c, where, position, bit) => {
        const { key, nonce, aad, plaintext } = inputsOf(c);
        const sealed = nodeAeadSeal(c.algorithm, key, nonce, aad, plaintext);
        const target = where === "sealed" ? sealed : where === "aad" ? aad : nonce;
        if (target.length === 0) return; // nothing to tamper with (empty AAD)
        target[position % target.length] ^= 1 << bit;
        const before = toHex(sealed);
        expect(aead.create(c.algorithm, key).open(nonce, aad, sealed, 0, c.length)).toBe(false);
        // Verify-then-decrypt: a forgery never yields plaintext.
        expect(toHex(sealed)).toBe(before);
      }),
      { numRuns: 120 },
    );
  });

  it("one key serves many records and buffers in turn (per-key state and cached views stay correct)", () => {
    for (const algorithm of aead.algorithms) {
      const key = bytesFromSeed(7, AEAD_KEY_LENGTH[algorithm]);
      const sealer = aead.create(algorithm, key);
      const a = new Uint8Array(4096);
      const b = new Uint8Array(4096);
      const at = aead.recordOffset;
      for (let i = 0; i < 40; i++) {
        const buf = i % 3 === 0 ? a : b;
        const nonce = bytesFromSeed(100 + i, 12);
        const aad = bytesFromSeed(200 + i, 5);
        const plaintext = bytesFromSeed(300 + i, (i * 97) % 4000);
        buf.set(plaintext, at);
        sealer.seal(nonce, aad, buf, at, plaintext.length);
        expect(toHex(buf.subarray(at, at + plaintext.length + 16))).toBe(toHex(nodeAeadSeal(algorithm, key, nonce, aad, plaintext)));
      }
    }
  });
}
