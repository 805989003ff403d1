/**
 * src/crypto/sha256.ts on its own: the states, keyed HMAC and HKDF-Expand that the `sha256` hash
 * module (and so every TLS_*_SHA256 suite) is built on. Published vectors first, then node:crypto
 * (OpenSSL) as the independent implementation, over the lengths where padding changes (55, 56, 63,
 * 64 bytes), input split at any point, and states reused the way the hash module reuses them.
 * test/crypto/hash.test.ts checks the same through the provider (RFC 4231, RFC 5869, the kept
 * keyed states), and test/crypto/wycheproof.test.ts through Wycheproof's HKDF-SHA-256 file.
 */
import { createHash, createHmac, hkdfSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asciiBytes, toHex } from "../../src/bytes/index.js";
import { HmacSha256Key, Sha256, hkdfExpandSha256, hmacSha256, sha256Digest } from "../../src/crypto/sha256.js";

const nodeSha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const bytes = (length: number, seed = 1): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 0xff);

describe("SHA-256 (FIPS 180-4)", () => {
  // FIPS 180-2 appendix B and its empty-message digest: one block, two blocks (the 448-bit message
  // leaves no room for the length), and a million bytes.
  it.each([
    ["the empty message", asciiBytes(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ['"abc"', asciiBytes("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "the 448-bit message",
      asciiBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    ['a million "a"', new Uint8Array(1_000_000).fill(0x61), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
  ])("%s matches FIPS 180-2", (_, message, expected) => {
    expect(toHex(sha256Digest(message))).toBe(expected);
  });

  it("every length from 0 to 300 bytes, across the padding boundaries, agrees with node:crypto, also as a view into a larger buffer", () => {
    const backing = bytes(400, 2);
    for (let length = 0; length <= 300; length++) {
      const message = bytes(length, length);
      expect(toHex(sha256Digest(message)), `length ${length}`).toBe(nodeSha256(message));
      // Handshake messages reach the transcript as subarrays of a record buffer.
      const view = backing.subarray(7, 7 + length);
      expect(toHex(sha256Digest(view)), `view of length ${length}`).toBe(nodeSha256(view));
    }
  });

  it("a message split anywhere, digests so far, and copies that go their own way agree with node:crypto", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 150 }), { maxLength: 8 }), fc.uint8Array({ maxLength: 130 }), (chunks, extra) => {
        const state = new Sha256();
        const oracle = createHash("sha256");
        const out = new Uint8Array(32);
        for (const chunk of chunks) {
          state.update(chunk);
          oracle.update(chunk);
          // The state stays open (a transcript hash is taken at several points, RFC 8446 §4.4.1).
          state.digestSoFarInto(out);
          expect(toHex(out)).toBe(oracle.copy().digest("hex"));
        }
        const fork = new Sha256().copyFrom(state).update(extra);
        fork.digestInto(out);
        expect(toHex(out)).toBe(oracle.copy().update(extra).digest("hex"));
        state.digestInto(out);
        expect(toHex(out)).toBe(oracle.digest("hex"));
        // A finished state starts again from the initial hash value.
        state.reset().update(extra).digestInto(out);
        expect(toHex(out)).toBe(nodeSha256(extra));
      }),
      { numRuns: 150 },
    );
  });

  it("writes the digest at an offset and leaves the bytes around it alone", () => {
    const out = new Uint8Array(40).fill(0xee);
    new Sha256().update(asciiBytes("abc")).digestInto(out, 5);
    expect(toHex(out.subarray(5, 37))).toBe(nodeSha256(asciiBytes("abc")));
    expect([...out.subarray(0, 5), ...out.subarray(37)]).toEqual(new Array(8).fill(0xee));
  });
});

describe("HMAC-SHA-256 (RFC 2104) on a keyed state", () => {
  it("keys of every length around the block size (63, 64, 65: hashed first above 64) agree with node:crypto", () => {
    for (const keyLength of [0, 1, 20, 32, 55, 63, 64, 65, 100, 131, 200]) {
      const key = bytes(keyLength, 3);
      for (const dataLength of [0, 1, 31, 54, 55, 56, 64, 119, 120, 500]) {
        const data = bytes(dataLength, 5);
        expect(toHex(hmacSha256(key, data)), `key ${keyLength}, data ${dataLength}`).toBe(createHmac("sha256", key).update(data).digest("hex"));
      }
    }
  });

  it("one keyed state gives the MAC of a | b for message after message, as a fresh key would", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 90 }), fc.option(fc.uint8Array({ maxLength: 90 }), { nil: undefined })), { minLength: 1, maxLength: 6 }),
        (key, messages) => {
          const keyed = new HmacSha256Key(key);
          const out = new Uint8Array(32);
          for (const [a, b] of messages) {
            keyed.macInto(out, 0, a, b);
            const oracle = createHmac("sha256", key).update(a);
            if (b !== undefined) oracle.update(b);
            expect(toHex(out)).toBe(oracle.digest("hex"));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a destroyed key no longer gives the key's MACs", () => {
    const key = bytes(32, 9);
    const keyed = new HmacSha256Key(key);
    const before = new Uint8Array(32);
    const after = new Uint8Array(32);
    keyed.macInto(before, 0, asciiBytes("message"));
    keyed.destroy();
    keyed.macInto(after, 0, asciiBytes("message"));
    expect(toHex(before)).toBe(createHmac("sha256", key).update("message").digest("hex"));
    expect(toHex(after)).not.toBe(toHex(before));
  });
});

describe("HKDF-Expand-SHA-256 (RFC 5869 §2.3) from a keyed PRK", () => {
  it("every length from 0 to 130 bytes and the largest, 255 * 32, agree with node:crypto", () => {
    const prk = bytes(32, 11);
    const info = asciiBytes("tls13 c hs traffic");
    // node's hkdfSync runs Extract first; Expand alone is T(i) = HMAC(PRK, T(i-1) | info | i), chained here on node's HMAC.
    const expandByNode = (length: number): string => {
      let t = Buffer.alloc(0);
      let okm = Buffer.alloc(0);
      for (let i = 1; okm.length < length; i++) {
        t = createHmac("sha256", prk).update(t).update(info).update(Uint8Array.of(i)).digest();
        okm = Buffer.concat([okm, t]);
      }
      return okm.subarray(0, length).toString("hex");
    };
    const keyed = new HmacSha256Key(prk);
    for (const length of [...Array.from({ length: 131 }, (_, i) => i), 255 * 32]) {
      expect(toHex(hkdfExpandSha256(keyed, info, length)), `length ${length}`).toBe(expandByNode(length));
    }
  });

  it("Extract (HMAC with the salt as key, RFC 5869 §2.2) then Expand agree with node's hkdfSync", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.uint8Array({ maxLength: 80 }),
        fc.integer({ min: 1, max: 200 }),
        (salt, ikm, info, length) => {
          const okm = hkdfExpandSha256(new HmacSha256Key(hmacSha256(salt, ikm)), info, length);
          expect(toHex(okm)).toBe(Buffer.from(hkdfSync("sha256", ikm, salt, info, length)).toString("hex"));
        },
      ),
      { numRuns: 100 },
    );
  });
});
