/**
 * AES and AES-GCM (src/crypto/aes.ts, gcm.ts) against outside truth: FIPS 197 Appendix C, the
 * McGrew-Viega GCM test cases (vectors/aead/), node:crypto (OpenSSL) and @noble/ciphers.
 */
import { createCipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { gcm as nobleGcm } from "@noble/ciphers/aes.js";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/bytes/index.js";
import { aesEncryptBlock, expandAesKey } from "../../src/crypto/aes.js";
import { AesGcm } from "../../src/crypto/gcm.js";
import { compactGcmTables, largeGcmTables } from "../../src/crypto/ghash.js";
import { itHoldsAeadProperties } from "../helpers/aead-properties.js";
import { nodeAeadSeal } from "../helpers/node-aead.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";

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

const nodeGcmSeal = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array =>
  nodeAeadSeal(key.length === 16 ? "AES-128-GCM" : "AES-256-GCM", key, nonce, aad, plaintext);

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
    it.skipIf(iv.length !== 12).each(["compact", "large"] as const)(`test case ${c.testCase}: mutls seals and opens it in place (%s GHASH table)`, (tables) => {
      const buf = new Uint8Array(3 + plaintext.length + 16 + 3).fill(0xa5);
      buf.set(plaintext, 3);
      const aead = new AesGcm(key, tables === "large" ? largeGcmTables : compactGcmTables);
      aead.seal(iv, aad, buf, 3, plaintext.length);
      expect(toHex(buf.subarray(3, 3 + plaintext.length + 16))).toBe(c.ciphertext + c.tag);
      expect([...buf.subarray(0, 3), ...buf.subarray(buf.length - 3)]).toEqual([0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5]);
      expect(aead.open(iv, aad, buf, 3, plaintext.length)).toBe(true);
      expect(toHex(buf.subarray(3, 3 + plaintext.length))).toBe(c.plaintext);
    });
  }
});

describe("AES-GCM properties against node:crypto and @noble/ciphers (compact GHASH table, the default)", () => {
  itHoldsAeadProperties({
    algorithms: ["AES-128-GCM", "AES-256-GCM"],
    create: (_, key) => new AesGcm(key),
    noble: nobleGcm,
    recordOffset: 7,
  });
});

describe("AES-GCM properties against node:crypto and @noble/ciphers (large GHASH table, opt-in)", () => {
  itHoldsAeadProperties({
    algorithms: ["AES-128-GCM", "AES-256-GCM"],
    create: (_, key) => new AesGcm(key, largeGcmTables),
    noble: nobleGcm,
    recordOffset: 5,
  });
});

describe("AES-GCM, long messages", () => {
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
});
