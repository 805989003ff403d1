/**
 * RSA keys past the providers' limits (src/crypto/rsa.ts: at most 8192 bits, e odd from 3 to
 * 2^32 - 1) in a CA-issued chain are refused by path validation with a message naming the limit,
 * before any signature is checked with them. The 16384-bit and e = 2^32 + 1 keys are OpenSSL's
 * (vectors/rsa/rsa-limits.json); the certificates around them are signed with the fixture P-256 key.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as d from "./der-builder.js";

const limits = JSON.parse(readFileSync(new URL("../../vectors/rsa/rsa-limits.json", import.meta.url), "utf8")) as {
  keys: Record<string, { n: string; e: string }>;
};
const rsaSpki = (name: string) => {
  const k = limits.keys[name];
  return d.seq(d.seq(d.oid("1.2.840.113549.1.1.1"), d.nul()), d.bits(d.seq(d.int(BigInt("0x" + k.n)), d.int(BigInt("0x" + k.e)))));
};

describe("RSA key limits in path validation", () => {
  test("the 8192-bit and e = 2^32 - 1 keys are accepted", () => {
    expect(d.leafKeyRefusal(rsaSpki("modulus-8192"))).toBeNull();
    expect(d.leafKeyRefusal(rsaSpki("exponent-2p32-1"))).toBeNull();
  });

  test("a 16384-bit key is bad_certificate naming the 8192-bit limit", () => {
    const e = d.leafKeyRefusal(rsaSpki("modulus-16384"));
    expect(e?.alertName).toBe("bad_certificate");
    expect(e?.message).toBe("certificate CN=leaf has a 16384-bit RSA key; mutls verifies RSA keys of at most 8192 bits");
  });

  test("an exponent of 2^32 + 1 is bad_certificate naming the exponent rule", () => {
    const e = d.leafKeyRefusal(rsaSpki("exponent-2p32+1"));
    expect(e?.alertName).toBe("bad_certificate");
    expect(e?.message).toContain("RSA public exponent that is not odd, from 3 to 2^32 - 1");
  });
});
