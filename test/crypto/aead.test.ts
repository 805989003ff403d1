import { createCipheriv } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TLSError, asciiBytes, concatBytes, fromHex, toHex } from "../../src/bytes/index.js";
import type { AeadAlgorithm } from "../../src/crypto/provider.js";
import { pureProvider as p } from "../../src/crypto/pure.js";

const ALGORITHMS: AeadAlgorithm[] = ["AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305"];
const KEY_LENGTH: Record<AeadAlgorithm, number> = { "AES-128-GCM": 16, "AES-256-GCM": 32, "CHACHA20-POLY1305": 32 };
const NODE_NAME = { "AES-128-GCM": "aes-128-gcm", "AES-256-GCM": "aes-256-gcm", "CHACHA20-POLY1305": "chacha20-poly1305" } as const;

/** node:crypto's seal, returning ciphertext || tag. */
function nodeSeal(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const cipher =
    algorithm === "CHACHA20-POLY1305"
      ? createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 })
      : createCipheriv(NODE_NAME[algorithm] as "aes-128-gcm", key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([body, cipher.getAuthTag()]));
}

/** Seals with our AeadKey at `offset` inside a larger buffer; returns the whole buffer. */
function sealInPlace(algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, offset: number) {
  const buf = new Uint8Array(offset + plaintext.length + 16 + 7).fill(0xee);
  buf.set(plaintext, offset);
  p.aead(algorithm, key).seal(nonce, aad, buf, offset, plaintext.length);
  return buf;
}

describe("ChaCha20-Poly1305, RFC 8439 §2.8.2", () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);
  const nonce = fromHex("070000004041424344454647");
  const aad = fromHex("50515253c0c1c2c3c4c5c6c7");
  const plaintext = asciiBytes(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const ciphertext = fromHex(
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b" +
      "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
      "3ff4def08e4b7a9de576d26586cec64b6116",
  );
  const tag = fromHex("1ae10b594f09e26a7e902ecbd0600691");

  it("seals to the RFC ciphertext and tag", () => {
    const buf = sealInPlace("CHACHA20-POLY1305", key, nonce, aad, plaintext, 5);
    expect(toHex(buf.subarray(5, 5 + plaintext.length + 16))).toBe(toHex(concatBytes(ciphertext, tag)));
    expect(buf[4]).toBe(0xee);
    expect(buf[5 + plaintext.length + 16]).toBe(0xee);
  });

  it("opens the RFC ciphertext in place", () => {
    const buf = concatBytes(ciphertext, tag);
    expect(p.aead("CHACHA20-POLY1305", key).open(nonce, aad, buf, 0, buf.length)).toBe(true);
    expect(toHex(buf.subarray(0, plaintext.length))).toBe(toHex(plaintext));
  });
});

describe("AES-GCM, McGrew & Viega test cases (NIST GCM spec)", () => {
  const iv = fromHex("cafebabefacedbaddecaf888");
  const aad = fromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const plaintext = fromHex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
  );
  const cases = [
    {
      name: "test case 4 (AES-128)",
      algorithm: "AES-128-GCM" as const,
      key: fromHex("feffe9928665731c6d6a8f9467308308"),
      ciphertext:
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      tag: "5bc94fbc3221a5db94fae95ae7121a47",
    },
    {
      name: "test case 16 (AES-256)",
      algorithm: "AES-256-GCM" as const,
      key: fromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
      ciphertext:
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
      tag: "76fc6ece0f4e1768cddf8853bb2d551b",
    },
  ];
  for (const c of cases) {
    it(`${c.name} seals and opens`, () => {
      const buf = sealInPlace(c.algorithm, c.key, iv, aad, plaintext, 0);
      expect(toHex(buf.subarray(0, plaintext.length + 16))).toBe(c.ciphertext + c.tag);
      const sealed = fromHex(c.ciphertext + c.tag);
      expect(p.aead(c.algorithm, c.key).open(iv, aad, sealed, 0, sealed.length)).toBe(true);
      expect(toHex(sealed.subarray(0, plaintext.length))).toBe(toHex(plaintext));
    });
  }
});

describe("AEADs against node:crypto", () => {
  const input = fc
    .constantFrom(...ALGORITHMS)
    .chain((algorithm) =>
      fc.record({
        algorithm: fc.constant(algorithm),
        key: fc.uint8Array({ minLength: KEY_LENGTH[algorithm], maxLength: KEY_LENGTH[algorithm] }),
        nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
        aad: fc.uint8Array({ maxLength: 40 }),
        plaintext: fc.uint8Array({ maxLength: 300 }),
        offset: fc.integer({ min: 0, max: 20 }),
      }),
    );

  it("seal writes exactly what node:crypto produces, and nothing outside the record", () => {
    fc.assert(
      fc.property(input, ({ algorithm, key, nonce, aad, plaintext, offset }) => {
        const buf = sealInPlace(algorithm, key, nonce, aad, plaintext, offset);
        const end = offset + plaintext.length + 16;
        expect(toHex(buf.subarray(offset, end))).toBe(toHex(nodeSeal(algorithm, key, nonce, aad, plaintext)));
        expect(buf.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(buf.subarray(end).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("open recovers node:crypto's plaintext in place", () => {
    fc.assert(
      fc.property(input, ({ algorithm, key, nonce, aad, plaintext, offset }) => {
        const sealed = nodeSeal(algorithm, key, nonce, aad, plaintext);
        const buf = new Uint8Array(offset + sealed.length);
        buf.set(sealed, offset);
        expect(p.aead(algorithm, key).open(nonce, aad, buf, offset, sealed.length)).toBe(true);
        expect(toHex(buf.subarray(offset, offset + plaintext.length))).toBe(toHex(plaintext));
      }),
      { numRuns: 150 },
    );
  });

  it("any flipped bit in ciphertext, tag, AAD or nonce makes open return false", () => {
    fc.assert(
      fc.property(
        input,
        fc.constantFrom("sealed", "aad", "nonce"),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        ({ algorithm, key, nonce: originalNonce, aad: originalAad, plaintext }, where, position, bit) => {
          const sealed = nodeSeal(algorithm, key, originalNonce, originalAad, plaintext);
          const nonce = originalNonce.slice();
          const aad = originalAad.slice();
          const target = where === "sealed" ? sealed : where === "aad" ? aad : nonce;
          if (target.length === 0) return; // nothing to tamper with (empty AAD)
          target[position % target.length] ^= 1 << bit;
          expect(p.aead(algorithm, key).open(nonce, aad, sealed, 0, sealed.length)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("open rejects input shorter than a tag and seal refuses a buffer without room for the tag", () => {
    const key = p.aead("AES-128-GCM", new Uint8Array(16));
    expect(key.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15), 0, 15)).toBe(false);
    expect(() => key.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(20), 0, 5)).toThrow(TLSError);
  });

  it("checks the key length once, when the key is bound", () => {
    for (const algorithm of ALGORITHMS) {
      expect(() => p.aead(algorithm, new Uint8Array(KEY_LENGTH[algorithm] + 1))).toThrow(TLSError);
      expect(() => p.aead(algorithm, new Uint8Array(KEY_LENGTH[algorithm] === 16 ? 32 : 16))).toThrow(TLSError);
    }
  });

  it("keeps its own copy of the key", () => {
    const raw = new Uint8Array(32).fill(7);
    const aead = p.aead("CHACHA20-POLY1305", raw);
    raw.fill(0);
    const nonce = new Uint8Array(12);
    const buf = new Uint8Array(3 + 16);
    aead.seal(nonce, new Uint8Array(0), buf, 0, 3);
    expect(toHex(buf)).toBe(toHex(nodeSeal("CHACHA20-POLY1305", new Uint8Array(32).fill(7), nonce, new Uint8Array(0), new Uint8Array(3))));
  });
});
