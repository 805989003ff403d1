import { createHash as nodeCreateHash, createHmac, hkdfSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asciiBytes, fromHex, toHex } from "../../src/bytes/index.js";
import type { HashName } from "../../src/crypto/provider.js";
import { pureProvider as p } from "../../src/crypto/pure.js";

const HASHES: HashName[] = ["SHA-256", "SHA-384", "SHA-512"];
const NODE_NAME: Record<HashName, string> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
const range = (start: number, count: number) => Uint8Array.from({ length: count }, (_, i) => start + i);

describe("SHA-2", () => {
  // FIPS 180-2 appendix examples for "abc".
  it.each([
    ["SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["SHA-384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"],
    [
      "SHA-512",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    ],
  ] as const)("%s('abc') matches FIPS 180-2", (name, expected) => {
    expect(toHex(p.hash(name, asciiBytes("abc")))).toBe(expected);
  });

  it("incremental digests are prefix digests, and clones diverge independently (vs node:crypto)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...HASHES),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 50 }),
        (name, chunks, extra) => {
          const ctx = p.createHash(name);
          const oracle = nodeCreateHash(NODE_NAME[name]);
          for (const chunk of chunks) {
            ctx.update(chunk);
            oracle.update(chunk);
            // digest() must not finish the context (transcript hash, RFC 8446 §4.4.1).
            expect(toHex(ctx.digest())).toBe(oracle.copy().digest("hex"));
          }
          const fork = ctx.clone();
          const forkOracle = oracle.copy();
          fork.update(extra);
          forkOracle.update(extra);
          expect(toHex(fork.digest())).toBe(forkOracle.digest("hex"));
          expect(toHex(ctx.digest())).toBe(oracle.digest("hex"));
          expect(toHex(p.hash(name, extra))).toBe(nodeCreateHash(NODE_NAME[name]).update(extra).digest("hex"));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("HMAC (RFC 4231)", () => {
  const cases = [
    {
      name: "test case 1",
      key: new Uint8Array(20).fill(0x0b),
      data: asciiBytes("Hi There"),
      "SHA-256": "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      "SHA-384": "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
      "SHA-512":
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
    },
    {
      name: "test case 2",
      key: asciiBytes("Jefe"),
      data: asciiBytes("what do ya want for nothing?"),
      "SHA-256": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      "SHA-384": "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
      "SHA-512":
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    },
    {
      name: "test case 6 (key longer than the block)",
      key: new Uint8Array(131).fill(0xaa),
      data: asciiBytes("Test Using Larger Than Block-Size Key - Hash Key First"),
      "SHA-256": "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      "SHA-384": "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
      "SHA-512":
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
    },
  ];
  for (const c of cases) {
    for (const name of HASHES) {
      it(`${c.name}, HMAC-${name}`, () => {
        expect(toHex(p.hmac(name, c.key, c.data))).toBe(c[name]);
      });
    }
  }

  it("agrees with node:crypto on random keys and messages", () => {
    fc.assert(
      fc.property(fc.constantFrom(...HASHES), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 500 }), (name, key, data) => {
        expect(toHex(p.hmac(name, key, data))).toBe(createHmac(NODE_NAME[name], key).update(data).digest("hex"));
      }),
      { numRuns: 100 },
    );
  });
});

describe("HKDF (RFC 5869, SHA-256)", () => {
  const cases = [
    {
      name: "test case 1",
      ikm: new Uint8Array(22).fill(0x0b),
      salt: fromHex("000102030405060708090a0b0c"),
      info: fromHex("f0f1f2f3f4f5f6f7f8f9"),
      length: 42,
      prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
      okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    },
    {
      name: "test case 2 (long inputs)",
      ikm: range(0x00, 80),
      salt: range(0x60, 80),
      info: range(0xb0, 80),
      length: 82,
      prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
      okm:
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87",
    },
    {
      name: "test case 3 (empty salt and info)",
      ikm: new Uint8Array(22).fill(0x0b),
      salt: new Uint8Array(0),
      info: new Uint8Array(0),
      length: 42,
      prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
      okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const prk = p.hkdfExtract("SHA-256", c.salt, c.ikm);
      expect(toHex(prk)).toBe(c.prk);
      expect(toHex(p.hkdfExpand("SHA-256", prk, c.info, c.length))).toBe(c.okm);
    });
  }

  it("extract+expand agree with node:crypto hkdfSync for all three hashes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...HASHES),
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 400 }),
        (name, ikm, salt, info, length) => {
          const okm = p.hkdfExpand(name, p.hkdfExtract(name, salt, ikm), info, length);
          expect(toHex(okm)).toBe(Buffer.from(hkdfSync(NODE_NAME[name], ikm, salt, info, length)).toString("hex"));
        },
      ),
      { numRuns: 80 },
    );
  });

  it("one-block expansions (kept keyed HMAC states) agree with node:crypto: repeated keys, more keys than are kept, arrays rewritten with other keys", () => {
    // RFC 5869 §2.3: T(1) = HMAC-Hash(PRK, info | 0x01), by node:crypto's HMAC.
    const expected = (name: HashName, prk: Uint8Array, info: Uint8Array, length: number): string =>
      createHmac(NODE_NAME[name], prk).update(info).update(Uint8Array.of(1)).digest().subarray(0, length).toString("hex");
    const step = fc.record({
      key: fc.integer({ min: 0, max: 6 }),
      rewrite: fc.boolean(),
      byte: fc.integer({ min: 0, max: 255 }),
      info: fc.uint8Array({ maxLength: 80 }),
      length: fc.integer({ min: 0, max: 64 }),
    });
    fc.assert(
      fc.property(fc.constantFrom(...HASHES), fc.array(step, { minLength: 1, maxLength: 40 }), (name, steps) => {
        const hLen = name === "SHA-256" ? 32 : name === "SHA-384" ? 48 : 64;
        const keys = Array.from({ length: 7 }, (_, i) => new Uint8Array(hLen).fill(i));
        for (const { key, rewrite, byte, info, length } of steps) {
          // The same array with other bytes must not be answered from the state of the old ones.
          if (rewrite) keys[key][byte % hLen] ^= byte | 1;
          const l = Math.min(length, hLen);
          expect(toHex(p.hkdfExpand(name, keys[key], info, l))).toBe(expected(name, keys[key], info, l));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("refuses to expand past 255 * HashLen (RFC 5869 §2.3)", () => {
    const prk = new Uint8Array(32);
    expect(p.hkdfExpand("SHA-256", prk, new Uint8Array(0), 255 * 32).length).toBe(255 * 32);
    expect(() => p.hkdfExpand("SHA-256", prk, new Uint8Array(0), 255 * 32 + 1)).toThrow(/HKDF-Expand/);
  });
});
