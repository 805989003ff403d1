/**
 * ChaCha20, Poly1305 and ChaCha20-Poly1305 (src/crypto/chacha20.ts, poly1305.ts,
 * chacha20-poly1305.ts) against RFC 8439's vectors (vectors/aead/rfc8439.json), node:crypto
 * (OpenSSL) and @noble/ciphers.
 */
import { createCipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { chacha20poly1305 as nobleChaChaPoly } from "@noble/ciphers/chacha.js";
import { poly1305 as noblePoly1305 } from "@noble/ciphers/_poly1305.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/bytes/index.js";
import { ChaCha20Poly1305 } from "../../src/crypto/chacha20-poly1305.js";
import { chachaKeyWords, chachaXor, chachaXorBlock } from "../../src/crypto/chacha20.js";
import { Poly1305 } from "../../src/crypto/poly1305.js";

interface Rfc8439 {
  chacha20Block: { section: string; key: string; counter: number; nonce: string; block: string }[];
  chacha20Encrypt: { section: string; key: string; counter: number; nonce: string; plaintext: string; ciphertext: string }[];
  poly1305: { section: string; key: string; message: string; tag: string }[];
  poly1305KeyGen: { section: string; key: string; nonce: string; oneTimeKey: string }[];
  aead: { section: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }[];
}
const rfc = JSON.parse(readFileSync(new URL("../../vectors/aead/rfc8439.json", import.meta.url), "utf8")) as Rfc8439;

/** node:crypto's raw ChaCha20: the 16-byte IV is the 32-bit little-endian counter, then the nonce. */
function nodeChaCha20(key: Uint8Array, counter: number, nonce: Uint8Array, input: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, counter, true);
  iv.set(nonce, 4);
  return new Uint8Array(createCipheriv("chacha20", key, iv).update(input));
}

function nodeSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

function nonceWords(nonce: Uint8Array): [number, number, number] {
  const v = new DataView(nonce.buffer, nonce.byteOffset);
  return [v.getInt32(0, true), v.getInt32(4, true), v.getInt32(8, true)];
}

/** The standalone MAC of RFC 8439 §2.5 with our Poly1305: whole blocks, then the final partial one. */
function ourPoly1305(key: Uint8Array, message: Uint8Array): Uint8Array {
  const mac = new Poly1305();
  mac.setKey(key, 0);
  const whole = message.length & ~15;
  mac.updatePadded(message, null, 0, whole);
  if (whole < message.length) mac.updateFinalPartial(message, whole, message.length - whole);
  const tag = new Uint8Array(16);
  mac.finish(tag, 0);
  return tag;
}

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

describe("ChaCha20, RFC 8439 §2.3.2, §2.4.2, §2.6.2 and A.1", () => {
  for (const v of rfc.chacha20Block) {
    it(`block function ${v.section}`, () => {
      const key = fromHex(v.key);
      const nonce = fromHex(v.nonce);
      expect(toHex(nodeChaCha20(key, v.counter, nonce, new Uint8Array(64)))).toBe(v.block);
      // XORed into zeros, the block function's output is the serialized block itself.
      const bytes = new Uint8Array(64 + 3);
      chachaXorBlock(chachaKeyWords(key), v.counter, ...nonceWords(nonce), new DataView(bytes.buffer), 3);
      expect(toHex(bytes.subarray(3))).toBe(v.block);
    });
  }

  for (const v of rfc.chacha20Encrypt) {
    it(`encryption ${v.section}, in place at an odd offset`, () => {
      const key = fromHex(v.key);
      const nonce = fromHex(v.nonce);
      const plaintext = fromHex(v.plaintext);
      expect(toHex(nodeChaCha20(key, v.counter, nonce, plaintext))).toBe(v.ciphertext);
      const buf = new Uint8Array(plaintext.length + 10);
      buf.set(plaintext, 5);
      const scratch = new Uint8Array(64);
      chachaXor(chachaKeyWords(key), v.counter, ...nonceWords(nonce), buf, new DataView(buf.buffer), 5, plaintext.length, scratch, new DataView(scratch.buffer));
      expect(toHex(buf.subarray(5, 5 + plaintext.length))).toBe(v.ciphertext);
    });
  }

  for (const v of rfc.poly1305KeyGen) {
    it(`Poly1305 key generation ${v.section}`, () => {
      const key = fromHex(v.key);
      expect(toHex(nodeChaCha20(key, 0, fromHex(v.nonce), new Uint8Array(32)))).toBe(v.oneTimeKey);
      const bytes = new Uint8Array(64);
      chachaXorBlock(chachaKeyWords(key), 0, ...nonceWords(fromHex(v.nonce)), new DataView(bytes.buffer), 0);
      expect(toHex(bytes.subarray(0, 32))).toBe(v.oneTimeKey);
    });
  }
});

describe("Poly1305, RFC 8439 §2.5.2 and A.3", () => {
  for (const v of rfc.poly1305) {
    it(`${v.section}: noble and mutls give the RFC's tag`, () => {
      const key = fromHex(v.key);
      const message = fromHex(v.message);
      expect(toHex(noblePoly1305(message, key))).toBe(v.tag);
      expect(toHex(ourPoly1305(key, message))).toBe(v.tag);
    });
  }

  it("equals noble for random keys and messages of every length class", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (key, message) => {
        expect(toHex(ourPoly1305(key, message))).toBe(toHex(noblePoly1305(message, key)));
      }),
      { numRuns: 300 },
    );
  });

  it("reduces correctly at the edges of the field (all-ones keys and messages)", () => {
    // r clamped to its maximum and h pushed near 2^130 - 5 exercise the final conditional subtraction.
    for (const fill of [0xff, 0xfe, 0x00]) {
      for (const length of [0, 1, 15, 16, 17, 64, 255]) {
        const key = new Uint8Array(32).fill(fill);
        const message = new Uint8Array(length).fill(0xff);
        expect(toHex(ourPoly1305(key, message))).toBe(toHex(noblePoly1305(message, key)));
      }
    }
  });
});

describe("ChaCha20-Poly1305 AEAD, RFC 8439 §2.8.2", () => {
  for (const v of rfc.aead) {
    it(`${v.section}: node:crypto and mutls agree with the RFC`, () => {
      const key = fromHex(v.key);
      const nonce = fromHex(v.nonce);
      const aad = fromHex(v.aad);
      const plaintext = fromHex(v.plaintext);
      expect(toHex(nodeSeal(key, nonce, aad, plaintext))).toBe(v.ciphertext + v.tag);
      const buf = new Uint8Array(plaintext.length + 16);
      buf.set(plaintext);
      const aead = new ChaCha20Poly1305(key);
      aead.seal(nonce, aad, buf, 0, plaintext.length);
      expect(toHex(buf)).toBe(v.ciphertext + v.tag);
      expect(aead.open(nonce, aad, buf, 0, plaintext.length)).toBe(true);
      expect(toHex(buf.subarray(0, plaintext.length))).toBe(v.plaintext);
    });
  }
});

describe("ChaCha20-Poly1305 properties against node:crypto and @noble/ciphers", () => {
  const input = fc.record({
    seed: fc.integer({ min: 1, max: 0x7fffffff }),
    length: fc.oneof(fc.integer({ min: 0, max: 130 }), fc.integer({ min: 0, max: 20000 })),
    aadLength: fc.oneof(fc.constant(5), fc.integer({ min: 0, max: 70 })),
    offset: fc.integer({ min: 0, max: 9 }),
  });

  it("seal equals node:crypto and noble byte for byte, in place, touching nothing else", () => {
    fc.assert(
      fc.property(input, ({ seed, length, aadLength, offset }) => {
        const material = bytesFromSeed(seed, 32 + 12 + aadLength + length);
        const key = material.subarray(0, 32);
        const nonce = material.subarray(32, 44);
        const aad = material.subarray(44, 44 + aadLength);
        const plaintext = material.subarray(44 + aadLength);
        const expected = toHex(nodeSeal(key, nonce, aad, plaintext));
        expect(toHex(nobleChaChaPoly(key, nonce, aad).encrypt(plaintext))).toBe(expected);
        const buf = new Uint8Array(offset + length + 16 + 4).fill(0x5a);
        buf.set(plaintext, offset);
        new ChaCha20Poly1305(key).seal(nonce, aad, buf, offset, length);
        expect(toHex(buf.subarray(offset, offset + length + 16))).toBe(expected);
        expect(buf.subarray(0, offset).every((b) => b === 0x5a)).toBe(true);
        expect(buf.subarray(offset + length + 16).every((b) => b === 0x5a)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it("open recovers node:crypto's plaintext in place", () => {
    fc.assert(
      fc.property(input, ({ seed, length, aadLength, offset }) => {
        const material = bytesFromSeed(seed, 32 + 12 + aadLength + length);
        const key = material.subarray(0, 32);
        const nonce = material.subarray(32, 44);
        const aad = material.subarray(44, 44 + aadLength);
        const plaintext = material.subarray(44 + aadLength);
        const sealed = nodeSeal(key, nonce, aad, plaintext);
        const buf = new Uint8Array(offset + sealed.length);
        buf.set(sealed, offset);
        expect(new ChaCha20Poly1305(key).open(nonce, aad, buf, offset, length)).toBe(true);
        expect(toHex(buf.subarray(offset, offset + length))).toBe(toHex(plaintext));
      }),
      { numRuns: 80 },
    );
  });

  it("a flipped bit anywhere in ciphertext, tag, AAD or nonce fails, and the buffer is not decrypted", () => {
    fc.assert(
      fc.property(input, fc.constantFrom("sealed", "aad", "nonce"), fc.nat(), fc.integer({ min: 0, max: 7 }), (c, where, position, bit) => {
        const material = bytesFromSeed(c.seed, 32 + 12 + c.aadLength + c.length);
        const key = material.subarray(0, 32);
        const nonce = material.slice(32, 44);
        const aad = material.slice(44, 44 + c.aadLength);
        const sealed = nodeSeal(key, nonce, aad, material.subarray(44 + c.aadLength));
        const target = where === "sealed" ? sealed : where === "aad" ? aad : nonce;
        if (target.length === 0) return; // nothing to tamper with (empty AAD)
        target[position % target.length] ^= 1 << bit;
        const before = toHex(sealed);
        expect(new ChaCha20Poly1305(key).open(nonce, aad, sealed, 0, c.length)).toBe(false);
        expect(toHex(sealed)).toBe(before);
      }),
      { numRuns: 120 },
    );
  });

  it("one key serves many records and buffers in turn (per-key state and cached views stay correct)", () => {
    const key = bytesFromSeed(11, 32);
    const aead = new ChaCha20Poly1305(key);
    const a = new Uint8Array(4096);
    const b = new Uint8Array(4096);
    for (let i = 0; i < 40; i++) {
      const buf = i % 3 === 0 ? a : b;
      const nonce = bytesFromSeed(100 + i, 12);
      const aad = bytesFromSeed(200 + i, 5);
      const plaintext = bytesFromSeed(300 + i, (i * 97) % 4000);
      buf.set(plaintext, 5);
      aead.seal(nonce, aad, buf, 5, plaintext.length);
      expect(toHex(buf.subarray(5, 5 + plaintext.length + 16))).toBe(toHex(nodeSeal(key, nonce, aad, plaintext)));
    }
  });
});
