/**
 * verifyCertificateChain against `openssl verify` (verdicts recorded by make.sh in verify.tsv at
 * a fixed -attime), plus the alert and message for every failure, and path-building behaviour
 * OpenSSL cannot show (budget, depth, loops, candidate order).
 */
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { parseCertificate, verifyCertificateChain, type VerifyOptions } from "../../src/x509/index.js";
import * as d from "./der-builder.js";
import { certDer, verifyCases } from "./fixtures.js";

const { at, cases } = verifyCases();
const anchor = (n: string) => parseCertificate(certDer(n));

function run(opts: Partial<VerifyOptions> & { chain: Uint8Array[] }): { ok: true; path: string[] } | { ok: false; alert: string; message: string } {
  try {
    const r = verifyCertificateChain({ trustAnchors: [], now: at, provider: pureProvider, purpose: "serverAuth", ...opts });
    return { ok: true, path: r.path.map((c) => c.subject.text) };
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    return { ok: false, alert: e.alertName, message: e.message };
  }
}

/**
 * Where mutls deliberately refuses what OpenSSL 3.0 accepts by default, and why.
 */
const STRICTER_THAN_OPENSSL: Record<string, string> = {
  "cn-only-no-name": "no Common Name fallback for server names (RFC 6125 §6.4.4, CA/B)",
  sha1: "SHA-1 certificate signatures are refused",
  "p521-leaf": "P-521 keys are not supported",
  "no-digital-signature": "TLS 1.3 signs with the leaf key, so keyUsage must allow digitalSignature",
};

/** The alert each case must end with ("ok" for success) and a fragment of the message. */
const EXPECTED: Record<string, [string, string?]> = {
  "server-ok": ["ok"],
  "server-localhost": ["ok"],
  "server-wildcard": ["ok"],
  "server-wildcard-case": ["ok"],
  "server-wildcard-two-labels": ["bad_certificate", "server name a.b.example.test does not match the certificate's names (DNS: localhost, *.example.test; IP: 127.0.0.1, ::1)"],
  "server-wildcard-bare": ["bad_certificate", "server name example.test does not match"],
  "server-wrong-name": ["bad_certificate", "server name api.evil.test does not match"],
  "server-ipv4": ["ok"],
  "server-ipv6": ["ok"],
  "server-ipv6-long": ["ok"],
  "server-wrong-ip": ["bad_certificate", "server name 127.0.0.2 does not match"],
  "server-as-client": ["bad_certificate", "client certificate CN=localhost, O=mutls test: EKU lacks clientAuth"],
  "server-no-intermediate": [
    "unknown_ca",
    "certificate CN=localhost, O=mutls test was issued by CN=mutls Test Intermediate CA, O=mutls test, C=US, which is not a configured trust anchor",
  ],
  "server-intermediate-anchor": ["ok"],
  "server-extra-intermediates": ["ok"],
  "server-untrusted-root-only": ["unknown_ca", "was issued by CN=mutls Test Root CA, O=mutls test, C=US, which is not a configured trust anchor"],
  "client-ok": ["ok"],
  "client-as-server": ["bad_certificate", "lacks serverAuth"],
  "p384-ok": ["ok"],
  "ed25519-ok": ["ok"],
  "rsa-ok": ["ok"],
  "rsa-pss-ok": ["ok"],
  "rsa-wrong-ca": ["unknown_ca", "was issued by CN=mutls Test RSA CA"],
  "pinned-ed25519": ["ok"],
  "pinned-ed25519-wrong-name": ["bad_certificate", "server name other.example.test does not match the certificate's names (DNS: pinned.example.test)"],
  expired: ["certificate_expired", "server certificate expired on 2021-01-01 (CN=expired.example.test; checked at"],
  "not-yet-valid": ["certificate_expired", "server certificate is not valid until 2099-01-01 (CN=future.example.test; checked at"],
  "under-expired-ca": ["certificate_expired", "certificate CN=Expired Intermediate CA expired on 2021-01-01"],
  untrusted: ["unknown_ca", "certificate CN=Untrusted Root, O=Evil\\, Inc. is self-signed and is not a configured trust anchor"],
  "untrusted-with-root-anchor": ["ok"],
  "under-not-ca": ["bad_certificate", "certificate CN=Not A CA issued CN=under-not-ca.example.test but is not a CA"],
  "pathlen-exceeded": ["bad_certificate", "allows 0 intermediate CA(s) below it, but the chain has 1"],
  "pathlen-sub-anchor": ["ok"],
  "eku-chained": ["bad_certificate", "certificate CN=Client-only CA: EKU lacks serverAuth"],
  "cn-only-no-name": ["bad_certificate", "server name cn-only.example.test does not match the certificate's names (it has no DNS or IP subjectAltName)"],
  "unknown-critical": ["unsupported_certificate", "has critical extension 1.3.6.1.4.1.55555.1, which mutls does not support"],
  sha1: ["bad_certificate", "is signed with ecdsa-with-SHA1, a broken hash (RFC 8446 §4.4.2.4)"],
  "p521-leaf": ["unsupported_certificate", "has an EC key mutls does not read: only P-256 and P-384, with the point uncompressed (0x04 || X || Y)"],
  "no-digital-signature": ["bad_certificate", "keyUsage of CN=kx.example.test lacks digitalSignature"],
  "no-anchor-match": ["unknown_ca", "CN=mutls Test Intermediate CA, O=mutls test, C=US was issued by CN=mutls Test Root CA"],
};

describe("agrees with openssl verify", () => {
  test("every recorded case has an expectation", () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(cases)("$name", (c) => {
    const result = run({
      chain: [certDer(c.leaf), ...c.untrusted.map(certDer)],
      trustAnchors: c.anchors.map(anchor),
      purpose: c.purpose,
      serverName: c.host === "" ? undefined : c.host,
    });
    const stricter = STRICTER_THAN_OPENSSL[c.name];
    if (stricter === undefined) expect(result.ok, `openssl: ${c.opensslSays || "OK"}`).toBe(c.opensslOk);
    else expect(c.opensslOk && !result.ok, stricter).toBe(true);
    const [alert, message] = EXPECTED[c.name];
    if (alert === "ok") return expect(result.ok).toBe(true);
    expect(result).toMatchObject({ ok: false, alert });
    if (message !== undefined && !result.ok) expect(result.message).toContain(message);
  });
});

describe("path building", () => {
  const root = anchor("root-ca");
  const server = certDer("server");
  const inter = certDer("intermediate-ca");

  test("returns the path leaf first and the anchor", () => {
    const r = verifyCertificateChain({ chain: [server, certDer("rsa-ca"), inter], trustAnchors: [root], now: at, provider: pureProvider, purpose: "serverAuth" });
    expect(r.path.map((c) => c.subject.commonName)).toEqual(["localhost", "mutls Test Intermediate CA"]);
    expect(r.anchor.subject.commonName).toBe("mutls Test Root CA");
    expect(r.identity).toEqual({
      subject: "CN=localhost, O=mutls test",
      dnsNames: ["localhost", "*.example.test"],
      ipAddresses: ["127.0.0.1", "::1"],
      uris: [],
      emails: [],
      spiffeId: null,
    });
  });

  test("the client identity carries the SPIFFE URI", () => {
    const r = verifyCertificateChain({ chain: [certDer("client"), inter], trustAnchors: [root], now: at, provider: pureProvider, purpose: "clientAuth" });
    expect(r.identity.uris).toEqual(["spiffe://example.test/ns/default/sa/client"]);
    expect(r.identity.subject).toBe("CN=client, OU=Zürich + OU=ops, O=mutls test");
  });

  test("an anchor sent in the chain is used as the anchor, not as an intermediate", () => {
    const r = verifyCertificateChain({ chain: [server, inter, certDer("root-ca")], trustAnchors: [root], now: at, provider: pureProvider, purpose: "serverAuth" });
    expect(r.path).toHaveLength(2);
  });

  test("maxDepth limits the path (anchor excluded)", () => {
    const chain = [server, inter];
    expect(run({ chain, trustAnchors: [root], maxDepth: 2 }).ok).toBe(true);
    expect(run({ chain, trustAnchors: [root], maxDepth: 1 })).toMatchObject({ ok: false, alert: "bad_certificate", message: expect.stringContaining("longer than the limit of 1") });
  });

  test("a failing issuer is reported for what it is, not as unknown_ca", () => {
    const r = run({ chain: [certDer("leaf-under-expired-ca"), certDer("expired-ca")], trustAnchors: [root] });
    expect(r).toMatchObject({ ok: false, alert: "certificate_expired" });
  });

  test("counts signature checks and stops at the budget", () => {
    let calls = 0;
    const counting: CryptoProvider = {
      ...pureProvider,
      verify: (...args) => {
        calls++;
        return pureProvider.verify(...args);
      },
    };
    // Many copies of wrong-key "intermediates" with the right name cannot make the search loop.
    const chain = [server, ...Array.from({ length: 100 }, () => certDer("intermediate-ca")), inter];
    const r = run({ chain, trustAnchors: [root], provider: counting });
    expect(r.ok).toBe(true);
    expect(calls).toBeLessThanOrEqual(64);
  });

  test("maxSignatureChecks and maxPathCandidates bound the work, naming the limit", () => {
    // leaf <- intermediate <- root costs two signature checks and two partial paths.
    const chain = [server, inter];
    expect(run({ chain, trustAnchors: [root], maxSignatureChecks: 2, maxPathCandidates: 2 }).ok).toBe(true);
    expect(run({ chain, trustAnchors: [root], maxSignatureChecks: 1 })).toMatchObject({
      ok: false,
      alert: "bad_certificate",
      message: expect.stringContaining("after 1 signature checks (limit maxSignatureChecks)"),
    });
    expect(run({ chain, trustAnchors: [root], maxPathCandidates: 1 })).toMatchObject({
      ok: false,
      alert: "bad_certificate",
      message: expect.stringContaining("(limit maxPathCandidates)"),
    });
  });

  test("the leaf is checked before the path: expired and untrusted reports the expiry", () => {
    expect(run({ chain: [certDer("expired")], trustAnchors: [] })).toMatchObject({ alert: "certificate_expired" });
  });

  test("a pinned leaf needs no issuer but must be in date and fit the purpose", () => {
    const pinned = anchor("pinned-ed25519");
    expect(run({ chain: [certDer("pinned-ed25519")], trustAnchors: [pinned] }).ok).toBe(true);
    const later = new Date(Date.UTC(2200, 0, 1));
    expect(run({ chain: [certDer("pinned-ed25519")], trustAnchors: [pinned], now: later })).toMatchObject({ alert: "certificate_expired" });
  });

  test("an expired anchor is refused", () => {
    const r = run({ chain: [server, inter], trustAnchors: [root], now: new Date(Date.UTC(2300, 0, 1)) });
    expect(r).toMatchObject({ ok: false, alert: "certificate_expired" });
  });

  test("an empty chain or a malformed certificate is bad_certificate", () => {
    expect(run({ chain: [] })).toMatchObject({ alert: "bad_certificate" });
    expect(run({ chain: [server, inter.subarray(0, 50)], trustAnchors: [root] })).toMatchObject({
      alert: "bad_certificate",
      message: expect.stringContaining("certificate #2 in the chain"),
    });
  });
});

describe("rules the openssl fixtures do not reach (synthetic chains)", () => {
  // A CA and a leaf under it, both signed with the fixture P-256 key (der-builder.ts).
  // RFC 5280 §4.2.1.1/§4.2.1.2: a CA carries a subjectKeyIdentifier, an issued certificate an AKI.
  const ski = d.extension("2.5.29.14", d.octets(Uint8Array.of(1)));
  const aki = d.extension("2.5.29.35", d.seq(d.implicitPrim(0, Uint8Array.of(1))));
  const caExtensions = (...more: Uint8Array[]) => [d.extension("2.5.29.19", d.seq(d.bool(true)), true), ski, ...more];
  const leafTbs = (o: d.TbsOptions = {}) =>
    d.tbs({ subject: d.name("leaf"), issuer: d.name("synthetic"), extensions: [d.extension("2.5.29.17", d.seq(d.implicitPrim(2, d.ascii("leaf.test")))), aki], ...o });
  const now = new Date(Date.UTC(2030, 0, 1));
  const check = (anchorDer: Uint8Array, leafDer: Uint8Array) => run({ chain: [leafDer], trustAnchors: [parseCertificate(anchorDer)], now });

  test("the synthetic chain itself verifies", () => {
    expect(check(d.certificate(d.tbs({ extensions: caExtensions() })), d.certificate(leafTbs()))).toMatchObject({ ok: true });
  });

  test("name constraints, critical or not, are enforced (RFC 5280 §4.2.1.10)", () => {
    for (const critical of [true, false]) {
      const nc = (domain: string) => d.extension("2.5.29.30", d.seq(d.explicit(0, d.seq(d.implicitPrim(2, d.ascii(domain))))), critical);
      expect(check(d.certificate(d.tbs({ extensions: caExtensions(nc("test")) })), d.certificate(leafTbs()))).toMatchObject({ ok: true });
      const r = check(d.certificate(d.tbs({ extensions: caExtensions(nc("example.com")) })), d.certificate(leafTbs()));
      expect(r).toMatchObject({ ok: false, alert: "bad_certificate", message: "DNS SAN leaf.test violates the name constraint of synthetic" });
    }
  });

  test("a leaf asserting keyCertSign without being a CA", () => {
    const ku = d.extension("2.5.29.15", d.bits(Uint8Array.of(0x84), 2), true);
    const r = check(d.certificate(d.tbs({ extensions: caExtensions() })), d.certificate(leafTbs({ extensions: [ku, aki] })));
    expect(r).toMatchObject({ ok: false, alert: "bad_certificate", message: expect.stringContaining("asserts keyCertSign") });
  });

  test("RSA keys under 2048 bits are refused in an issued chain, but a pinned one is trusted as configured", () => {
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const weakSpki = new Uint8Array(weak.publicKey.export({ format: "der", type: "spki" }));
    const rsaSha256 = d.seq(d.oid("1.2.840.113549.1.1.11"), d.nul());
    // A weak CA key.
    const ca = d.certificate(d.tbs({ spki: weakSpki, signature: rsaSha256, extensions: caExtensions() }), rsaSha256, weak.privateKey);
    const leaf = d.certificate(leafTbs({ signature: rsaSha256 }), rsaSha256, weak.privateKey);
    // bad_certificate, as OpenSSL sends for X509_V_ERR_EE_KEY_TOO_SMALL and CA_KEY_TOO_SMALL.
    expect(check(ca, leaf)).toMatchObject({ ok: false, alert: "bad_certificate", message: "certificate CN=synthetic has a 1024-bit RSA key; mutls requires at least 2048 bits (minRsaModulusBits)" });
    // A weak leaf key under a good CA.
    const goodCa = d.certificate(d.tbs({ extensions: caExtensions() }));
    const weakLeaf = d.certificate(leafTbs({ spki: weakSpki }));
    expect(check(goodCa, weakLeaf)).toMatchObject({ alert: "bad_certificate", message: expect.stringContaining("CN=leaf has a 1024-bit RSA key") });
    // The minimum is a policy: lowered, the same chain passes.
    expect(run({ chain: [weakLeaf], trustAnchors: [parseCertificate(goodCa)], now, minRsaModulusBits: 1024 }).ok).toBe(true);
    // Pinned.
    expect(run({ chain: [weakLeaf], trustAnchors: [parseCertificate(weakLeaf)], now }).ok).toBe(true);
  });

  test("an issuer found by name but with a different key identifier is not a candidate", () => {
    const ca = d.certificate(d.tbs({ extensions: caExtensions() }));
    const akiOf = (id: number) => d.extension("2.5.29.35", d.seq(d.implicitPrim(0, Uint8Array.of(id))));
    expect(check(ca, d.certificate(leafTbs({ extensions: [akiOf(1)] }))).ok).toBe(true);
    expect(check(ca, d.certificate(leafTbs({ extensions: [akiOf(2)] })))).toMatchObject({ alert: "unknown_ca" });
  });

  test("a search that fails reports its most informative failure, whatever order it met them in", () => {
    // The leaf names issuer A, and three CAs are named A: two issued by absent CAs (dead ends,
    // unknown_ca one step further up) and one past maxDepth (bad_certificate). A specific alert
    // beats unknown_ca, and of two equally informative failures the first met is reported.
    const ca = (issuer: string) => d.certificate(d.tbs({ subject: d.name("A"), issuer: d.name(issuer), extensions: caExtensions(aki) }));
    const leaf = d.certificate(leafTbs({ issuer: d.name("A"), extensions: [aki] }));
    const anchors = [parseCertificate(certDer("root-ca"))];
    const deadEnd = (issuer: string) => `certificate CN=A was issued by CN=${issuer}, which is not a configured trust anchor`;
    expect(run({ chain: [leaf, ca("X"), ca("Y")], trustAnchors: anchors, now })).toMatchObject({ alert: "unknown_ca", message: deadEnd("X") });
    expect(run({ chain: [leaf, ca("Y"), ca("X")], trustAnchors: anchors, now })).toMatchObject({ alert: "unknown_ca", message: deadEnd("Y") });
    // With maxDepth 1 no CA can be added: the depth limit is reported, not unknown_ca.
    expect(run({ chain: [leaf, ca("X"), ca("Y")], trustAnchors: anchors, now, maxDepth: 1 })).toMatchObject({
      alert: "bad_certificate",
      message: "the certification path is longer than the limit of 1 certificates",
    });
    // maxDepth 2: the CA issued by X dead-ends first (unknown_ca); the self-issued CA named A then
    // leads to the first CA again one step past the limit, and that failure is the one reported.
    expect(run({ chain: [leaf, ca("X"), ca("A")], trustAnchors: anchors, now, maxDepth: 2 })).toMatchObject({
      alert: "bad_certificate",
      message: "the certification path is longer than the limit of 2 certificates",
    });
  });

  test("a loop of cross-signed CAs ends", () => {
    // A and B each issued the other; neither is an anchor. The search must stop with unknown_ca.
    const mk = (subject: string, issuer: string) =>
      d.certificate(d.tbs({ subject: d.name(subject), issuer: d.name(issuer), extensions: caExtensions(aki) }));
    const leaf = d.certificate(leafTbs({ issuer: d.name("A"), extensions: [aki] }));
    const r = run({ chain: [leaf, mk("A", "B"), mk("B", "A")], trustAnchors: [parseCertificate(certDer("root-ca"))], now });
    expect(r).toMatchObject({ ok: false, alert: "unknown_ca" });
  });
});
