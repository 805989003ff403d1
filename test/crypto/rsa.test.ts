import { execFileSync } from "node:child_process";
import { constants, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, privateEncrypt, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AlertDescription, TLSError, concatBytes, fromHex, toHex } from "../../src/bytes/index.js";
import type { HashName, PrivateKey, PublicKey, SignatureAlgorithm } from "../../src/crypto/provider.js";
import { pureProvider as p } from "../../src/crypto/pure.js";
import { bitLength, i2osp, modPow, os2ip } from "../../src/crypto/rsa.js";

interface RsaVectorFile {
  bits: number;
  key: { n: string; e: string; d: string; p: string; q: string; dp: string; dq: string; qinv: string };
  messages: Record<string, string>;
  signatures: { message: string; hash: HashName; padding: "pkcs1" | "pss"; saltLength?: number; signature: string }[];
}

const big = (hex: string) => BigInt("0x" + hex);
function b64url(x: bigint): string {
  const hex = x.toString(16);
  return Buffer.from(fromHex(hex.length % 2 === 1 ? "0" + hex : hex)).toString("base64url");
}
const NODE_HASH: Record<HashName, string> = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" };
const HASH_LENGTH: Record<HashName, number> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

function load(bits: number) {
  const file = JSON.parse(readFileSync(new URL(`../../vectors/rsa/rsa-${bits}.json`, import.meta.url), "utf8")) as RsaVectorFile;
  const k = file.key;
  const priv = { kind: "rsa", n: big(k.n), e: big(k.e), d: big(k.d), p: big(k.p), q: big(k.q), dp: big(k.dp), dq: big(k.dq), qinv: big(k.qinv) } as const;
  const pub: PublicKey = { kind: "rsa", n: priv.n, e: priv.e, pssOnly: false };
  const jwk = { kty: "RSA", n: b64url(priv.n), e: b64url(priv.e), d: b64url(priv.d), p: b64url(priv.p), q: b64url(priv.q), dp: b64url(priv.dp), dq: b64url(priv.dq), qi: b64url(priv.qinv) };
  const nodePrivate = createPrivateKey({ key: jwk, format: "jwk" });
  const nodePublic = createPublicKey(nodePrivate);
  return { file, priv: priv as PrivateKey & { kind: "rsa" }, pub, nodePrivate, nodePublic };
}

function algorithmOf(s: RsaVectorFile["signatures"][number]): SignatureAlgorithm {
  return s.padding === "pkcs1" ? { kind: "rsa-pkcs1", hash: s.hash } : { kind: "rsa-pss", hash: s.hash, saltLength: s.saltLength ?? -1 };
}

describe.each([1024, 2048, 3072, 4096])("RSA-%i against OpenSSL", (bits) => {
  const { file, priv, pub, nodePrivate, nodePublic } = load(bits);

  it("the vector file is what it claims (n = p*q, size, CRT values)", () => {
    expect(file.bits).toBe(bits);
    expect(priv.p * priv.q).toBe(priv.n);
    expect(priv.n.toString(2).length).toBe(bits);
    expect((priv.qinv * priv.q) % priv.p).toBe(1n);
  });

  it("every OpenSSL signature verifies; a flipped bit, another message or the other padding does not", () => {
    expect(file.signatures.length).toBeGreaterThanOrEqual(14);
    for (const s of file.signatures) {
      const message = fromHex(file.messages[s.message]);
      const signature = fromHex(s.signature);
      const alg = algorithmOf(s);
      expect(p.verify(alg, pub, message, signature), `${s.padding} ${s.hash} ${s.message}`).toBe(true);
      // An id-RSASSA-PSS key may verify PSS but never PKCS#1 v1.5.
      expect(p.verify(alg, { ...pub, pssOnly: true }, message, signature)).toBe(s.padding === "pss");

      for (const bit of [0, 7, 8 * (signature.length >> 1) + 3, 8 * signature.length - 1]) {
        const flipped = signature.slice();
        flipped[bit >> 3] ^= 1 << (bit & 7);
        expect(p.verify(alg, pub, message, flipped)).toBe(false);
      }
      const otherMessage = fromHex(file.messages[s.message === "msg1" ? "msg2" : "msg1"]);
      expect(p.verify(alg, pub, otherMessage, signature)).toBe(false);
      const otherPadding: SignatureAlgorithm =
        s.padding === "pkcs1" ? { kind: "rsa-pss", hash: s.hash, saltLength: HASH_LENGTH[s.hash] } : { kind: "rsa-pkcs1", hash: s.hash };
      expect(p.verify(otherPadding, pub, message, signature)).toBe(false);
      const otherHash: HashName = s.hash === "SHA-256" ? "SHA-384" : "SHA-256";
      expect(p.verify({ ...alg, hash: otherHash } as SignatureAlgorithm, pub, message, signature)).toBe(false);
    }
  });

  it("our PKCS#1 v1.5 signatures equal OpenSSL's byte for byte", () => {
    for (const s of file.signatures.filter((x) => x.padding === "pkcs1")) {
      const ours = p.sign({ kind: "rsa-pkcs1", hash: s.hash }, priv, fromHex(file.messages[s.message]));
      expect(toHex(ours)).toBe(s.signature);
    }
  });

  it("our PSS signatures verify under node:crypto and differ each time (random salt)", () => {
    const message = fromHex(file.messages.msg1);
    for (const hash of ["SHA-256", "SHA-384", "SHA-512"] as const) {
      const alg = { kind: "rsa-pss", hash, saltLength: HASH_LENGTH[hash] } as const;
      if (bits === 1024 && hash === "SHA-512") {
        // emLen 128 < hLen + sLen + 2 = 130 (RFC 8017 §9.1.1 step 3).
        expect(() => p.sign(alg, priv, message)).toThrow(TLSError);
        continue;
      }
      const ours = p.sign(alg, priv, message);
      expect(ours.length).toBe(bits / 8);
      const ok = nodeVerify(
        NODE_HASH[hash],
        message,
        { key: nodePublic, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] },
        ours,
      );
      expect(ok).toBe(true);
      if (hash === "SHA-256") expect(toHex(p.sign(alg, priv, message))).not.toBe(toHex(ours));
    }
  });

  it("verifies node:crypto PSS signatures with other salt lengths only when told that length", () => {
    const message = fromHex(file.messages.msg2);
    for (const saltLength of [0, 20]) {
      const sig = nodeSign("sha256", message, { key: nodePrivate, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
      expect(p.verify({ kind: "rsa-pss", hash: "SHA-256", saltLength }, pub, message, sig)).toBe(true);
      expect(p.verify({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, pub, message, sig)).toBe(false);
    }
  });
});

describe("RSA: openssl dgst -verify accepts our signatures", () => {
  it("PSS SHA-256 and PKCS#1 SHA-384 with the 2048-bit key", () => {
    const { file, priv, nodePublic } = load(2048);
    const dir = mkdtempSync(join(tmpdir(), "mutls-rsa-"));
    try {
      const message = fromHex(file.messages.msg1);
      writeFileSync(join(dir, "pub.pem"), nodePublic.export({ format: "pem", type: "spki" }));
      writeFileSync(join(dir, "msg.bin"), message);
      writeFileSync(join(dir, "pss.sig"), p.sign({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, priv, message));
      writeFileSync(join(dir, "pkcs1.sig"), p.sign({ kind: "rsa-pkcs1", hash: "SHA-384" }, priv, message));
      const pss = execFileSync("openssl", [
        "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
        "-verify", join(dir, "pub.pem"), "-signature", join(dir, "pss.sig"), join(dir, "msg.bin"),
      ], { encoding: "utf8" });
      expect(pss.trim()).toBe("Verified OK");
      const pkcs1 = execFileSync("openssl", [
        "dgst", "-sha384", "-verify", join(dir, "pub.pem"), "-signature", join(dir, "pkcs1.sig"), join(dir, "msg.bin"),
      ], { encoding: "utf8" });
      expect(pkcs1.trim()).toBe("Verified OK");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("RSA PKCS#1 v1.5: forged structures are rejected", () => {
  const { priv, pub, nodePrivate } = load(2048);
  const k = 256;
  const message = new TextEncoder().encode("forge me");
  const sha256 = new Uint8Array(createHash("sha256").update(message).digest());
  const prefix256 = fromHex("3031300d060960864801650304020105000420");
  const prefix384 = fromHex("3041300d060960864801650304020205000430");

  /** Raw RSA with OpenSSL's private key operation (no padding): em^d mod n. */
  const rawSign = (em: Uint8Array) => new Uint8Array(privateEncrypt({ key: nodePrivate, padding: constants.RSA_NO_PADDING }, em));
  const block = (psLength: number, t: Uint8Array, tail = new Uint8Array(0)) => {
    const em = concatBytes(new Uint8Array([0x00, 0x01]), new Uint8Array(psLength).fill(0xff), new Uint8Array([0x00]), t, tail);
    expect(em.length).toBe(k);
    return em;
  };
  const verify = (sig: Uint8Array) => p.verify({ kind: "rsa-pkcs1", hash: "SHA-256" }, pub, message, sig);
  const t = concatBytes(prefix256, sha256);

  it("control: a correctly padded block signed with raw RSA verifies", () => {
    expect(verify(rawSign(block(k - 3 - t.length, t)))).toBe(true);
  });

  it("rejects garbage after the digest inside the block (shorter padding)", () => {
    expect(verify(rawSign(block(k - 3 - t.length - 4, t, new Uint8Array([1, 2, 3, 4]))))).toBe(false);
  });

  it("rejects garbage in the padding, a wrong block type, and padding shorter than 8 bytes", () => {
    const em = block(k - 3 - t.length, t);
    em[10] = 0xfe;
    expect(verify(rawSign(em))).toBe(false);
    const type2 = block(k - 3 - t.length, t);
    type2[1] = 0x02;
    expect(verify(rawSign(type2))).toBe(false);
    // Leading zeros instead of 0xff (a "short PS" with the DigestInfo moved left would be garbage).
    const zeros = concatBytes(new Uint8Array(k - t.length - 10), new Uint8Array([0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]), t);
    expect(verify(rawSign(zeros))).toBe(false);
  });

  it("rejects a DigestInfo naming another hash, or missing the NULL parameters", () => {
    const wrongOid = concatBytes(prefix384.subarray(0, prefix384.length - 1), new Uint8Array([0x20]), sha256);
    expect(verify(rawSign(block(k - 3 - wrongOid.length, wrongOid)))).toBe(false);
    // SHA-256 OID without NULL: 30 2f 30 0b 06 09 ... 04 20 (RFC 8017 §9.2 note 1 requires NULL).
    const noNull = concatBytes(fromHex("302f300b0609608648016503040201" + "0420"), sha256);
    expect(verify(rawSign(block(k - 3 - noNull.length, noNull)))).toBe(false);
    // The right prefix with a SHA-384 digest in a SHA-256 verification.
    const sha384 = new Uint8Array(createHash("sha384").update(message).digest());
    const t384 = concatBytes(prefix384, sha384);
    expect(verify(rawSign(block(k - 3 - t384.length, t384)))).toBe(false);
    expect(p.verify({ kind: "rsa-pkcs1", hash: "SHA-384" }, pub, message, rawSign(block(k - 3 - t384.length, t384)))).toBe(true);
  });

  it("rejects signatures >= n and of the wrong length", () => {
    const good = p.sign({ kind: "rsa-pkcs1", hash: "SHA-256" }, priv, message);
    expect(verify(good)).toBe(true);
    const asBig = os2ip(good);
    const plusN = i2osp(asBig + priv.n, k);
    if (plusN !== null) expect(verify(plusN)).toBe(false); // fits whenever s + n < 2^(8k)
    expect(verify(i2osp(priv.n, k) as Uint8Array)).toBe(false);
    expect(verify(new Uint8Array(k).fill(0xff))).toBe(false);
    expect(verify(new Uint8Array([0, ...good]))).toBe(false);
    expect(verify(good.subarray(1))).toBe(false);
    expect(verify(new Uint8Array(0))).toBe(false);
  });
});

describe("RSA moduli whose size is not a multiple of 8 bits", () => {
  // With modBits = 8k+1 the PSS encoded message is one byte shorter than the signature
  // (RFC 8017 §8.1.1 step 1, emLen = ceil((modBits-1)/8)); other sizes leave unused top bits.
  it.each([1025, 1031, 1036])("%i-bit key: PSS and PKCS#1 interoperate with node:crypto both ways", (bits) => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
    const jwk = privateKey.export({ format: "jwk" });
    const n = (s: string | undefined) => BigInt("0x" + Buffer.from(s ?? "", "base64url").toString("hex"));
    const priv: PrivateKey = { kind: "rsa", n: n(jwk.n), e: n(jwk.e), d: n(jwk.d), p: n(jwk.p), q: n(jwk.q), dp: n(jwk.dp), dq: n(jwk.dq), qinv: n(jwk.qi) };
    const pub: PublicKey = { kind: "rsa", n: n(jwk.n), e: n(jwk.e), pssOnly: false };
    expect(n(jwk.n).toString(2).length).toBe(bits);
    expect(bitLength(n(jwk.n))).toBe(bits);
    const pss = { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    for (let i = 0; i < 4; i++) {
      const message = new TextEncoder().encode(`odd size ${i}`);
      const theirs = nodeSign("sha256", message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      expect(p.verify({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, pub, message, theirs)).toBe(true);
      const ours = p.sign({ kind: "rsa-pss", hash: "SHA-256", saltLength: 32 }, priv, message);
      expect(nodeVerify("sha256", message, pss, ours)).toBe(true);
      const pkcs1 = p.sign({ kind: "rsa-pkcs1", hash: "SHA-256" }, priv, message);
      expect(toHex(pkcs1)).toBe(nodeSign("sha256", message, privateKey).toString("hex"));
    }
  });
});

describe("bitLength", () => {
  it("is the length of the binary form at every boundary up to 8193 bits, and 0 for 0", () => {
    expect(bitLength(0n)).toBe(0);
    for (let k = 0; k <= 8193; k += k < 80 ? 1 : 509) {
      const power = 1n << BigInt(k);
      for (const x of [power, power - 1n, power + 1n, power * 3n]) if (x > 0n) expect(bitLength(x)).toBe(x.toString(2).length);
    }
  });
});

describe("RSA key policy", () => {
  const message = new TextEncoder().encode("policy");

  it("rejects moduli below 1024 bits", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1016 });
    const jwk = publicKey.export({ format: "jwk" });
    const key: PublicKey = { kind: "rsa", n: big(Buffer.from(jwk.n ?? "", "base64url").toString("hex")), e: 65537n, pssOnly: false };
    const sig = nodeSign("sha256", message, privateKey);
    expect(p.verify({ kind: "rsa-pkcs1", hash: "SHA-256" }, key, message, sig)).toBe(false);
  });

  it("rejects even or tiny public exponents, and a key that is not RSA", () => {
    const { file, pub } = load(1024);
    const s = file.signatures[0];
    const sig = fromHex(s.signature);
    const msg = fromHex(file.messages[s.message]);
    expect(p.verify(algorithmOf(s), pub, msg, sig)).toBe(true);
    for (const e of [1n, 2n, 65536n]) {
      expect(p.verify(algorithmOf(s), { ...pub, e } as PublicKey, msg, sig)).toBe(false);
    }
    expect(p.verify(algorithmOf(s), { kind: "ed25519", key: new Uint8Array(32) }, msg, sig)).toBe(false);
  });

  it("refuses to sign with a faulty CRT key (the signature self-check catches it)", () => {
    const { priv } = load(1024);
    const faulty = { ...priv, dp: priv.dp - 2n };
    let error: unknown;
    try {
      p.sign({ kind: "rsa-pkcs1", hash: "SHA-256" }, faulty, message);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alert).toBe(AlertDescription.internal_error);
    expect(() => p.sign({ kind: "rsa-pkcs1", hash: "SHA-256" }, { ...priv, n: priv.n + 2n }, message)).toThrow(TLSError);
    expect(() => p.sign({ kind: "ecdsa", hash: "SHA-256" }, priv, message)).toThrow(TLSError);
  });

  it("modPow agrees with node:crypto's raw RSA on random bases", () => {
    const { priv, nodePrivate } = load(2048);
    for (let i = 0; i < 5; i++) {
      const em = new Uint8Array(256);
      crypto.getRandomValues(em.subarray(1));
      const expected = privateEncrypt({ key: nodePrivate, padding: constants.RSA_NO_PADDING }, em);
      expect(toHex(i2osp(modPow(os2ip(em), priv.d, priv.n), 256) ?? new Uint8Array(0))).toBe(Buffer.from(expected).toString("hex"));
    }
  });
});
