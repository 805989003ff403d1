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
import { itHoldsAeadProperties } from "../helpers/aead-properties.js";
import { nodeAeadSeal } from "../helpers/node-aead.js";

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

const nodeSeal = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array =>
  nodeAeadSeal("CHACHA20-POLY1305", key, nonce, aad, plaintext);

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
  itHoldsAeadProperties({
    algorithms: ["CHACHA20-POLY1305"],
    create: (_, key) => new ChaCha20Poly1305(key),
    noble: nobleChaChaPoly,
    recordOffset: 5,
  });
});
