/**
 * The RSA key limits of src/crypto/rsa.ts (modulus at most 8192 bits, public exponent odd, 3 to
 * 2^32 - 1, as Go and BoringSSL bound them), in the pure and the node:crypto provider. Every
 * signature in vectors/rsa/rsa-limits.json was made and verified by OpenSSL, so each refusal here
 * is the limit at work, not a bad signature.
 */
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../src/bytes/index.js";
import type { PublicKey, SignatureAlgorithm } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { RSA_MAX_MODULUS_BITS, RSA_MAX_PUBLIC_EXPONENT, isUsableRsaPublicKey } from "../../src/crypto/rsa.js";
import { nativeProvider } from "../../src/node/native-provider.js";

const limits = JSON.parse(readFileSync(new URL("../../vectors/rsa/rsa-limits.json", import.meta.url), "utf8")) as {
  message: string;
  keys: Record<string, { bits: number; n: string; e: string; signature: string }>;
};
const message = fromHex(limits.message);
const pkcs1: SignatureAlgorithm = { kind: "rsa-pkcs1", hash: "SHA-256" };
const b64url = (hex: string) => Buffer.from(fromHex(hex)).toString("base64url");

describe("RSA key limits", () => {
  it("are exported as 8192 bits and 2^32 - 1", () => {
    expect(RSA_MAX_MODULUS_BITS).toBe(8192);
    expect(RSA_MAX_PUBLIC_EXPONENT).toBe(4294967295);
  });

  it.each([
    ["modulus-8192", true],
    ["exponent-2p32-1", true],
    ["modulus-16384", false],
    ["exponent-2p32+1", false],
  ] as const)("OpenSSL's %s key and signature: usable = %s in both providers", (name, usable) => {
    const v = limits.keys[name];
    const signature = fromHex(v.signature);
    // The outside oracle: node:crypto (OpenSSL) accepts every one of these signatures.
    const openssl = createPublicKey({ key: { kty: "RSA", n: b64url(v.n), e: b64url(v.e) }, format: "jwk" });
    expect(nodeVerify("sha256", message, openssl, signature)).toBe(true);
    const key: PublicKey = { kind: "rsa", n: BigInt("0x" + v.n), e: BigInt("0x" + v.e), pssOnly: false };
    expect(pureProvider.verify(pkcs1, key, message, signature)).toBe(usable);
    expect(nativeProvider.verify(pkcs1, key, message, signature)).toBe(usable);
  });

  it("refuses by size alone, before any arithmetic: huge moduli and exponents, even or tiny exponents", () => {
    const n2048 = BigInt("0x" + limits.keys["exponent-2p32-1"].n);
    expect(isUsableRsaPublicKey({ n: n2048, e: 65537n })).toBe(true);
    expect(isUsableRsaPublicKey({ n: n2048, e: 2n ** 32n - 1n })).toBe(true);
    expect(isUsableRsaPublicKey({ n: (1n << 16383n) + 1n, e: 65537n })).toBe(false);
    expect(isUsableRsaPublicKey({ n: (1n << 8192n) + 1n, e: 65537n })).toBe(false);
    expect(isUsableRsaPublicKey({ n: n2048, e: 2n ** 32n + 1n })).toBe(false);
    expect(isUsableRsaPublicKey({ n: n2048, e: n2048 - 2n })).toBe(false);
    expect(isUsableRsaPublicKey({ n: n2048, e: 65536n })).toBe(false);
    expect(isUsableRsaPublicKey({ n: n2048, e: 1n })).toBe(false);
  });
});
