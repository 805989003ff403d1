/**
 * Wycheproof (C2SP) vectors through both providers, by the CryptoProvider interface the engine
 * uses: AEAD keys, `verify` with a signature algorithm, key shares, HKDF. Every `valid` case must
 * be accepted, every `invalid` one rejected, and each `acceptable` one as vectors/wycheproof/README.md
 * decides per flag. Groups TLS 1.3 never uses are skipped, counted, and listed with the reason in
 * SKIPS below; each suite asserts its exact run/skip counts so it cannot pass by running nothing.
 */
import { describe, expect, it } from "vitest";
import { TLSError, bytesEqual, fromHex, toHex } from "../../src/bytes/index.js";
import { keyShareFromPrivateKey } from "../../src/crypto/key-share.js";
import { compactX25519Share } from "../../src/crypto/x25519-compact.js";
import {
  type AeadAlgorithm,
  type CryptoProvider,
  type HashName,
  type KeyShare,
  type PublicKey,
  type SignatureAlgorithm,
  hashLength,
} from "../../src/crypto/provider.js";
import { createPureProvider, pureProvider } from "../../src/crypto/pure.js";
import { nativeProvider } from "../../src/node/index.js";
import { nativeKeyShareFromPrivateKey } from "../../src/node/native-key-share.js";
import {
  type Tally,
  type WycheproofGroup,
  type WycheproofTest,
  bigintFromHex,
  fixedLengthFromHex,
  loadWycheproof,
  newTally,
  record,
  skipGroup,
} from "../helpers/wycheproof.js";

type DhGroup = "x25519" | "secp256r1" | "secp384r1";

interface ProviderUnderTest {
  readonly name: string;
  readonly provider: CryptoProvider;
  /** A key share for a known private key: the provider's own code for the given group. */
  readonly keyShareFor: (group: DhGroup, privateKey: Uint8Array) => KeyShare;
}

const PROVIDERS: readonly ProviderUnderTest[] = [
  { name: "pure", provider: pureProvider, keyShareFor: keyShareFromPrivateKey },
  { name: "native", provider: nativeProvider, keyShareFor: nativeKeyShareFromPrivateKey },
];

/**
 * Why whole groups are skipped. Each reason is about TLS 1.3 (RFC 8446), not about the code:
 * the provider interface offers only what TLS uses, so these cases have nothing to run against.
 * Each suite asserts how many cases it skipped for which reason, and how many it ran.
 */
const SKIPS = {
  gcmKeySize: "AES-192: TLS 1.3 has only AES-128-GCM and AES-256-GCM (RFC 8446 §B.4)",
  aeadIvSize: "IV other than 96 bits: TLS 1.3 nonces are always 12 bytes (RFC 8446 §5.3)",
  aeadTagSize: "tag other than 128 bits: every TLS 1.3 AEAD has a 16-byte tag (RFC 8446 §5.2, §B.4)",
  ecdsaHash:
    "ECDSA hash not paired with the curve: TLS 1.3 schemes bind P-256 to SHA-256 and P-384 to SHA-384 (RFC 8446 §4.2.3)",
  pssParameters:
    "PSS salt length or MGF1 hash other than the message hash: RFC 8446 §4.2.3 fixes salt = hash length, MGF1 with the same hash",
} as const;

/**
 * The RSA public-key limits of the provider (`isUsableRsaPublicKey`,
 * src/crypto/rsa.ts): a modulus of at most 8192 bits, an odd public exponent in [3, 2^32 - 1].
 * A vector whose key is outside them must be rejected whatever its `result`. None of the current
 * Wycheproof files has such a key (2048-4096 bits, e = 3 or 65537), so this changes no verdict
 * today; it is written so the expectation stays right when the limits move.
 */
function rsaKeyWithinProviderLimits(n: bigint, e: bigint): boolean {
  const bits = n.toString(2).length;
  return bits >= 1024 && bits <= 8192 && (e & 1n) === 1n && e >= 3n && e <= 0xffffffffn;
}

/**
 * The pure P-384 suites do hundreds of scalar multiplications (seconds on a loaded machine); the
 * default 20 s budget is for hangs, so these get more room. Not a performance assertion.
 */
const SLOW = { timeout: 120_000 };

function verdict(accepted: boolean): "accept" | "reject" {
  return accepted ? "accept" : "reject";
}

type SkipReason = keyof typeof SKIPS;

function expectTally(tally: Tally, counts: { run: number; skipped?: Partial<Record<SkipReason, number>> }): void {
  expect(tally.mismatches).toEqual([]);
  expect(Object.keys(tally.skipped).every((reason) => reason in SKIPS)).toBe(true);
  expect({ run: tally.run, skipped: tally.skipped }).toEqual({ run: counts.run, skipped: counts.skipped ?? {} });
  // The floor that keeps a suite from passing on an empty or mis-read file.
  expect(tally.run).toBeGreaterThanOrEqual(50);
}

// ---------------------------------------------------------------------------------------------
// AEAD: seal must give exactly ct || tag and open must give back msg; a bad tag must fail open.
// No AEAD file has `acceptable` cases.

interface AeadTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}
interface AeadGroup extends WycheproofGroup<AeadTest> {
  readonly keySize: number;
  readonly ivSize: number;
  readonly tagSize: number;
}

function runAead(
  provider: CryptoProvider,
  fileName: string,
  algorithmName: string,
  algorithmFor: (group: AeadGroup) => AeadAlgorithm | null,
): Tally {
  const tally = newTally();
  for (const group of loadWycheproof<AeadGroup>(fileName, algorithmName).testGroups) {
    const algorithm = algorithmFor(group);
    if (algorithm === null) skipGroup(tally, "gcmKeySize", group);
    else if (group.ivSize !== 96) skipGroup(tally, "aeadIvSize", group);
    else if (group.tagSize !== 128) skipGroup(tally, "aeadTagSize", group);
    else runAeadGroup(provider, algorithm, group, tally);
  }
  return tally;
}

function runAeadGroup(provider: CryptoProvider, algorithm: AeadAlgorithm, group: AeadGroup, tally: Tally): void {
  for (const test of group.tests) {
    const key = provider.aead(algorithm, fromHex(test.key));
    const nonce = fromHex(test.iv);
    const aad = fromHex(test.aad);
    const msg = fromHex(test.msg);
    const sealed = fromHex(test.ct + test.tag);
    if (test.result === "valid") {
      const buf = new Uint8Array(msg.length + 16);
      buf.set(msg);
      key.seal(nonce, aad, buf, 0, msg.length);
      if (!bytesEqual(buf, sealed)) {
        record(tally, test, "seal = ct||tag", `seal = ${toHex(buf)}`);
        continue;
      }
    }
    // Open at a non-zero offset, as the record layer does (the header sits before the payload).
    const buf = new Uint8Array(5 + sealed.length);
    buf.set(sealed, 5);
    const accepted = key.open(nonce, aad, buf, 5, sealed.length) && bytesEqual(buf.subarray(5, 5 + msg.length), msg);
    record(tally, test, verdict(test.result === "valid"), verdict(accepted));
  }
}

describe("Wycheproof AES-GCM (aes_gcm_test.json)", () => {
  const largeTables = { name: "pure, large GHASH tables", provider: createPureProvider({ gcmTables: "large" }) };
  for (const { name, provider } of [...PROVIDERS, largeTables]) {
    it(`${name}: 96-bit IVs, 128-bit tags, AES-128 and AES-256`, () => {
      const tally = runAead(provider, "aes_gcm_test.json", "AES-GCM", (group) =>
        group.keySize === 128 ? "AES-128-GCM" : group.keySize === 256 ? "AES-256-GCM" : null,
      );
      // 45 groups: 2 run (AES-128 and AES-256 with 96-bit IVs); all tags are 128 bits.
      expectTally(tally, { run: 133, skipped: { gcmKeySize: 103, aeadIvSize: 80 } });
    });
  }
});

describe("Wycheproof ChaCha20-Poly1305 (chacha20_poly1305_test.json)", () => {
  for (const { name, provider } of PROVIDERS) {
    it(`${name}: 96-bit nonces`, () => {
      const tally = runAead(provider, "chacha20_poly1305_test.json", "CHACHA20-POLY1305", () => "CHACHA20-POLY1305");
      // 10 groups: the 96-bit one runs; 9 single-case groups probe other nonce sizes.
      expectTally(tally, { run: 316, skipped: { aeadIvSize: 9 } });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// HKDF (RFC 5869) as TLS calls it: Extract then Expand. `invalid` cases ask for more than
// 255 * HashLen bytes, which Expand must refuse with a TLSError (never wrap around or truncate).

interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}

function runHkdf(provider: CryptoProvider, fileName: string, hashName: HashName): Tally {
  const tally = newTally();
  for (const group of loadWycheproof<WycheproofGroup<HkdfTest>>(fileName, `HKDF-${hashName}`).testGroups) {
    for (const test of group.tests) {
      let actual: string;
      try {
        const prk = provider.hkdfExtract(hashName, fromHex(test.salt), fromHex(test.ikm));
        const okm = provider.hkdfExpand(hashName, prk, fromHex(test.info), test.size);
        actual = toHex(okm) === test.okm ? "accept" : `okm ${toHex(okm)}`;
      } catch (error) {
        actual = error instanceof TLSError ? "reject" : `threw ${String(error)}`;
      }
      record(tally, test, verdict(test.result === "valid"), actual);
    }
  }
  return tally;
}

describe("Wycheproof HKDF (hkdf_sha256_test.json, hkdf_sha384_test.json)", () => {
  for (const { name, provider } of PROVIDERS) {
    it(`${name}: HKDF-SHA-256`, () => {
      expectTally(runHkdf(provider, "hkdf_sha256_test.json", "SHA-256"), { run: 86 });
    });
    it(`${name}: HKDF-SHA-384`, () => {
      expectTally(runHkdf(provider, "hkdf_sha384_test.json", "SHA-384"), { run: 83 });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Signatures, through `verify` with the algorithm TLS 1.3 would name.

interface SignatureTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}

function runVerify(
  provider: CryptoProvider,
  tests: readonly SignatureTest[],
  algorithm: SignatureAlgorithm,
  key: PublicKey,
  expectAccept: (test: SignatureTest) => boolean,
  tally: Tally,
): void {
  for (const test of tests) {
    const accepted = provider.verify(algorithm, key, fromHex(test.msg), fromHex(test.sig));
    record(tally, test, verdict(expectAccept(test)), verdict(accepted));
  }
}

/** `valid` accepted, `invalid` rejected; files without `acceptable` cases use this. */
function strict(test: WycheproofTest): boolean {
  if (test.result === "acceptable") throw new Error(`tcId ${test.tcId}: no decision for acceptable [${test.flags.join(",")}]`);
  return test.result === "valid";
}

interface EcdsaGroup extends WycheproofGroup<SignatureTest> {
  readonly sha: HashName;
  readonly publicKey: { readonly curve: string; readonly uncompressed: string };
}

describe("Wycheproof ECDSA, DER signatures (ecdsa_secp256r1_sha256_test.json, ecdsa_secp384r1_sha384_test.json)", () => {
  const suites = [
    { file: "ecdsa_secp256r1_sha256_test.json", curve: "P-256", wycheproofCurve: "secp256r1", hash: "SHA-256", run: 484 },
    { file: "ecdsa_secp384r1_sha384_test.json", curve: "P-384", wycheproofCurve: "secp384r1", hash: "SHA-384", run: 504 },
  ] as const;
  for (const { name, provider } of PROVIDERS) {
    for (const suite of suites) {
      it(`${name}: ecdsa_${suite.wycheproofCurve}_${suite.hash.replace("-", "").toLowerCase()}`, SLOW, () => {
        const tally = newTally();
        for (const group of loadWycheproof<EcdsaGroup>(suite.file, "ECDSA").testGroups) {
          if (group.publicKey.curve !== suite.wycheproofCurve) throw new Error(`unexpected curve ${group.publicKey.curve}`);
          if (group.sha !== suite.hash) {
            skipGroup(tally, "ecdsaHash", group);
            continue;
          }
          const key: PublicKey = { kind: "ec", curve: suite.curve, point: fromHex(group.publicKey.uncompressed) };
          runVerify(provider, group.tests, { kind: "ecdsa", hash: group.sha }, key, strict, tally);
        }
        expectTally(tally, { run: suite.run });
      });
    }
  }
});

interface EddsaGroup extends WycheproofGroup<SignatureTest> {
  readonly publicKey: { readonly curve: string; readonly pk: string };
}

describe("Wycheproof Ed25519 (ed25519_test.json)", () => {
  for (const { name, provider } of PROVIDERS) {
    it(`${name}: every group`, () => {
      const tally = newTally();
      for (const group of loadWycheproof<EddsaGroup>("ed25519_test.json", "EDDSA").testGroups) {
        if (group.publicKey.curve !== "edwards25519") throw new Error(`unexpected curve ${group.publicKey.curve}`);
        runVerify(provider, group.tests, { kind: "ed25519" }, { kind: "ed25519", key: fromHex(group.publicKey.pk) }, strict, tally);
      }
      expectTally(tally, { run: 151 });
    });
  }
});

interface RsaGroup extends WycheproofGroup<SignatureTest> {
  readonly keySize: number;
  readonly sha: HashName;
  readonly publicKey: { readonly modulus: string; readonly publicExponent: string };
  // RSASSA-PSS files only:
  readonly mgf?: string;
  readonly mgfSha?: HashName;
  readonly sLen?: number;
}

function rsaKey(group: RsaGroup): { key: Extract<PublicKey, { kind: "rsa" }>; withinLimits: boolean } {
  const n = bigintFromHex(group.publicKey.modulus);
  const e = bigintFromHex(group.publicKey.publicExponent);
  return { key: { kind: "rsa", n, e, pssOnly: false }, withinLimits: rsaKeyWithinProviderLimits(n, e) };
}

/**
 * PKCS#1 v1.5 `acceptable` cases all carry MissingNull: a DigestInfo whose AlgorithmIdentifier
 * omits the NULL parameters. RFC 8017 §9.2 note 1 gives the encodings with NULL, and §8.2.2
 * compares against that re-encoding, so both providers reject it (vectors/wycheproof/README.md).
 */
function pkcs1Expectation(withinLimits: boolean) {
  return (test: WycheproofTest): boolean => {
    if (!withinLimits) return false;
    if (test.result === "acceptable") {
      if (test.flags.length === 1 && test.flags[0] === "MissingNull") return false;
      throw new Error(`tcId ${test.tcId}: no decision for acceptable [${test.flags.join(",")}]`);
    }
    return test.result === "valid";
  };
}

describe("Wycheproof RSASSA-PKCS1-v1_5 verification (rsa_signature_*_test.json)", () => {
  const suites = [
    { file: "rsa_signature_2048_sha256_test.json", run: 259 },
    { file: "rsa_signature_2048_sha384_test.json", run: 258 },
    { file: "rsa_signature_2048_sha512_test.json", run: 259 },
    { file: "rsa_signature_3072_sha384_test.json", run: 259 },
    { file: "rsa_signature_4096_sha512_test.json", run: 259 },
  ] as const;
  for (const { name, provider } of PROVIDERS) {
    for (const suite of suites) {
      it(`${name}: ${suite.file}`, SLOW, () => {
        const tally = newTally();
        for (const group of loadWycheproof<RsaGroup>(suite.file, "RSASSA-PKCS1-v1_5").testGroups) {
          const { key, withinLimits } = rsaKey(group);
          runVerify(provider, group.tests, { kind: "rsa-pkcs1", hash: group.sha }, key, pkcs1Expectation(withinLimits), tally);
        }
        expectTally(tally, { run: suite.run });
      });
    }
  }
});

/**
 * RSA-PSS runs twice per key: as an rsaEncryption key (TLS rsa_pss_rsae_*) and as an id-RSASSA-PSS
 * key (rsa_pss_pss_*, `pssOnly`), which take different paths to the same verifier.
 */
describe("Wycheproof RSASSA-PSS verification, rsa_pss_rsae_* and rsa_pss_pss_* (rsa_pss_*_test.json)", () => {
  const suites = [
    { file: "rsa_pss_2048_sha256_mgf1_32_test.json", run: 108 },
    { file: "rsa_pss_2048_sha384_mgf1_48_test.json", run: 141 },
    { file: "rsa_pss_4096_sha512_mgf1_64_test.json", run: 179 },
  ] as const;
  for (const { name, provider } of PROVIDERS) {
    for (const suite of suites) {
      it(`${name}: ${suite.file}`, SLOW, () => {
        const tally = newTally();
        for (const group of loadWycheproof<RsaGroup>(suite.file, "RSASSA-PSS").testGroups) {
          if (group.mgf !== "MGF1" || group.mgfSha !== group.sha || group.sLen !== hashLength(group.sha)) {
            skipGroup(tally, "pssParameters", group);
            continue;
          }
          const { key, withinLimits } = rsaKey(group);
          const algorithm: SignatureAlgorithm = { kind: "rsa-pss", hash: group.sha, saltLength: group.sLen };
          const expectAccept = (test: WycheproofTest): boolean => withinLimits && strict(test);
          runVerify(provider, group.tests, algorithm, key, expectAccept, tally);
          runVerify(provider, group.tests, algorithm, { ...key, pssOnly: true }, expectAccept, tally);
        }
        expectTally(tally, { run: 2 * suite.run });
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Key exchange through a KeyShare built from the vector's private key: `deriveSharedSecret` must
// return exactly `shared`, or null for a peer value TLS must refuse.

interface DhTest extends WycheproofTest {
  readonly public: string;
  readonly private: string;
  readonly shared: string;
}

function runKeyShare(
  keyShareFor: ProviderUnderTest["keyShareFor"],
  group: DhGroup,
  tests: readonly DhTest[],
  expectShared: (test: DhTest) => string | null,
  tally: Tally,
): void {
  const privateLength = group === "secp384r1" ? 48 : 32;
  for (const test of tests) {
    const privateKey = fixedLengthFromHex(test.private, privateLength);
    if (privateKey === null) throw new Error(`tcId ${test.tcId}: private key does not fit ${privateLength} bytes`);
    const shared = keyShareFor(group, privateKey).deriveSharedSecret(fromHex(test.public));
    const expected = expectShared(test);
    record(tally, test, expected ?? "reject", shared === null ? "reject" : toHex(shared));
  }
}

/**
 * X25519 `acceptable` cases (twist points, non-canonical and small u, low-order points, edge
 * cases of the ladder) are all RFC 7748 inputs with a defined result. TLS takes whatever X25519
 * gives, except that RFC 8446 §7.4.2 requires refusing an all-zero shared secret: so an
 * acceptable case must yield exactly `shared`, unless `shared` is all zeros, which must be refused.
 * The same holds for `valid` cases (none of which has an all-zero secret).
 */
function x25519Expectation(test: DhTest): string | null {
  if (test.result === "invalid") return null;
  return /^(00)+$/.test(test.shared) ? null : test.shared;
}

/**
 * P-256/P-384 with raw points (`EcdhEcpointTest`): the only `acceptable` cases are compressed
 * points, which RFC 8446 §4.2.8.2 forbids in a key_share (uncompressed form only): refused.
 */
function nistExpectation(test: DhTest): string | null {
  if (test.result === "acceptable") {
    if (test.flags.includes("CompressedPoint")) return null;
    throw new Error(`tcId ${test.tcId}: no decision for acceptable [${test.flags.join(",")}]`);
  }
  return test.result === "valid" ? test.shared : null;
}

describe("Wycheproof key exchange with raw public values (x25519_test.json, ecdh_secp*_ecpoint_test.json)", () => {
  const nist = [
    { file: "ecdh_secp256r1_ecpoint_test.json", group: "secp256r1", run: 355 },
    { file: "ecdh_secp384r1_ecpoint_test.json", group: "secp384r1", run: 790 },
  ] as const;
  it("x25519Compact (the ladder without noble's Edwards tables): X25519", SLOW, () => {
    const tally = newTally();
    for (const group of loadWycheproof<WycheproofGroup<DhTest> & { curve: string }>("x25519_test.json", "XDH").testGroups) {
      runKeyShare((_, privateKey) => compactX25519Share(privateKey), "x25519", group.tests, x25519Expectation, tally);
    }
    expectTally(tally, { run: 518 });
  });
  for (const { name, keyShareFor } of PROVIDERS) {
    it(`${name}: X25519`, SLOW, () => {
      const tally = newTally();
      for (const group of loadWycheproof<WycheproofGroup<DhTest> & { curve: string }>("x25519_test.json", "XDH").testGroups) {
        if (group.curve !== "curve25519") throw new Error(`unexpected curve ${group.curve}`);
        runKeyShare(keyShareFor, "x25519", group.tests, x25519Expectation, tally);
      }
      expectTally(tally, { run: 518 });
    });
    for (const suite of nist) {
      it(`${name}: ${suite.group} (${suite.file})`, SLOW, () => {
        const tally = newTally();
        for (const group of loadWycheproof<WycheproofGroup<DhTest> & { curve: string }>(suite.file, "ECDH").testGroups) {
          if (group.curve !== suite.group) throw new Error(`unexpected curve ${group.curve}`);
          runKeyShare(keyShareFor, suite.group, group.tests, nistExpectation, tally);
        }
        expectTally(tally, { run: suite.run });
      });
    }
  }
});
