/**
 * The WebCrypto provider (src/crypto/webcrypto/, on Node's `crypto.subtle`) against the pure
 * provider and published vectors: for the same inputs both give byte-identical AEAD output, the
 * same shared secrets, the same verdicts on every Wycheproof signature and key-share case, and
 * signatures each side accepts from the other. The pure provider is itself held to the vectors by
 * test/crypto/wycheproof.test.ts, so agreement here is agreement with them.
 */
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TLSError, fromHex, toHex } from "../../src/bytes/index.js";
import { answerKeyShareAsync } from "../../src/crypto/async-key-exchange.js";
import { answerKeyShare } from "../../src/crypto/key-exchange.js";
import { keyShareFromPrivateKey } from "../../src/crypto/key-share.js";
import {
  type AeadAlgorithm,
  type AsyncCryptoOperations,
  type AsyncKeyShare,
  type HashName,
  type KeyShare,
  type PrivateKey,
  type PublicKey,
  type SignatureAlgorithm,
  asyncOperations,
  hashLength,
  isPromise,
} from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import {
  type SubtleLike,
  type WebCryptoAlgorithm,
  type WebCryptoKey,
  webCryptoKeyShareFromPrivateKey,
  webCryptoProvider,
} from "../../src/crypto/webcrypto/index.js";
import { fromBase64url } from "../../src/crypto/webcrypto/encoding.js";
import type { JsonWebKeyFields, WebCryptoKeyPair } from "../../src/crypto/webcrypto/subtle.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";
import { type WycheproofGroup, type WycheproofTest, bigintFromHex, fixedLengthFromHex, loadWycheproof } from "../helpers/wycheproof.js";

const subtle = globalThis.crypto.subtle as unknown as SubtleLike;
const provider = await webCryptoProvider({ subtle });
const web: AsyncCryptoOperations = provider.asynchronous;

/** Node 20's WebCrypto (OpenSSL 3) has every algorithm the provider can use. */
const ALL: readonly WebCryptoAlgorithm[] = [
  "AES-GCM",
  "ECDH P-256",
  "ECDH P-384",
  "X25519",
  "ECDSA P-256",
  "ECDSA P-384",
  "Ed25519",
  "RSA-PSS",
  "RSASSA-PKCS1-v1_5",
];

/** The pure P-384 and RSA code takes milliseconds per case on a loaded machine: room for hangs only. */
const SLOW = { timeout: 120_000 };

/**
 * A `crypto.subtle` missing some algorithms, as in runtimes without X25519 or Ed25519: every call
 * naming one of them rejects with NotSupportedError, as WebCrypto specifies.
 */
function subtleWithout(missing: readonly string[]): SubtleLike {
  const refuse = (name: string | undefined) => name !== undefined && missing.includes(name);
  const notSupported = () => Promise.reject(new DOMException("not supported", "NotSupportedError"));
  const s = subtle;
  return {
    importKey: ((format: never, data: never, algorithm: { name: string }, extractable: boolean, usages: string[]) =>
      refuse(algorithm.name) ? notSupported() : s.importKey(format, data, algorithm, extractable, usages)) as SubtleLike["importKey"],
    generateKey: (algorithm, extractable, usages) => (refuse(algorithm.name) ? notSupported() : s.generateKey(algorithm, extractable, usages)),
    exportKey: ((format: "raw", key: WebCryptoKey) => (refuse(key.algorithm.name) ? notSupported() : s.exportKey(format, key))) as SubtleLike["exportKey"],
    deriveBits: (algorithm, key, length) => (refuse(algorithm.name) ? notSupported() : s.deriveBits(algorithm, key, length)),
    sign: (algorithm, key, data) => (refuse(algorithm.name) ? notSupported() : s.sign(algorithm, key, data)),
    verify: (algorithm, key, signature, data) => (refuse(algorithm.name) ? notSupported() : s.verify(algorithm, key, signature, data)),
    encrypt: (algorithm, key, data) => (refuse(algorithm.name) ? notSupported() : s.encrypt(algorithm, key, data)),
    decrypt: (algorithm, key, data) => (refuse(algorithm.name) ? notSupported() : s.decrypt(algorithm, key, data)),
  };
}

describe("feature detection", () => {
  it("finds every algorithm in Node's crypto.subtle", () => {
    expect([...provider.webCryptoAlgorithms].sort()).toEqual([...ALL].sort());
    expect(provider.name).toBe("webcrypto");
  });

  it("falls back to the pure provider, without a Promise, for what the runtime lacks", async () => {
    const partial = await webCryptoProvider({ subtle: subtleWithout(["X25519", "Ed25519"]) });
    expect([...partial.webCryptoAlgorithms].sort()).toEqual(ALL.filter((a) => a !== "X25519" && a !== "Ed25519").sort());
    const share = partial.asynchronous.generateKeyShare("x25519");
    expect(isPromise(share)).toBe(false);
    // ChaCha20-Poly1305 has no WebCrypto form anywhere.
    expect(isPromise(partial.asynchronous.aead("CHACHA20-POLY1305", new Uint8Array(32)))).toBe(false);
    expect(isPromise(partial.asynchronous.aead("AES-128-GCM", new Uint8Array(16)))).toBe(true);
    const seed = new Uint8Array(32).fill(7);
    const key: PublicKey = { kind: "ed25519", key: ed25519.getPublicKey(seed) };
    const signature = ed25519.sign(new Uint8Array(3), seed);
    const verdict = partial.asynchronous.verify({ kind: "ed25519" }, key, new Uint8Array(3), signature);
    expect(verdict).toBe(true);
  });

  it("without crypto.subtle every operation is the fallback's", async () => {
    const none = await webCryptoProvider({ subtle: subtleWithout(ALL.flatMap((a) => a.split(" ")).concat(["ECDH", "ECDSA", "AES-GCM"])) });
    expect(none.webCryptoAlgorithms).toEqual([]);
    expect(isPromise(none.asynchronous.generateKeyShare("secp256r1"))).toBe(false);
  });

  it("leaves synchronous providers as they were: asyncOperations is the provider itself", () => {
    expect(asyncOperations(pureProvider)).toBe(pureProvider);
    expect(asyncOperations(provider)).toBe(provider.asynchronous);
  });
});

// ---------------------------------------------------------------------------------------------
// AEAD

async function seal(
  ops: AsyncCryptoOperations,
  algorithm: AeadAlgorithm,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  offset: number,
) {
  const buf = new Uint8Array(offset + plaintext.length + 16 + 3);
  buf.set(plaintext, offset);
  await (await ops.aead(algorithm, key)).seal(nonce, aad, buf, offset, plaintext.length);
  return buf.slice(offset, offset + plaintext.length + 16);
}

async function open(ops: AsyncCryptoOperations, algorithm: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array) {
  const buf = new Uint8Array(sealed.length + 5);
  buf.set(sealed, 5);
  const ok = await (await ops.aead(algorithm, key)).open(nonce, aad, buf, 5, sealed.length);
  return ok ? toHex(buf.subarray(5, 5 + sealed.length - 16)) : null;
}

describe("AES-GCM through crypto.subtle", () => {
  const gcm = fc.constantFrom<AeadAlgorithm>("AES-128-GCM", "AES-256-GCM");
  const input = fc.record({
    algorithm: gcm,
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
    aad: fc.uint8Array({ maxLength: 40 }),
    plaintext: fc.oneof(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 17000 })),
    offset: fc.integer({ min: 0, max: 9 }),
    flip: fc.nat(),
  });

  it("seals byte for byte as the pure provider, opens what it sealed, and refuses every flipped bit", async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ algorithm, key: longKey, nonce, aad, plaintext, offset, flip }) => {
        const key = longKey.subarray(0, algorithm === "AES-128-GCM" ? 16 : 32);
        const fromWeb = await seal(web, algorithm, key, nonce, aad, plaintext, offset);
        const fromPure = await seal(pureProvider, algorithm, key, nonce, aad, plaintext, offset);
        expect(toHex(fromWeb)).toBe(toHex(fromPure));
        expect(await open(web, algorithm, key, nonce, aad, fromPure)).toBe(toHex(plaintext));
        // One flipped bit anywhere in ciphertext, tag or AAD: both refuse.
        const forged = fromPure.slice();
        const forgedAad = aad.slice();
        const bit = flip % ((forged.length + aad.length) * 8);
        if (bit < forged.length * 8) forged[bit >> 3] ^= 1 << (bit & 7);
        else forgedAad[(bit >> 3) - forged.length] ^= 1 << (bit & 7);
        expect(await open(web, algorithm, key, nonce, forgedAad, forged)).toBeNull();
        expect(await open(pureProvider, algorithm, key, nonce, forgedAad, forged)).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  it("reads the nonce and additional data before seal and open return: the caller may reuse them at once", async () => {
    // The record layer passes one nonce and one AAD buffer for every record and rewrites them for
    // the next record as soon as the call returns (AsyncRecordProtection); the AEAD passes them to
    // crypto.subtle without a copy of its own. A runtime that read them later would seal or open
    // under the next record's nonce and AAD: the pure provider, given each record's own, says.
    const key = bytesFromSeed(41, 16);
    const webKey = await web.aead("AES-128-GCM", key);
    const pureKey = pureProvider.aead("AES-128-GCM", key);
    const nonce = new Uint8Array(12);
    const aad = new Uint8Array(5);
    const setFor = (i: number) => {
      nonce.set(bytesFromSeed(100 + i, 12));
      aad.set(bytesFromSeed(200 + i, 5));
    };
    const plaintexts = Array.from({ length: 12 }, (_, i) => bytesFromSeed(300 + i, i * 1500));
    const bufs = plaintexts.map((p) => {
      const buf = new Uint8Array(p.length + 16);
      buf.set(p);
      return buf;
    });
    const sealing = bufs.map((buf, i) => {
      setFor(i);
      return webKey.seal(nonce, aad, buf, 0, plaintexts[i].length);
    });
    nonce.fill(0xff);
    aad.fill(0xff);
    await Promise.all(sealing);
    const expected = plaintexts.map((p, i) => {
      setFor(i);
      const buf = new Uint8Array(p.length + 16);
      buf.set(p);
      pureKey.seal(nonce, aad, buf, 0, p.length);
      return toHex(buf);
    });
    expect(bufs.map(toHex)).toEqual(expected);
    const opening = bufs.map((buf, i) => {
      setFor(i);
      return webKey.open(nonce, aad, buf, 0, buf.length);
    });
    nonce.fill(0xff);
    aad.fill(0xff);
    expect(await Promise.all(opening)).toEqual(bufs.map(() => true));
    expect(bufs.map((buf, i) => toHex(buf.subarray(0, plaintexts[i].length)))).toEqual(plaintexts.map(toHex));
  });

  it("refuses bad arguments with the pure provider's errors", async () => {
    const errorOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof TLSError ? `${e.alert}: ${e.message}` : String(e);
      }
      return "no error";
    };
    expect(errorOf(() => web.aead("AES-128-GCM", new Uint8Array(15)))).toBe(errorOf(() => pureProvider.aead("AES-128-GCM", new Uint8Array(15))));
    const webKey = await web.aead("AES-256-GCM", new Uint8Array(32));
    const pureKey = pureProvider.aead("AES-256-GCM", new Uint8Array(32));
    const buf = new Uint8Array(20);
    for (const [nonce, length] of [
      [new Uint8Array(11), 4],
      [new Uint8Array(12), 5],
    ] as const) {
      expect(errorOf(() => webKey.seal(nonce, new Uint8Array(0), buf, 0, length))).toBe(errorOf(() => pureKey.seal(nonce, new Uint8Array(0), buf, 0, length)));
    }
    expect(errorOf(() => webKey.seal(new Uint8Array(11), new Uint8Array(0), buf, 0, 4))).toMatch(/nonce/);
    // Too short to hold a tag: false from both, at once.
    expect(webKey.open(new Uint8Array(12), new Uint8Array(0), buf, 0, 15)).toBe(false);
    expect(pureKey.open(new Uint8Array(12), new Uint8Array(0), buf, 0, 15)).toBe(false);
  });

  it("passes the Wycheproof AES-GCM cases TLS can use (aes_gcm_test.json)", SLOW, async () => {
    interface AeadTest extends WycheproofTest {
      key: string;
      iv: string;
      aad: string;
      msg: string;
      ct: string;
      tag: string;
    }
    let run = 0;
    for (const group of loadWycheproof<WycheproofGroup<AeadTest> & { keySize: number; ivSize: number; tagSize: number }>("aes_gcm_test.json", "AES-GCM")
      .testGroups) {
      // AES-192, other IV and tag sizes: not TLS 1.3 (see test/crypto/wycheproof.test.ts SKIPS).
      if ((group.keySize !== 128 && group.keySize !== 256) || group.ivSize !== 96 || group.tagSize !== 128) continue;
      const algorithm = group.keySize === 128 ? "AES-128-GCM" : "AES-256-GCM";
      for (const test of group.tests) {
        const [key, nonce, aad, msg] = [test.key, test.iv, test.aad, test.msg].map(fromHex);
        const sealed = fromHex(test.ct + test.tag);
        if (test.result === "valid") expect(toHex(await seal(web, algorithm, key, nonce, aad, msg, 0)), `tcId ${test.tcId}`).toBe(toHex(sealed));
        expect(await open(web, algorithm, key, nonce, aad, sealed), `tcId ${test.tcId}`).toBe(test.result === "valid" ? test.msg : null);
        run++;
      }
    }
    expect(run).toBeGreaterThan(50);
  });
});

// ---------------------------------------------------------------------------------------------
// Key exchange

type EcdheGroup = "x25519" | "secp256r1" | "secp384r1";

function scalar(group: EcdheGroup): fc.Arbitrary<Uint8Array> {
  if (group === "x25519") return fc.uint8Array({ minLength: 32, maxLength: 32 });
  const curve = group === "secp256r1" ? p256 : p384;
  return fc.uint8Array({ minLength: curve === p256 ? 32 : 48, maxLength: curve === p256 ? 32 : 48 }).filter((d) => curve.utils.isValidSecretKey(d));
}

function hexOrNull(secret: Uint8Array | null): string | null {
  return secret === null ? null : toHex(secret);
}

describe("key shares through crypto.subtle", () => {
  for (const group of ["x25519", "secp256r1", "secp384r1"] as const) {
    it(`${group}: the same private keys give the same public values and shared secret as the pure provider`, SLOW, async () => {
      await fc.assert(
        fc.asyncProperty(scalar(group), scalar(group), async (ours, theirs) => {
          const webShare = await webCryptoKeyShareFromPrivateKey(subtle, group, ours);
          const pureShare = keyShareFromPrivateKey(group, ours);
          expect(toHex(webShare.publicKey)).toBe(toHex(pureShare.publicKey));
          const peer = keyShareFromPrivateKey(group, theirs);
          const secret = await webShare.deriveSharedSecret(peer.publicKey);
          expect(hexOrNull(secret)).toBe(hexOrNull(pureShare.deriveSharedSecret(peer.publicKey)));
          expect(hexOrNull(secret)).toBe(hexOrNull(peer.deriveSharedSecret(webShare.publicKey)));
        }),
        { numRuns: group === "secp384r1" ? 15 : 30 },
      );
    });

    it(`${group}: a generated share agrees with a pure peer, and refuses what the pure provider refuses`, async () => {
      const share = await web.generateKeyShare(group);
      const peer = pureProvider.generateKeyShare(group);
      const secret = await share.deriveSharedSecret(peer.publicKey);
      expect(secret).not.toBeNull();
      expect(toHex(secret!)).toBe(toHex(peer.deriveSharedSecret(share.publicKey)!));
      const length = peer.publicKey.length;
      const bad = [new Uint8Array(0), new Uint8Array(length), new Uint8Array(length + 1), peer.publicKey.subarray(1)];
      if (group !== "x25519") bad.push(Uint8Array.of(0x02, ...peer.publicKey.subarray(1)), Uint8Array.of(0x04, ...new Uint8Array(length - 1).fill(0xff)));
      for (const value of bad) expect(await share.deriveSharedSecret(value), toHex(value)).toBeNull();
    });
  }

  it("a generated share's public value is the runtime's raw export, read from its JWK, or from raw where the JWK is refused or malformed", async () => {
    const jwkAnswers: ((key: WebCryptoKey) => Promise<JsonWebKeyFields>)[] = [
      (key) => subtle.exportKey("jwk", key),
      () => Promise.reject(new DOMException("not supported", "NotSupportedError")),
      (key) => subtle.exportKey("jwk", key).then((jwk) => ({ ...jwk, x: jwk.x?.slice(1) })),
      (key) => subtle.exportKey("jwk", key).then((jwk) => ({ ...jwk, y: undefined })),
    ];
    for (const jwkAnswer of jwkAnswers) {
      const generated: WebCryptoKeyPair[] = [];
      let rawExports = 0;
      const recording: SubtleLike = {
        ...subtleWithout([]),
        generateKey: (algorithm, extractable, usages) =>
          subtle.generateKey(algorithm, extractable, usages).then((pair) => {
            generated.push(pair as WebCryptoKeyPair);
            return pair;
          }),
        exportKey: ((format: "raw" | "jwk", key: WebCryptoKey) => {
          if (format === "jwk") return jwkAnswer(key);
          rawExports++;
          return subtle.exportKey("raw", key);
        }) as SubtleLike["exportKey"],
      };
      const own = await webCryptoProvider({ subtle: recording, spareKeyShares: false });
      for (const group of ["x25519", "secp256r1", "secp384r1"] as const) {
        generated.length = 0;
        const before = rawExports;
        const share = await own.asynchronous.generateKeyShare(group);
        expect(generated).toHaveLength(1);
        expect(toHex(share.publicKey)).toBe(toHex(new Uint8Array(await subtle.exportKey("raw", generated[0].publicKey))));
        // The runtime's own JWK is read without a raw export; anything else costs one.
        const jwkUsable = jwkAnswer === jwkAnswers[0] || (jwkAnswer === jwkAnswers[3] && group === "x25519");
        expect(rawExports - before).toBe(jwkUsable ? 0 : 1);
      }
    }
  });

  it("fromBase64url reads exactly what Node's base64url decoder reads in canonical unpadded form, and refuses the rest", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. ";
    const text = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 100 }).map((b) => Buffer.from(b).toString("base64url")),
      fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 140 }),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 100 }), fc.boolean(), (t, n, own) => {
        const decoded = Buffer.from(t, "base64url");
        const length = own ? decoded.length : n;
        const canonical = /^[A-Za-z0-9_-]*$/.test(t) && decoded.toString("base64url") === t && decoded.length === length;
        const ours = fromBase64url(t, length);
        expect(ours === null ? null : toHex(ours)).toBe(canonical ? toHex(decoded) : null);
      }),
      { numRuns: 2000 },
    );
    expect(fromBase64url(undefined, 32)).toBeNull();
  });

  interface DhTest extends WycheproofTest {
    public: string;
    private: string;
    shared: string;
  }
  const dhSuites = [
    { file: "x25519_test.json", algorithm: "XDH", group: "x25519" },
    { file: "ecdh_secp256r1_ecpoint_test.json", algorithm: "ECDH", group: "secp256r1" },
    { file: "ecdh_secp384r1_ecpoint_test.json", algorithm: "ECDH", group: "secp384r1" },
  ] as const;
  for (const suite of dhSuites) {
    it(`Wycheproof ${suite.file}: every case gives the pure provider's answer`, SLOW, async () => {
      const mismatches: string[] = [];
      let run = 0;
      // The files reuse a few private keys across many peer values: import each once.
      const shares = new Map<string, [KeyShare, AsyncKeyShare]>();
      for (const g of loadWycheproof<WycheproofGroup<DhTest>>(suite.file, suite.algorithm).testGroups) {
        for (const test of g.tests) {
          let pair = shares.get(test.private);
          if (pair === undefined) {
            const privateKey = fixedLengthFromHex(test.private, suite.group === "secp384r1" ? 48 : 32)!;
            pair = [keyShareFromPrivateKey(suite.group, privateKey), await webCryptoKeyShareFromPrivateKey(subtle, suite.group, privateKey)];
            shares.set(test.private, pair);
          }
          const peer = fromHex(test.public);
          const expected = hexOrNull(pair[0].deriveSharedSecret(peer));
          const actual = hexOrNull(await pair[1].deriveSharedSecret(peer));
          if (actual !== expected) mismatches.push(`tcId ${test.tcId} [${test.result}; ${test.flags.join(",")}]: pure ${expected}, webcrypto ${actual}`);
          // The outside truth: a valid case yields the vector's secret.
          if (test.result === "valid" && actual !== test.shared) mismatches.push(`tcId ${test.tcId}: expected ${test.shared}, got ${actual}`);
          run++;
        }
      }
      expect(mismatches).toEqual([]);
      expect(run).toBeGreaterThan(100);
    });
  }

  it("X25519MLKEM768: a WebCrypto client and a pure server agree, and the other way round", async () => {
    const client = await web.generateKeyShare("X25519MLKEM768");
    const answer = answerKeyShare(pureProvider, "X25519MLKEM768", client.publicKey)!;
    expect(toHex((await client.deriveSharedSecret(answer.publicKey))!)).toBe(toHex(answer.sharedSecret));

    const pureClient = pureProvider.generateKeyShare("X25519MLKEM768");
    const webAnswer = (await answerKeyShareAsync(web, pureProvider, "X25519MLKEM768", pureClient.publicKey))!;
    expect(toHex(pureClient.deriveSharedSecret(webAnswer.publicKey)!)).toBe(toHex(webAnswer.sharedSecret));
    // A share of the wrong length, or a broken X25519 half, is null as in the pure provider.
    expect(await answerKeyShareAsync(web, pureProvider, "X25519MLKEM768", pureClient.publicKey.subarray(1))).toBeNull();
    expect(await client.deriveSharedSecret(answer.publicKey.subarray(1))).toBeNull();
  });

  it("answerKeyShareAsync over the pure provider answers synchronously", () => {
    const client = pureProvider.generateKeyShare("secp256r1");
    const answer = answerKeyShareAsync(pureProvider, pureProvider, "secp256r1", client.publicKey);
    expect(isPromise(answer)).toBe(false);
    expect(answer).not.toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Signatures

interface KeyPairUnderTest {
  readonly name: string;
  readonly algorithm: SignatureAlgorithm;
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
  /** Deterministic schemes must give the same bytes from both providers. */
  readonly deterministic: boolean;
}

function ecPair(curve: "P-256" | "P-384", d: Uint8Array): KeyPairUnderTest {
  const c = curve === "P-256" ? p256 : p384;
  return {
    name: `ecdsa ${curve}`,
    algorithm: { kind: "ecdsa", hash: curve === "P-256" ? "SHA-256" : "SHA-384" },
    privateKey: { kind: "ec", curve, d },
    publicKey: { kind: "ec", curve, point: c.getPublicKey(d, false) },
    deterministic: false,
  };
}

interface RsaVectors {
  key: Record<"n" | "e" | "d" | "p" | "q" | "dp" | "dq" | "qinv", string>;
  messages: Record<string, string>;
  signatures: { message: string; hash: HashName; padding: "pkcs1" | "pss"; signature: string }[];
}
const rsa2048 = JSON.parse(readFileSync(new URL("../../vectors/rsa/rsa-2048.json", import.meta.url), "utf8")) as RsaVectors;
const big = (hex: string) => BigInt(`0x${hex}`);
const rsaPrivate: PrivateKey = {
  kind: "rsa",
  n: big(rsa2048.key.n),
  e: big(rsa2048.key.e),
  d: big(rsa2048.key.d),
  p: big(rsa2048.key.p),
  q: big(rsa2048.key.q),
  dp: big(rsa2048.key.dp),
  dq: big(rsa2048.key.dq),
  qinv: big(rsa2048.key.qinv),
};
const rsaPublic: PublicKey = { kind: "rsa", n: rsaPrivate.n, e: rsaPrivate.e, pssOnly: false };

function pairs(seed: Uint8Array): KeyPairUnderTest[] {
  return [
    // noble's seeded key derivation (FIPS 186-5 A.2.1) takes 48 bytes for P-256, 72 for P-384.
    ecPair("P-256", p256.utils.randomSecretKey(seed.subarray(0, 48))),
    ecPair("P-384", p384.utils.randomSecretKey(seed)),
    {
      name: "ed25519",
      algorithm: { kind: "ed25519" },
      privateKey: { kind: "ed25519", seed: seed.subarray(0, 32) },
      publicKey: { kind: "ed25519", key: ed25519.getPublicKey(seed.subarray(0, 32)) },
      deterministic: true,
    },
  ];
}

const RSA_ALGORITHMS: readonly { algorithm: SignatureAlgorithm; deterministic: boolean }[] = (["SHA-256", "SHA-384", "SHA-512"] as const).flatMap((hash) => [
  { algorithm: { kind: "rsa-pss", hash, saltLength: hashLength(hash) } as const, deterministic: false },
  { algorithm: { kind: "rsa-pkcs1", hash } as const, deterministic: true },
]);

async function checkAgreement(pair: KeyPairUnderTest, message: Uint8Array, flip: number): Promise<void> {
  const { algorithm, privateKey, publicKey } = pair;
  const fromWeb = await web.sign(algorithm, privateKey, message);
  const fromPure = pureProvider.sign(algorithm, privateKey, message);
  if (pair.deterministic) expect(toHex(fromWeb)).toBe(toHex(fromPure));
  for (const signature of [fromWeb, fromPure]) {
    expect(await web.verify(algorithm, publicKey, message, signature)).toBe(true);
    expect(pureProvider.verify(algorithm, publicKey, message, signature)).toBe(true);
    // A flipped bit in the signature or the message: both providers give the same verdict (false,
    // except for the rare DER bit that changes nothing, where both must still agree).
    const forged = signature.slice();
    forged[flip % forged.length] ^= 1 << (flip % 8);
    expect(await web.verify(algorithm, publicKey, message, forged)).toBe(pureProvider.verify(algorithm, publicKey, message, forged));
    const other = message.slice();
    if (other.length > 0) other[flip % other.length] ^= 1;
    else other.fill(0);
    const otherMessage = other.length > 0 ? other : Uint8Array.of(1);
    expect(await web.verify(algorithm, publicKey, otherMessage, signature)).toBe(false);
    expect(pureProvider.verify(algorithm, publicKey, otherMessage, signature)).toBe(false);
  }
}

describe("signatures through crypto.subtle", () => {
  it("ECDSA P-256/P-384 and Ed25519: each provider accepts the other's signatures and both refuse forgeries", SLOW, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 72, maxLength: 72 }), fc.uint8Array({ maxLength: 300 }), fc.nat(), async (seed, message, flip) => {
        for (const pair of pairs(seed)) await checkAgreement(pair, message, flip);
      }),
      { numRuns: 20 },
    );
  });

  it("RSA-PSS and PKCS#1 v1.5 (2048-bit OpenSSL key): the same, and PKCS#1 v1.5 signatures are identical", SLOW, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(), async (message, flip) => {
        for (const { algorithm, deterministic } of RSA_ALGORITHMS) {
          await checkAgreement({ name: algorithm.kind, algorithm, privateKey: rsaPrivate, publicKey: rsaPublic, deterministic }, message, flip);
        }
      }),
      { numRuns: 4 },
    );
  });

  it("verifies the OpenSSL-made RSA signatures of vectors/rsa (2048 and 4096 bits)", async () => {
    for (const file of ["rsa-2048.json", "rsa-4096.json"]) {
      const v = JSON.parse(readFileSync(new URL(`../../vectors/rsa/${file}`, import.meta.url), "utf8")) as RsaVectors;
      const key: PublicKey = { kind: "rsa", n: big(v.key.n), e: big(v.key.e), pssOnly: false };
      expect(v.signatures.length).toBeGreaterThan(5);
      for (const s of v.signatures) {
        const algorithm: SignatureAlgorithm =
          s.padding === "pss" ? { kind: "rsa-pss", hash: s.hash, saltLength: hashLength(s.hash) } : { kind: "rsa-pkcs1", hash: s.hash };
        const message = fromHex(v.messages[s.message]);
        expect(await web.verify(algorithm, key, message, fromHex(s.signature)), `${file} ${s.padding} ${s.hash}`).toBe(true);
        // The other message must not verify.
        const other = fromHex(v.messages[s.message === "msg1" ? "msg2" : "msg1"]);
        expect(await web.verify(algorithm, key, other, fromHex(s.signature))).toBe(false);
      }
    }
  });

  it("refuses without asking the runtime what the pure provider refuses on sight", () => {
    const point = p256.getPublicKey(p256.utils.randomSecretKey(), false);
    const ec: PublicKey = { kind: "ec", curve: "P-256", point };
    // Malformed DER, a key of the wrong kind, an id-RSASSA-PSS key with PKCS#1 v1.5, a short RSA signature.
    expect(web.verify({ kind: "ecdsa", hash: "SHA-256" }, ec, new Uint8Array(1), Uint8Array.of(0x30, 0x00))).toBe(false);
    expect(web.verify({ kind: "ed25519" }, ec, new Uint8Array(1), new Uint8Array(64))).toBe(false);
    expect(web.verify({ kind: "rsa-pkcs1", hash: "SHA-256" }, { ...rsaPublic, pssOnly: true } as PublicKey, new Uint8Array(1), new Uint8Array(256))).toBe(
      false,
    );
    expect(web.verify({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, rsaPublic, new Uint8Array(1), new Uint8Array(255))).toBe(false);
  });

  it("a compressed P-256 point (legal in X.509) is verified by the pure code, with the same verdict", async () => {
    const d = p256.utils.randomSecretKey();
    const message = Uint8Array.of(1, 2, 3);
    const signature = pureProvider.sign({ kind: "ecdsa", hash: "SHA-256" }, { kind: "ec", curve: "P-256", d }, message);
    const key: PublicKey = { kind: "ec", curve: "P-256", point: p256.getPublicKey(d, true) };
    expect(await web.verify({ kind: "ecdsa", hash: "SHA-256" }, key, message, signature)).toBe(true);
  });

  it("hands an operation on a key it has imported to the runtime during the call, and what the runtime throws to the pure code", async () => {
    // The engine starts a CertificateVerify check and our own signature before it searches the
    // peer's path, so the runtime works on them meanwhile: that needs the call itself to reach
    // crypto.subtle, not a callback that runs after the search.
    const d = p256.utils.randomSecretKey();
    const algorithm = { kind: "ecdsa", hash: "SHA-256" } as const;
    const privateKey: PrivateKey = { kind: "ec", curve: "P-256", d };
    const publicKey: PublicKey = { kind: "ec", curve: "P-256", point: p256.getPublicKey(d, false) };
    const message = Uint8Array.of(1, 2, 3);
    const asked: string[] = [];
    let throwing = false;
    const recording: SubtleLike = {
      ...subtleWithout([]),
      sign: (a, key, data) => {
        asked.push("sign");
        if (throwing) throw new Error("refused");
        return subtle.sign(a, key, data);
      },
      verify: (a, key, signature, data) => {
        asked.push("verify");
        if (throwing) throw new Error("refused");
        return subtle.verify(a, key, signature, data);
      },
    };
    const own = (await webCryptoProvider({ subtle: recording, spareKeyShares: false })).asynchronous;
    // The first use of each key waits for its import.
    const signature = await own.sign(algorithm, privateKey, message);
    expect(await own.verify(algorithm, publicKey, message, signature)).toBe(true);
    asked.length = 0;
    const signing = own.sign(algorithm, privateKey, message);
    const verifying = own.verify(algorithm, publicKey, message, signature);
    expect(asked).toEqual(["sign", "verify"]);
    expect(await verifying).toBe(true);
    expect(await own.verify(algorithm, publicKey, message, await signing)).toBe(true);
    // A runtime that throws instead of rejecting: the verdict is the pure code's, a signature fails as internal_error.
    throwing = true;
    expect(await own.verify(algorithm, publicKey, message, signature)).toBe(true);
    expect(await own.verify(algorithm, publicKey, Uint8Array.of(1, 2, 4), signature)).toBe(false);
    await expect(Promise.resolve(own.sign(algorithm, privateKey, message))).rejects.toThrow(/signing with WebCrypto failed: refused/);
  });

  interface SignatureTest extends WycheproofTest {
    msg: string;
    sig: string;
  }
  type SigGroup = WycheproofGroup<SignatureTest> & {
    sha: HashName;
    publicKey: { curve?: string; uncompressed?: string; pk?: string; modulus?: string; publicExponent?: string };
    mgf?: string;
    mgfSha?: HashName;
    sLen?: number;
  };
  const verifySuites: readonly { file: string; algorithm: string; make: (g: SigGroup) => { algorithm: SignatureAlgorithm; key: PublicKey } | null }[] = [
    ...(["ecdsa_secp256r1_sha256_test.json", "ecdsa_secp384r1_sha384_test.json"] as const).map((file) => ({
      file,
      algorithm: "ECDSA",
      make: (g: SigGroup) => ({
        algorithm: { kind: "ecdsa", hash: g.sha } as const,
        key: { kind: "ec", curve: g.publicKey.curve === "secp256r1" ? "P-256" : "P-384", point: fromHex(g.publicKey.uncompressed!) } as const,
      }),
    })),
    {
      file: "ed25519_test.json",
      algorithm: "EDDSA",
      make: (g) => ({ algorithm: { kind: "ed25519" }, key: { kind: "ed25519", key: fromHex(g.publicKey.pk!) } }),
    },
    ...["rsa_signature_2048_sha256_test.json", "rsa_signature_3072_sha384_test.json", "rsa_signature_4096_sha512_test.json"].map((file) => ({
      file,
      algorithm: "RSASSA-PKCS1-v1_5",
      make: (g: SigGroup) => ({
        algorithm: { kind: "rsa-pkcs1", hash: g.sha } as const,
        key: { kind: "rsa", n: bigintFromHex(g.publicKey.modulus!), e: bigintFromHex(g.publicKey.publicExponent!), pssOnly: false } as const,
      }),
    })),
    ...["rsa_pss_2048_sha256_mgf1_32_test.json", "rsa_pss_2048_sha384_mgf1_48_test.json", "rsa_pss_4096_sha512_mgf1_64_test.json"].map((file) => ({
      file,
      algorithm: "RSASSA-PSS",
      // Only MGF1 with the message hash; the salt length is the group's, so PSS with other
      // salt lengths checks that both providers honour the parameter.
      make: (g: SigGroup) =>
        g.mgf !== "MGF1" || g.mgfSha !== g.sha
          ? null
          : {
              algorithm: { kind: "rsa-pss", hash: g.sha, saltLength: g.sLen! } as const,
              key: { kind: "rsa", n: bigintFromHex(g.publicKey.modulus!), e: bigintFromHex(g.publicKey.publicExponent!), pssOnly: false } as const,
            },
    })),
  ];
  for (const suite of verifySuites) {
    it(`Wycheproof ${suite.file}: every verdict is the pure provider's, and every valid case is accepted`, SLOW, async () => {
      const mismatches: string[] = [];
      let run = 0;
      for (const g of loadWycheproof<SigGroup>(suite.file, suite.algorithm).testGroups) {
        const made = suite.make(g);
        if (made === null) continue;
        for (const test of g.tests) {
          const [message, signature] = [fromHex(test.msg), fromHex(test.sig)];
          const pure = pureProvider.verify(made.algorithm, made.key, message, signature);
          const webVerdict = await web.verify(made.algorithm, made.key, message, signature);
          if (webVerdict !== pure)
            mismatches.push(`tcId ${test.tcId} [${test.result}; ${test.flags.join(",")}] ${test.comment}: pure ${pure}, webcrypto ${webVerdict}`);
          if (test.result === "valid" && !webVerdict) mismatches.push(`tcId ${test.tcId}: a valid signature was refused`);
          if (test.result === "invalid" && webVerdict) mismatches.push(`tcId ${test.tcId}: an invalid signature was accepted`);
          run++;
        }
      }
      expect(mismatches).toEqual([]);
      expect(run).toBeGreaterThan(100);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// RFC 8448 (section 3): the published X25519 keys and AES-128-GCM records

interface Rfc8448Item {
  label: string;
  hex: string;
}
interface Rfc8448Step {
  actor: string;
  action: string;
  items: Rfc8448Item[];
}
const rfc8448 = JSON.parse(readFileSync(new URL("../../vectors/rfc8448/section3-simple-1rtt.json", import.meta.url), "utf8")) as { steps: Rfc8448Step[] };
function step(actor: string, action: string, occurrence = 0): Rfc8448Step {
  const found = rfc8448.steps.filter((s) => s.actor === actor && s.action === action && s.items.length > 0)[occurrence];
  if (found === undefined) throw new Error(`RFC 8448 section 3: no ${actor} "${action}"`);
  return found;
}
function item(s: Rfc8448Step, label: string): Uint8Array {
  const found = s.items.find((i) => i.label === label);
  if (found === undefined) throw new Error(`RFC 8448: no item ${label} in "${s.action}"`);
  return fromHex(found.hex);
}

describe("RFC 8448 section 3 through crypto.subtle", () => {
  it("the client's X25519 key and the server's public value give the handshake IKM", async () => {
    const client = step("client", "create an ephemeral x25519 key pair");
    const server = step("server", "create an ephemeral x25519 key pair");
    const ikm = rfc8448.steps.filter((s) => s.action === 'extract secret "handshake"' && s.items.some((i) => i.label === "IKM")).at(-1)!;
    const share = await webCryptoKeyShareFromPrivateKey(subtle, "x25519", item(client, "private key"));
    expect(toHex(share.publicKey)).toBe(toHex(item(client, "public key")));
    expect(toHex((await share.deriveSharedSecret(item(server, "public key")))!)).toBe(toHex(item(ikm, "IKM")));
  });

  it("the client Finished record seals to the RFC's bytes, and the server's flight opens", async () => {
    const keys = step("server", "derive read traffic keys for handshake data");
    const record = step("client", "send handshake record", 1);
    const complete = item(record, "complete record");
    const inner = Uint8Array.of(...item(record, "payload"), 22);
    // Sequence number 0: the nonce is the IV itself (RFC 8446 §5.3).
    const sealed = await seal(web, "AES-128-GCM", item(keys, "key expanded"), item(keys, "iv expanded"), complete.subarray(0, 5), inner, 0);
    expect(toHex(sealed)).toBe(toHex(complete.subarray(5)));

    const serverKeys = step("server", "derive write traffic keys for handshake data");
    const flight = step("server", "send handshake record", 1);
    const flightRecord = item(flight, "complete record");
    const opened = await open(
      web,
      "AES-128-GCM",
      item(serverKeys, "key expanded"),
      item(serverKeys, "iv expanded"),
      flightRecord.subarray(0, 5),
      flightRecord.subarray(5),
    );
    expect(opened).toBe(toHex(Uint8Array.of(...item(flight, "payload"), 22)));
  });
});

// Keep the noble import used for X25519 public values honest: the RFC's public key is noble's too.
it("noble's X25519 public key matches RFC 8448's (the tests above rely on it)", () => {
  const client = step("client", "create an ephemeral x25519 key pair");
  expect(toHex(x25519.getPublicKey(item(client, "private key")))).toBe(toHex(item(client, "public key")));
});
