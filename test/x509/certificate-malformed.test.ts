/**
 * Certificates built field by field (der-builder.ts, signed with node:crypto) to hit each rule
 * parseCertificate enforces: RFC 5280 structure, DER strictness, time forms, and the extension
 * and algorithm edge cases the fixtures from openssl cannot produce.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate } from "../../src/x509/index.js";
import * as d from "./der-builder.js";

const { seq, set, oid, int, bool, bits, octets, explicit, utcTime, genTime, extension, tbs, certificate, tlv, ia5, implicitPrim, nul } = d;

function refused(der: Uint8Array): string {
  try {
    parseCertificate(der);
  } catch (e) {
    expect(e).toBeInstanceOf(TLSError);
    expect((e as TLSError).alertName).toBe("bad_certificate");
    return (e as TLSError).message;
  }
  throw new Error("parseCertificate accepted it");
}

describe("the synthetic baseline", () => {
  test("parses, and its self-signature verifies with the pure provider", () => {
    const c = parseCertificate(certificate(tbs()));
    expect(c.subject.text).toBe("CN=synthetic");
    expect(c.basicConstraints).toEqual({ ca: true, pathLen: null });
    expect(c.notBefore.toISOString()).toBe("2025-01-01T00:00:00.000Z");
    expect(c.notAfter.toISOString()).toBe("2125-01-01T00:00:00.000Z");
    expect(pureProvider.verify(c.signatureAlgorithm!, c.publicKey!, c.tbs, c.signature)).toBe(true);
  });
});

describe("structure (RFC 5280 §4.1)", () => {
  test("trailing bytes after the certificate", () => {
    const der = certificate(tbs());
    expect(refused(Uint8Array.from([...der, 0]))).toContain("1 trailing bytes");
  });

  test("a duplicate extension", () => {
    const bc = extension("2.5.29.19", seq(bool(true)), true);
    expect(refused(certificate(tbs({ extensions: [bc, bc] })))).toContain("extension 2.5.29.19 appears more than once");
  });

  test("extensions in a v1 or v2 certificate", () => {
    expect(refused(certificate(tbs({ version: null })))).toContain("a v1 certificate has extensions");
    expect(refused(certificate(tbs({ version: explicit(0, int(1)) })))).toContain("a v2 certificate has extensions");
  });

  test("a v1 certificate without extensions is fine", () => {
    expect(parseCertificate(certificate(tbs({ version: null, extensions: null }))).version).toBe(1);
  });

  test("version 4 does not exist", () => {
    expect(refused(certificate(tbs({ version: explicit(0, int(3)) })))).toContain("version 4");
  });

  test("inner and outer signature algorithms differ", () => {
    expect(refused(certificate(tbs(), d.ecdsaSha384()))).toContain("inner and outer signature algorithms differ");
  });

  test("an empty extensions SEQUENCE", () => {
    expect(refused(certificate(tbs({ extensions: [] })))).toContain("empty");
  });

  test("an extra TBS field", () => {
    expect(refused(certificate(tbs({ extra: [int(5)] })))).toContain("unexpected");
  });

  test("negative and padded serials", () => {
    expect(parseCertificate(certificate(tbs({ serial: int(-129) }))).serialNumber).toBe("-81");
    expect(parseCertificate(certificate(tbs({ serial: int(0x80) }))).serialNumber).toBe("80");
    expect(refused(certificate(tbs({ serial: tlv(0x02, Uint8Array.of(0, 1)) })))).toContain("non-minimal INTEGER");
  });
});

describe("DER strictness", () => {
  const good = certificate(tbs());

  test("a long-form length where a shorter form fits", () => {
    // 30 82 LL LL -> 30 83 00 LL LL: same length, one redundant octet (X.690 §10.1).
    expect(good[1]).toBe(0x82);
    const bad = Uint8Array.from([0x30, 0x83, 0x00, ...good.subarray(2)]);
    expect(refused(bad)).toContain("non-minimal length");
  });

  test("an indefinite length", () => {
    const bad = Uint8Array.from([0x30, 0x80, ...good.subarray(good[1] === 0x82 ? 4 : 3), 0, 0]);
    expect(refused(bad)).toMatch(/indefinite|malformed/);
  });

  test("a BOOLEAN that is neither 00 nor FF", () => {
    const bc = seq(oid("2.5.29.19"), tlv(0x01, Uint8Array.of(1)), octets(seq()));
    expect(refused(certificate(tbs({ extensions: [bc] })))).toContain("not a DER BOOLEAN");
  });

  test("a constructed BIT STRING", () => {
    const ku = seq(oid("2.5.29.15"), octets(tlv(0x23, bits(Uint8Array.of(0x80), 7))));
    expect(refused(certificate(tbs({ extensions: [ku] })))).toContain("constructed string encoding");
  });
});

describe("validity times (RFC 5280 §4.1.2.5)", () => {
  const withValidity = (nb: Uint8Array, na: Uint8Array) => certificate(tbs({ validity: seq(nb, na) }));

  test("UTCTime years 50-99 are 19xx, 00-49 are 20xx", () => {
    const c = parseCertificate(withValidity(utcTime("500101000000Z"), utcTime("491231235959Z")));
    expect(c.notBefore.toISOString()).toBe("1950-01-01T00:00:00.000Z");
    expect(c.notAfter.toISOString()).toBe("2049-12-31T23:59:59.000Z");
  });

  test.each([
    ["no seconds", utcTime("2501010000Z")],
    ["a time zone offset", utcTime("250101000000+0100")],
    ["month 13", utcTime("251301000000Z")],
    ["February 30", utcTime("250230000000Z")],
    ["a leap second", utcTime("251231235960Z")],
    ["fractional seconds", genTime("20250101000000.5Z")],
    ["no Z", genTime("20250101000000")],
    ["a non-digit", genTime("2025010100000AZ")],
    ["the wrong type", ia5("20250101000000Z")],
  ])("%s is refused", (_, bad) => {
    refused(withValidity(bad, genTime("21250101000000Z")));
  });
});

describe("extensions (RFC 5280 §4.2.1)", () => {
  const withExt = (...exts: Uint8Array[]) => parseCertificate(certificate(tbs({ extensions: exts })));

  test("unknown extensions: only critical ones are listed", () => {
    const c = withExt(extension("1.2.3.4", nul(), true), extension("1.2.3.5", nul()), extension("2.5.29.32", seq(), true));
    expect(c.unrecognizedCriticalExtensions).toEqual(["1.2.3.4", "2.5.29.32"]);
    expect(c.extensionOids).toEqual(["1.2.3.4", "1.2.3.5", "2.5.29.32"]);
  });

  test("keyUsage bits in both octets", () => {
    // decipherOnly is bit 8, in the second octet (RFC 5280 §4.2.1.3).
    const c = withExt(extension("2.5.29.15", bits(Uint8Array.of(0x84, 0x80), 7), true));
    expect(c.keyUsage).toMatchObject({ digitalSignature: true, keyCertSign: true, decipherOnly: true, cRLSign: false });
  });

  test("basicConstraints with pathLen and without cA", () => {
    expect(withExt(extension("2.5.29.19", seq(bool(true), int(3)))).basicConstraints).toEqual({ ca: true, pathLen: 3 });
    expect(withExt(extension("2.5.29.19", seq())).basicConstraints).toEqual({ ca: false, pathLen: null });
    refused(certificate(tbs({ extensions: [extension("2.5.29.19", seq(bool(true), int(-1)))] })));
  });

  test("subjectAltName: every form we read, others skipped", () => {
    const san = seq(
      implicitPrim(2, d.ascii("a.example")),
      implicitPrim(7, Uint8Array.of(10, 0, 0, 1)),
      implicitPrim(7, Uint8Array.of(0x20, 1, 0xd, 0xb8, ...new Array<number>(11).fill(0), 1)),
      implicitPrim(6, d.ascii("spiffe://td/x")),
      implicitPrim(1, d.ascii("a@b.example")),
      explicit(4, d.name("dir")),
      tlv(0xa0, oid("1.2.3"), explicit(0, d.utf8("other"))),
      implicitPrim(8, Uint8Array.of(0x2a)),
    );
    const parsed = withExt(extension("2.5.29.17", san)).subjectAltName!;
    expect(parsed).toMatchObject({
      dns: ["a.example"],
      ip: ["10.0.0.1", "2001:db8::1"],
      uri: ["spiffe://td/x"],
      email: ["a@b.example"],
      // otherName [0] and registeredID [8] are kept by form only, so a name constraint on them can refuse.
      otherForms: [0, 8],
    });
    expect(parsed.directoryNames.map((n) => n.text)).toEqual(["CN=dir"]);
  });

  test.each([
    ["a 5-byte iPAddress", seq(implicitPrim(7, Uint8Array.of(1, 2, 3, 4, 5)))],
    ["a non-ASCII dNSName", seq(implicitPrim(2, Uint8Array.of(0x61, 0xe9)))],
    ["an empty GeneralNames", seq()],
    ["a universal-class entry", seq(ia5("a.example"))],
  ])("subjectAltName with %s is refused", (_, san) => {
    refused(certificate(tbs({ extensions: [extension("2.5.29.17", san)] })));
  });

  test("extKeyUsage names and OIDs; authority and subject key identifiers", () => {
    const c = withExt(
      extension("2.5.29.37", seq(oid("1.3.6.1.5.5.7.3.1"), oid("2.5.29.37.0"), oid("1.2.3.4"))),
      extension("2.5.29.14", octets(Uint8Array.of(1, 2))),
      extension("2.5.29.35", seq(implicitPrim(0, Uint8Array.of(3, 4)))),
    );
    expect(c.extKeyUsage).toEqual(["serverAuth", "anyExtendedKeyUsage", "1.2.3.4"]);
    expect(Array.from(c.subjectKeyId!)).toEqual([1, 2]);
    expect(Array.from(c.authorityKeyId!)).toEqual([3, 4]);
  });
});

describe("algorithms", () => {
  const alg = (o: string, ...params: Uint8Array[]) => seq(oid(o), ...params);
  const withAlg = (a: Uint8Array) => parseCertificate(certificate(tbs({ signature: a }), a));
  const pss = (...fields: Uint8Array[]) => alg("1.2.840.113549.1.1.10", seq(...fields));
  const sha = (n: string) => seq(oid(`2.16.840.1.101.3.4.2.${n}`), nul());
  const mgf1 = (n: string) => seq(oid("1.2.840.113549.1.1.8"), sha(n));

  test.each([
    ["sha1WithRSAEncryption", alg("1.2.840.113549.1.1.5", nul()), null],
    ["sha256WithRSAEncryption with NULL", alg("1.2.840.113549.1.1.11", nul()), { kind: "rsa-pkcs1", hash: "SHA-256" }],
    ["sha512WithRSAEncryption without parameters", alg("1.2.840.113549.1.1.13"), { kind: "rsa-pkcs1", hash: "SHA-512" }],
    ["ecdsa-with-SHA512", alg("1.2.840.10045.4.3.4"), { kind: "ecdsa", hash: "SHA-512" }],
    ["ecdsa-with-SHA256 with a NULL parameter", alg("1.2.840.10045.4.3.2", nul()), null],
    ["Ed25519", alg("1.3.101.112"), { kind: "ed25519" }],
    ["Ed448", alg("1.3.101.113"), null],
    ["RSASSA-PSS SHA-384", pss(explicit(0, sha("2")), explicit(1, mgf1("2")), explicit(2, int(48))), { kind: "rsa-pss", hash: "SHA-384", saltLength: 48 }],
    ["RSASSA-PSS default salt", pss(explicit(0, sha("3")), explicit(1, mgf1("3"))), { kind: "rsa-pss", hash: "SHA-512", saltLength: 20 }],
    ["RSASSA-PSS with SHA-1 defaults", pss(), null],
    ["RSASSA-PSS with a different MGF hash", pss(explicit(0, sha("1")), explicit(1, mgf1("2"))), null],
    ["RSASSA-PSS with trailer field 2", pss(explicit(0, sha("1")), explicit(1, mgf1("1")), explicit(3, int(2))), null],
  ])("%s", (_, a, expected) => {
    expect(withAlg(a).signatureAlgorithm).toEqual(expected);
  });

  test("public keys: Ed25519, RSA, id-RSASSA-PSS, unsupported curve", () => {
    const spkiOf = (k: ReturnType<typeof createPublicKey>) => new Uint8Array(k.export({ format: "der", type: "spki" }) as Buffer);
    const ed = createPublicKey(createPrivateKey({ key: Buffer.from("302e020100300506032b657004220420" + "11".repeat(32), "hex"), format: "der", type: "pkcs8" }));
    expect(parseCertificate(certificate(tbs({ spki: spkiOf(ed) }))).publicKey?.kind).toBe("ed25519");
    const p256Compressed = seq(seq(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), bits(Uint8Array.of(2, ...new Array<number>(32).fill(1))));
    expect(parseCertificate(certificate(tbs({ spki: p256Compressed }))).publicKey).toBeNull();
    const rsaPss = seq(seq(oid("1.2.840.113549.1.1.10")), bits(seq(int(0xc5n * (1n << 2040n) + 1n), int(65537))));
    expect(parseCertificate(certificate(tbs({ spki: rsaPss }))).publicKey).toMatchObject({ kind: "rsa", pssOnly: true, e: 65537n });
    const rsaNoNull = seq(seq(oid("1.2.840.113549.1.1.1")), bits(seq(int(12345), int(3))));
    expect(refused(certificate(tbs({ spki: rsaNoNull })))).toContain("parameters are not NULL");
  });
});

describe("names", () => {
  test("escaping, unknown attributes and non-string values follow RFC 4514", () => {
    const dn = seq(
      set(seq(oid("2.5.4.6"), tlv(0x13, d.ascii("US")))),
      set(seq(oid("2.5.4.10"), d.utf8(' #lead, "q" trail '))),
      set(seq(oid("1.2.3.4"), d.utf8("x")), seq(oid("2.5.4.3"), tlv(0x1e, Uint8Array.of(0, 0x41, 0x20, 0xac)))),
      set(seq(oid("2.5.4.5"), int(7))),
      set(seq(oid("0.9.2342.19200300.100.1.25"), ia5("test\nline"))),
    );
    const c = parseCertificate(certificate(tbs({ subject: dn })));
    expect(c.subject.text).toBe('DC=test\\0Aline, serialNumber=#020107, CN=A€ + 1.2.3.4=x, O=\\ #lead\\, \\"q\\" trail\\ , C=US');
    expect(c.subject.commonName).toBe("A€");
  });
});
