/**
 * GHASH multiplication (src/crypto/ghash.ts), both table sizes, against two outside oracles:
 * the bit-by-bit multiplication of NIST SP 800-38D §6.3 (Algorithm 1, written out here from the
 * standard) and @noble/ciphers' GHASH, whose tag over one block X under key H is X * H.
 * The AES-GCM vectors and properties (aead-gcm.test.ts, wycheproof.test.ts) cover the tables in use.
 */
import { ghash as nobleGhash } from "@noble/ciphers/_polyval.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/bytes/index.js";
import { CompactGhash, LargeGhash, type GhashMultiplier } from "../../src/crypto/ghash.js";

const words = (block: Uint8Array): Int32Array => {
  const view = new DataView(block.buffer, block.byteOffset, 16);
  return Int32Array.of(view.getInt32(0), view.getInt32(4), view.getInt32(8), view.getInt32(12));
};
const bytes = (y: Int32Array): Uint8Array => {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) view.setInt32(4 * i, y[i]);
  return out;
};

/** SP 800-38D §6.3 Algorithm 1: Z = X * Y one bit of X at a time, with BigInt as the 128-bit block. */
function multiplyBitByBit(x: Uint8Array, y: Uint8Array): Uint8Array {
  const R = 0xe1n << 120n;
  const X = BigInt("0x" + toHex(x));
  let V = BigInt("0x" + toHex(y));
  let Z = 0n;
  for (let i = 0; i < 128; i++) {
    if ((X >> BigInt(127 - i)) & 1n) Z ^= V;
    V = V & 1n ? (V >> 1n) ^ R : V >> 1n;
  }
  return fromHex(Z.toString(16).padStart(32, "0"));
}

const multipliers: [string, (h: Int32Array) => GhashMultiplier][] = [
  ["compact (4-bit, 512 B)", (h) => new CompactGhash(h[0], h[1], h[2], h[3])],
  ["large (64 KiB)", (h) => new LargeGhash(h[0], h[1], h[2], h[3])],
];
const block = fc.uint8Array({ minLength: 16, maxLength: 16 });

describe("GHASH multiplication by H", () => {
  it("the bit-by-bit oracle agrees with @noble/ciphers on a fixed case (McGrew-Viega test case 2's H and C)", () => {
    const h = fromHex("66e94bd4ef8a2c3b884cfa59ca342b2e");
    const c = fromHex("0388dace60b6a392f328c2b971b2fe78");
    expect(toHex(multiplyBitByBit(c, h))).toBe(toHex(nobleGhash(c, h)));
    expect(toHex(multiplyBitByBit(c, h))).toBe("5e2ec746917062882c85b0685353deb7");
  });

  for (const [name, create] of multipliers) {
    it(`${name}: X * H equals SP 800-38D Algorithm 1 and noble's GHASH for random H and X`, () => {
      fc.assert(
        fc.property(block, block, (h, x) => {
          const y = words(x);
          create(words(h)).multiply(y);
          const expected = toHex(multiplyBitByBit(x, h));
          expect(toHex(bytes(y))).toBe(expected);
          expect(toHex(nobleGhash(x, h))).toBe(expected);
        }),
        { numRuns: 200 },
      );
    });

    it(`${name}: edge values of H and X (zero, one, all ones, single high and low bits)`, () => {
      const edges = ["00".repeat(16), "80" + "00".repeat(15), "00".repeat(15) + "01", "ff".repeat(16), "00".repeat(15) + "ff", "ff" + "00".repeat(15)].map(
        fromHex,
      );
      for (const h of edges) {
        for (const x of edges) {
          const y = words(x);
          create(words(h)).multiply(y);
          expect(toHex(bytes(y))).toBe(toHex(multiplyBitByBit(x, h)));
        }
      }
    });

    it(`${name}: the multiplier keeps its state right across many blocks (a GHASH chain equals noble's)`, () => {
      fc.assert(
        fc.property(
          block,
          fc.uint8Array({ minLength: 16, maxLength: 16 * 40 }).map((m) => m.subarray(0, m.length & ~15)),
          (h, message) => {
            const g = create(words(h));
            const y = new Int32Array(4);
            for (let p = 0; p < message.length; p += 16) {
              const x = words(message.subarray(p, p + 16));
              for (let i = 0; i < 4; i++) y[i] ^= x[i];
              g.multiply(y);
            }
            expect(toHex(bytes(y))).toBe(toHex(nobleGhash(message, h)));
          },
        ),
        { numRuns: 50 },
      );
    });
  }
});
