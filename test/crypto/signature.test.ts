import { generateKeyPairSync, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from "node:crypto";
import { p256 as nobleP256 } from "@noble/curves/nist.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AlertDescription, TLSError, asciiBytes, fromHex, toHex } from "../../src/bytes/index.js";
import type { HashName, PrivateKey, PublicKey } from "../../src/crypto/provider.js";
import { p256 as ownP256 } from "../../src/crypto/p256.js";
import { pureProvider as p } from "../../src/crypto/pure.js";

const NODE_HASH: Record<HashName, string> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
const HASHES: HashName[] = ["SHA-256", "SHA-384", "SHA-512"];
const b64 = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64url"));

/** Group orders, SEC 2 §2.4.2 / §2.5.1. */
const ORDER = {
  "P-256": BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
  "P-384": BigInt("0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"),
};

function nodeEcKeys(curve: "P-256" | "P-384"): { pub: PublicKey; priv: PrivateKey; nodePublic: KeyObject; nodePrivate: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: curve });
  const jwk = privateKey.export({ format: "jwk" });
  const point = new Uint8Array([0x04, ...b64(jwk.x), ...b64(jwk.y)]);
  return { pub: { kind: "ec", curve, point }, priv: { kind: "ec", curve, d: b64(jwk.d) }, nodePublic: publicKey, nodePrivate: privateKey };
}

/** The s value of a DER Ecdsa-Sig-Value (short-form lengths suffice for P-256/P-384). */
function derS(sig: Uint8Array): bigint {
  const rLength = sig[3];
  const sAt = 4 + rLength;
  return BigInt("0x" + toHex(sig.subarray(sAt + 2, sAt + 2 + sig[sAt + 1])));
}

describe("ECDSA", () => {
  for (const curve of ["P-256", "P-384"] as const) {
    // X.509 pairs any hash with any curve, so every combination must verify.
    for (const hash of HASHES) {
      it(`${curve} with ${hash}: node:crypto signatures verify, including high-S ones`, () => {
        const { pub, nodePrivate } = nodeEcKeys(curve);
        let highS = 0;
        for (let i = 0; i < 24; i++) {
          const message = new Uint8Array(randomBytes(1 + i * 7));
          const signature = new Uint8Array(nodeSign(NODE_HASH[hash], message, { key: nodePrivate, dsaEncoding: "der" }));
          if (derS(signature) > ORDER[curve] / 2n) highS++;
          expect(p.verify({ kind: "ecdsa", hash }, pub, message, signature)).toBe(true);
          if (i >= 3) continue; // negatives need only a few rounds; verification is slow in pure JS
          // Same signature, wrong hash or altered message: invalid.
          const otherHash = hash === "SHA-256" ? "SHA-384" : "SHA-256";
          expect(p.verify({ kind: "ecdsa", hash: otherHash }, pub, message, signature)).toBe(false);
          const altered = message.slice();
          altered[0] ^= 0x80;
          expect(p.verify({ kind: "ecdsa", hash }, pub, altered, signature)).toBe(false);
          const flipped = signature.slice();
          flipped[flipped.length - 1] ^= 1;
          expect(p.verify({ kind: "ecdsa", hash }, pub, message, flipped)).toBe(false);
        }
        // OpenSSL does not normalise s; with 24 signatures a run with no high-S has odds 2^-24.
        expect(highS).toBeGreaterThan(0);
      });

      it(`${curve} with ${hash}: our signatures verify under node:crypto`, () => {
        const { priv, nodePublic } = nodeEcKeys(curve);
        for (let i = 0; i < 4; i++) {
          const message = new Uint8Array(randomBytes(10 + i));
          const signature = p.sign({ kind: "ecdsa", hash }, priv, message);
          expect(nodeVerify(NODE_HASH[hash], message, { key: nodePublic, dsaEncoding: "der" }, signature)).toBe(true);
        }
      });
    }
  }

  it("rejects malformed DER and keys on the wrong curve or of the wrong kind", () => {
    const { pub, nodePrivate } = nodeEcKeys("P-256");
    const message = asciiBytes("message");
    const signature = new Uint8Array(nodeSign("sha256", message, { key: nodePrivate, dsaEncoding: "der" }));
    const alg = { kind: "ecdsa", hash: "SHA-256" } as const;
    expect(p.verify(alg, pub, message, signature)).toBe(true);
    // DER must be exact (X.690): trailing data, a non-minimal length, or a truncated value.
    expect(p.verify(alg, pub, message, new Uint8Array([...signature, 0]))).toBe(false);
    expect(p.verify(alg, pub, message, new Uint8Array([0x30, 0x81, signature[1], ...signature.subarray(2)]))).toBe(false);
    expect(p.verify(alg, pub, message, signature.subarray(0, signature.length - 1))).toBe(false);
    expect(p.verify(alg, pub, message, new Uint8Array(0))).toBe(false);
    // IEEE P1363 (r || s) is not DER.
    const p1363 = new Uint8Array(nodeSign("sha256", message, { key: nodePrivate, dsaEncoding: "ieee-p1363" }));
    expect(p.verify(alg, pub, message, p1363)).toBe(false);
    // r = 0 and s = 0 are never valid (SEC 1 §4.1.4 step 1).
    expect(p.verify(alg, pub, message, fromHex("3006020100020101"))).toBe(false);
    expect(p.verify(alg, pub, message, fromHex("3006020101020100"))).toBe(false);
    // A P-384 key claiming the P-256 point, a point off the curve, an Ed25519 key.
    expect(p.verify(alg, { kind: "ec", curve: "P-384", point: (pub as { point: Uint8Array }).point }, message, signature)).toBe(false);
    const offCurve = (pub as { point: Uint8Array }).point.slice();
    offCurve[64] ^= 1;
    expect(p.verify(alg, { kind: "ec", curve: "P-256", point: offCurve }, message, signature)).toBe(false);
    expect(p.verify(alg, { kind: "ed25519", key: new Uint8Array(32) }, message, signature)).toBe(false);
    expect(p.verify(alg, { kind: "rsa", n: 3n, e: 3n, pssOnly: false }, message, signature)).toBe(false);
  });

  it("signing with an unusable key throws TLSError internal_error", () => {
    const alg = { kind: "ecdsa", hash: "SHA-256" } as const;
    const message = asciiBytes("m");
    for (const key of [
      { kind: "ed25519", seed: new Uint8Array(32) },
      { kind: "ec", curve: "P-256", d: new Uint8Array(32) }, // d = 0
      { kind: "ec", curve: "P-256", d: new Uint8Array(31).fill(1) },
    ] as PrivateKey[]) {
      let error: unknown;
      try {
        p.sign(alg, key, message);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TLSError);
      expect((error as TLSError).alert).toBe(AlertDescription.internal_error);
    }
  });
});

describe("Ed25519", () => {
  // RFC 8032 §7.1, TEST 1 and TEST 2.
  const vectors = [
    {
      seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
      message: "",
      signature:
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    },
    {
      seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      message: "72",
      signature:
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    },
  ];
  it.each(vectors)("RFC 8032 vector: sign and verify (public key $publicKey)", (v) => {
    const message = fromHex(v.message);
    expect(toHex(p.sign({ kind: "ed25519" }, { kind: "ed25519", seed: fromHex(v.seed) }, message))).toBe(v.signature);
    expect(p.verify({ kind: "ed25519" }, { kind: "ed25519", key: fromHex(v.publicKey) }, message, fromHex(v.signature))).toBe(true);
    const tampered = fromHex(v.signature);
    tampered[10] ^= 4;
    expect(p.verify({ kind: "ed25519" }, { kind: "ed25519", key: fromHex(v.publicKey) }, message, tampered)).toBe(false);
  });

  it("rejects a non-canonical S (S + L), as RFC 8032 §5.1.7 requires", () => {
    const v = vectors[0];
    const sig = fromHex(v.signature);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]);
    s += L;
    for (let i = 0; i < 32; i++) sig[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    expect(p.verify({ kind: "ed25519" }, { kind: "ed25519", key: fromHex(v.publicKey) }, new Uint8Array(0), sig)).toBe(false);
  });

  it("matches node:crypto byte for byte both ways (Ed25519 is deterministic)", () => {
    for (let i = 0; i < 10; i++) {
      const { publicKey, privateKey } = generateKeyPairSync("ed25519");
      const jwk = privateKey.export({ format: "jwk" });
      const message = new Uint8Array(randomBytes(i * 13));
      const nodeSignature = new Uint8Array(nodeSign(null, message, privateKey));
      expect(p.verify({ kind: "ed25519" }, { kind: "ed25519", key: b64(jwk.x) }, message, nodeSignature)).toBe(true);
      const ours = p.sign({ kind: "ed25519" }, { kind: "ed25519", seed: b64(jwk.d) }, message);
      expect(toHex(ours)).toBe(toHex(nodeSignature));
      expect(nodeVerify(null, message, publicKey, ours)).toBe(true);
    }
  });

  it("returns false for wrong lengths and mismatched key kinds", () => {
    const v = vectors[1];
    const key = { kind: "ed25519", key: fromHex(v.publicKey) } as const;
    const sig = fromHex(v.signature);
    const msg = fromHex(v.message);
    expect(p.verify({ kind: "ed25519" }, key, msg, sig.subarray(0, 63))).toBe(false);
    expect(p.verify({ kind: "ed25519" }, key, msg, new Uint8Array([...sig, 0]))).toBe(false);
    expect(p.verify({ kind: "ed25519" }, { kind: "ed25519", key: fromHex(v.publicKey).subarray(1) }, msg, sig)).toBe(false);
    expect(p.verify({ kind: "ecdsa", hash: "SHA-256" }, key, msg, sig)).toBe(false);
    expect(p.verify({ kind: "ed25519" }, { kind: "ec", curve: "P-256", point: new Uint8Array(65) }, msg, sig)).toBe(false);
    expect(() => p.sign({ kind: "ed25519" }, { kind: "ec", curve: "P-256", d: new Uint8Array(32).fill(1) }, msg)).toThrow(TLSError);
  });
});

describe("P-256 on sha256.ts (src/crypto/p256.ts) against noble's own p256", () => {
  it("gives RFC 6979 §A.2.5's deterministic signature for \"sample\" with SHA-256 (s as the RFC has it, not low-S)", () => {
    const d = fromHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    const signature = ownP256.sign(asciiBytes("sample"), d, { prehash: true, format: "compact", extraEntropy: false, lowS: false });
    expect(toHex(signature)).toBe(
      "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716" + "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
    );
    expect(toHex(ownP256.getPublicKey(d, false))).toBe(
      "04" + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6" + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
    );
  });

  it("same public keys, byte-identical deterministic and hedged signatures, and the same verdicts as noble's p256", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed, message, entropy) => {
        const d = nobleP256.utils.randomSecretKey(new Uint8Array([...seed, ...seed.subarray(0, 16)]));
        expect(toHex(ownP256.getPublicKey(d, false))).toBe(toHex(nobleP256.getPublicKey(d, false)));
        for (const extraEntropy of [false, entropy] as const) {
          const own = ownP256.sign(message, d, { format: "der", extraEntropy });
          expect(toHex(own)).toBe(toHex(nobleP256.sign(message, d, { format: "der", extraEntropy })));
          expect(nobleP256.verify(own, message, nobleP256.getPublicKey(d), { format: "der" })).toBe(true);
        }
        const forged = ownP256.sign(message, d, { format: "der" });
        forged[forged.length - 1] ^= 1;
        const point = nobleP256.getPublicKey(d, false);
        expect(ownP256.verify(forged, message, point, { format: "der", lowS: false })).toBe(nobleP256.verify(forged, message, point, { format: "der", lowS: false }));
      }),
      { numRuns: 40 },
    );
  });
});
