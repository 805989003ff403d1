/**
 * AES and AES-GCM (src/crypto/aes.ts, gcm.ts) against outside truth: FIPS 197 Appendix C, the
 * McGrew-Viega GCM test cases (vectors/aead/), node:crypto (OpenSSL) and @noble/ciphers.
 */
import { createCipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { gcm as nobleGcm } from "@noble/ciphers/aes.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/bytes/index.js";
import { aesEncryptBlock, expandAesKey } from "../../src/crypto/aes.js";
import { AesGcm } from "../../src/crypto/gcm.js";
import { pureProvider } from "../../src/crypto/pure.js";

interface GcmCase {
  testCase: number;
  key: string;
  plaintext: string;
  iv: string;
  aad: string;
  ciphertext: string;
  tag: string;
}
const vectors = JSON.parse(readFileSync(new URL("../../vectors/aead/gcm-mcgrew-viega.json", import.meta.url), "utf8")) as { cases: GcmCase[] };

function nodeGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv(key.length === 16 ? "aes-128-gcm" : "aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

/** Deterministic filler so large inputs are cheap to generate from a fast-check seed. */
function bytesFromSeed(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe("AES block cipher, FIPS 197 Appendix C", () => {
  const plaintext = fromHex("00112233445566778899aabbccddeeff");
  const cases = [
    { name: "C.1 AES-128", key: "000102030405060708090a0b0c0d0e0f", ciphertext: "69c4e0d86a7b0430d8cdb78070b4c55a" },
    { name: "C.3 AES-256", key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", ciphertext: "8ea2b7ca516745bfeafc49904b496089" },
  ];
  for (const c of cases) {
    it(`${c.name} matches the standard and node:crypto`, () => {
      const key = fromHex(c.key);
      const ecb = createCipheriv(key.length === 16 ? "aes-128-ecb" : "aes-256-ecb", key, null).setAutoPadding(false);
      expect(toHex(new Uint8Array(ecb.update(plaintext)))).toBe(c.ciphertext);
      const out = new Int32Array(4);
      const words = new DataView(plaintext.buffer, plaintext.byteOffset);
      aesEncryptBlock(expandAesKey(key), words.getInt32(0), words.getInt32(4), words.getInt32(8), words.getInt32(12), out);
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < 4; i++) view.setInt32(4 * i, out[i]);
      expect(toHex(bytes)).toBe(c.ciphertext);
    });
  }
});

describe("AES-GCM, McGrew & Viega test cases (vectors/aead/gcm-mcgrew-viega.json)", () => {
  it("holds AES-128 cases 1-6 and AES-256 cases 13-18", () => {
    expect(vectors.cases.map((c) => c.testCase)).toEqual([1, 2, 3, 4, 5, 6, 13, 14, 15, 16, 17, 18]);
  });

  for (const c of vectors.cases) {
    const key = fromHex(c.key);
    const iv = fromHex(c.iv);
    const aad = fromHex(c.aad);
    const plaintext = fromHex(c.plaintext);

    it(`test case ${c.testCase}: the transcribed vector agrees with node:crypto`, () => {
      expect(toHex(nodeGcmSeal(key, iv, aad, plaintext))).toBe(c.ciphertext + c.tag);
    });

    // TLS 1.3 nonces are always 96 bits (RFC 8446 §5.3); mutls's GCM implements only that form,
    // so the 64-bit and 480-bit IV cases (5, 6, 17, 18) are checked against node:crypto above only.
    it.skipIf(iv.length !== 12)(`test case ${c.testCase}: mutls seals and opens it in place`, () => {
      const buf = new Uint8Array(3 + plaintext.length + 16 + 3).fill(0xa5);
      buf.set(plaintext, 3);
      const aead = new AesGcm(key);
      aead.seal(iv, aad, buf, 3, plaintext.length);
      expect(toHex(buf.subarray(3, 3 + plaintext.length + 16))).toBe(c.ciphertext + c.tag);
      expect([...buf.subarray(0, 3), ...buf.subarray(buf.length - 3)]).toEqual([0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5]);
      expect(aead.open(iv, aad, buf, 3, plaintext.length)).toBe(true);
      expect(toHex(buf.subarray(3, 3 + plaintext.length))).toBe(c.plaintext);
    });
  }
});

describe("AES-GCM properties against node:crypto and @noble/ciphers", () => {
  const input = fc.record({
    keyLength: fc.constantFrom(16, 32),
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    length: fc.oneof(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 20000 })),
    aadLength: fc.oneof(fc.constant(5), fc.integer({ min: 0, max: 70 })),
    offset: fc.integer({ min: 0, max: 9 }),
  });

  it("seal equals node:crypto and noble byte for byte, in place, touching nothing else", () => {
    fc.assert(
      fc.property(input, ({ keyLength, seed, length, aadLength, offset }) => {
        const material = bytesFromSeed(seed, keyLength + 12 + aadLength + length);
        const key = material.subarray(0, keyLength);
        const nonce = material.subarray(keyLength, keyLength + 12);
        const aad = material.subarray(keyLength + 12, keyLength + 12 + aadLength);
        const plaintext = material.subarray(keyLength + 12 + aadLength);
        const expected = toHex(nodeGcmSeal(key, nonce, aad, plaintext));
        expect(toHex(nobleGcm(key, nonce, aad).encrypt(plaintext))).toBe(expected);
        const buf = new Uint8Array(offset + length + 16 + 4).fill(0x5a);
        buf.set(plaintext, offset);
        new AesGcm(key).seal(nonce, aad, buf, offset, length);
        expect(toHex(buf.subarray(offset, offset + length + 16))).toBe(expected);
        expect(buf.subarray(0, offset).every((b) => b === 0x5a)).toBe(true);
        expect(buf.subarray(offset + length + 16).every((b) => b === 0x5a)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it("open recovers node:crypto's plaintext in place", () => {
    fc.assert(
      fc.property(input, ({ keyLength, seed, length, aadLength, offset }) => {
        const material = bytesFromSeed(seed, keyLength + 12 + aadLength + length);
        const key = material.subarray(0, keyLength);
        const nonce = material.subarray(keyLength, keyLength + 12);
        const aad = material.subarray(keyLength + 12, keyLength + 12 + aadLength);
        const plaintext = material.subarray(keyLength + 12 + aadLength);
        const sealed = nodeGcmSeal(key, nonce, aad, plaintext);
        const buf = new Uint8Array(offset + sealed.length);
        buf.set(sealed, offset);
        expect(new AesGcm(key).open(nonce, aad, buf, offset, length)).toBe(true);
        expect(toHex(buf.subarray(offset, offset + length))).toBe(toHex(plaintext));
      }),
      { numRuns: 80 },
    );
  });

  it("a flipped bit anywhere in ciphertext, tag, AAD or nonce fails, and the buffer is not decrypted", () => {
    fc.assert(
      fc.property(input, fc.constantFrom("sealed", "aad", "nonce"), fc.nat(), fc.integer({ min: 0, max: 7 }), (c, where, position, bit) => {
        const material = bytesFromSeed(c.seed, c.keyLength + 12 + c.aadLength + c.length);
        const key = material.subarray(0, c.keyLength);
        const nonce = material.slice(c.keyLength, c.keyLength + 12);
        const aad = material.slice(c.keyLength + 12, c.keyLength + 12 + c.aadLength);
        const sealed = nodeGcmSeal(key, nonce, aad, material.subarray(c.keyLength + 12 + c.aadLength));
        const target = where === "sealed" ? sealed : where === "aad" ? aad : nonce;
        if (target.length === 0) return; // nothing to tamper with (empty AAD)
        target[position % target.length] ^= 1 << bit;
        const before = toHex(sealed);
        expect(new AesGcm(key).open(nonce, aad, sealed, 0, c.length)).toBe(false);
        // Verify-then-decrypt: a forgery never yields plaintext.
        expect(toHex(sealed)).toBe(before);
      }),
      { numRuns: 120 },
    );
  });

  it("a message past 1 MiB, whose block counter crosses 2^16, still equals node:crypto", () => {
    const key = bytesFromSeed(3, 32);
    const nonce = bytesFromSeed(4, 12);
    const plaintext = bytesFromSeed(5, (1 << 20) + 4096 + 7);
    const buf = new Uint8Array(plaintext.length + 16);
    buf.set(plaintext);
    const aead = new AesGcm(key);
    aead.seal(nonce, new Uint8Array(0), buf, 0, plaintext.length);
    expect(toHex(buf)).toBe(toHex(nodeGcmSeal(key, nonce, new Uint8Array(0), plaintext)));
    expect(aead.open(nonce, new Uint8Array(0), buf, 0, plaintext.length)).toBe(true);
    expect(toHex(buf.subarray(0, plaintext.length))).toBe(toHex(plaintext));
  });

  it("one key serves many records and buffers in turn (per-key state and cached views stay correct)", () => {
    const key = bytesFromSeed(7, 16);
    const aead = pureProvider.aead("AES-128-GCM", key);
    const a = new Uint8Array(4096);
    const b = new Uint8Array(4096);
    for (let i = 0; i < 40; i++) {
      const buf = i % 3 === 0 ? a : b;
      const nonce = bytesFromSeed(100 + i, 12);
      const aad = bytesFromSeed(200 + i, 5);
      const plaintext = bytesFromSeed(300 + i, (i * 97) % 4000);
      buf.set(plaintext, 7);
      aead.seal(nonce, aad, buf, 7, plaintext.length);
      expect(toHex(buf.subarray(7, 7 + plaintext.length + 16))).toBe(toHex(nodeGcmSeal(key, nonce, aad, plaintext)));
    }
  });
});
