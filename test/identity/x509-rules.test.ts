/**
 * Path validation rules on certificates OpenSSL makes at test time: expiry, EKU, keyUsage,
 * pathLen, name constraints (DNS, IP, URI, email; permitted and excluded), wildcards, IP SANs,
 * SPIFFE IDs and CRL revocation. Each case checks mutls's alert and sentence, and that
 * `openssl verify` reaches the same verdict (OpenSSL is the oracle; where mutls is deliberately
 * stricter the case says why).
 */
import { afterAll, describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import {
  parseCertificate,
  parseCertificateRevocationList,
  decodePem,
  spkiSha256,
  verifyCertificateChain,
  type Purpose,
  type VerifyOptions,
} from "../../src/x509/index.js";
import { CA_EXT, CLIENT_EXT, OpensslPki, SERVER_EXT, type Issued } from "./openssl-pki.js";
import { X509Certificate } from "node:crypto";

/** The notAfter day as OpenSSL wrote it (read back by Node), for the expected message. */
const notAfterDay = (c: Issued): string => new Date(new X509Certificate(c.certPem).validTo).toISOString().slice(0, 10);

const pki = new OpensslPki();
afterAll(() => pki.cleanup());

const DAY = 86_400_000;
const root = pki.root("root", { cn: "Test Root", ext: CA_EXT });
const inter = pki.issue("inter", root, { cn: "Test Intermediate", ext: ["basicConstraints=critical,CA:TRUE,pathlen:0", ...CA_EXT.slice(1)] });
const ncInter = pki.issue("nc-inter", root, {
  cn: "Example Intermediate",
  ext: [
    ...CA_EXT,
    "nameConstraints=critical,permitted;DNS:example.com,permitted;IP:10.0.0.0/255.0.0.0,permitted;URI:prod.example,permitted;email:example.com,excluded;DNS:evil.example.com,excluded;IP:10.9.0.0/255.255.0.0",
  ],
});
const subInter = pki.issue("sub-inter", inter, { cn: "Sub Intermediate", ext: CA_EXT });
const noCertSignInter = pki.issue("no-cert-sign", root, { cn: "CRL-only CA", ext: CA_EXT.map((l) => (l.startsWith("keyUsage") ? "keyUsage=critical,cRLSign" : l)) });

const server = (name: string, issuer: Issued, san: string, extra: { ext?: string[]; days?: number } = {}): Issued =>
  pki.issue(name, issuer, { cn: name, ext: [...(extra.ext ?? SERVER_EXT), `subjectAltName=${san}`], days: extra.days });

const good = server("good", inter, "DNS:api.example.com,IP:10.1.2.3,IP:::1");
const wildcard = server("wildcard", inter, "DNS:*.example.com");
const shortLived = server("short-lived", inter, "DNS:api.example.com", { days: 1 });
const clientOnly = server("client-only", inter, "DNS:api.example.com", { ext: CLIENT_EXT });
const keyAgreementOnly = server("key-agreement-only", inter, "DNS:api.example.com", {
  ext: SERVER_EXT.map((l) => (l.startsWith("keyUsage") ? "keyUsage=critical,keyAgreement" : l)),
});
const tooDeep = server("too-deep", subInter, "DNS:api.example.com");
const underNoCertSign = server("under-no-cert-sign", noCertSignInter, "DNS:api.example.com");
const ncGood = server("nc-good", ncInter, "DNS:api.example.com,IP:10.1.2.3");
const ncEvilDns = server("nc-evil-dns", ncInter, "DNS:api.evil.com");
const ncExcludedDns = server("nc-excluded-dns", ncInter, "DNS:x.evil.example.com");
const ncWildcardExcluded = server("nc-wildcard-excluded", ncInter, "DNS:*.example.com");
const ncBadIp = server("nc-bad-ip", ncInter, "DNS:api.example.com,IP:192.168.1.1");
const ncExcludedIp = server("nc-excluded-ip", ncInter, "DNS:api.example.com,IP:10.9.1.1");
const spiffeGood = pki.issue("spiffe-good", ncInter, { cn: "payments", ext: [...CLIENT_EXT, "subjectAltName=URI:spiffe://prod.example/ns/payments/sa/api"] });
const spiffeOtherDomain = pki.issue("spiffe-other", ncInter, { cn: "payments", ext: [...CLIENT_EXT, "subjectAltName=URI:spiffe://staging.example/ns/payments/sa/api"] });
const emailBad = pki.issue("email-bad", ncInter, { cn: "mail", ext: [...CLIENT_EXT, "subjectAltName=email:alice@evil.com"] });
const revoked = server("revoked", inter, "DNS:api.example.com");
const crlPem = pki.crl(inter, [revoked]);
// A partitioned CRL (issuingDistributionPoint) covers only certificates that point at it.
const DP = "http://crl.mutls.test/inter-1.crl";
const dpRevoked = server("dp-revoked", inter, "DNS:api.example.com", { ext: [...SERVER_EXT, `crlDistributionPoints=URI:${DP}`] });
const dpElsewhere = server("dp-elsewhere", inter, "DNS:api.example.com", { ext: [...SERVER_EXT, "crlDistributionPoints=URI:http://crl.mutls.test/inter-2.crl"] });
const partitionedCrlPem = pki.crl(inter, [dpRevoked, dpElsewhere], ["issuingDistributionPoint = critical, @idp"], ["[idp]", `fullname = URI:${DP}`]);

interface Case {
  readonly name: string;
  readonly leaf: Issued;
  readonly untrusted: readonly Issued[];
  readonly purpose: Purpose;
  readonly host?: string;
  readonly at?: Date;
  readonly crl?: boolean | string;
  /** "ok", or [alert, exact fragment of the sentence]. */
  readonly expect: "ok" | readonly [string, string];
}

const NOW = new Date();
const CASES: Case[] = [
  { name: "good server", leaf: good, untrusted: [inter], purpose: "serverAuth", host: "api.example.com", expect: "ok" },
  { name: "IPv4 SAN", leaf: good, untrusted: [inter], purpose: "serverAuth", host: "10.1.2.3", expect: "ok" },
  { name: "IPv6 SAN", leaf: good, untrusted: [inter], purpose: "serverAuth", host: "::1", expect: "ok" },
  { name: "IP not in SAN", leaf: good, untrusted: [inter], purpose: "serverAuth", host: "10.1.2.4", expect: ["bad_certificate", "server name 10.1.2.4 does not match"] },
  { name: "wildcard one label", leaf: wildcard, untrusted: [inter], purpose: "serverAuth", host: "a.example.com", expect: "ok" },
  { name: "wildcard two labels", leaf: wildcard, untrusted: [inter], purpose: "serverAuth", host: "a.b.example.com", expect: ["bad_certificate", "server name a.b.example.com does not match"] },
  { name: "wildcard bare domain", leaf: wildcard, untrusted: [inter], purpose: "serverAuth", host: "example.com", expect: ["bad_certificate", "server name example.com does not match"] },
  {
    name: "expired",
    leaf: shortLived,
    untrusted: [inter],
    purpose: "clientAuth",
    at: new Date(NOW.getTime() + 3 * DAY),
    expect: ["certificate_expired", `client certificate expired on ${notAfterDay(shortLived)}`],
  },
  { name: "not yet valid", leaf: shortLived, untrusted: [inter], purpose: "serverAuth", at: new Date(NOW.getTime() - 2 * DAY), expect: ["certificate_expired", "server certificate is not valid until"] },
  { name: "wrong EKU", leaf: clientOnly, untrusted: [inter], purpose: "serverAuth", expect: ["bad_certificate", "EKU lacks serverAuth"] },
  { name: "keyUsage without digitalSignature", leaf: keyAgreementOnly, untrusted: [inter], purpose: "serverAuth", expect: ["bad_certificate", "lacks digitalSignature"] },
  { name: "pathLen exceeded", leaf: tooDeep, untrusted: [inter, subInter], purpose: "serverAuth", expect: ["bad_certificate", "allows 0 intermediate CA(s) below it, but the chain has 1"] },
  {
    name: "issuer keyUsage without keyCertSign",
    leaf: underNoCertSign,
    untrusted: [noCertSignInter],
    purpose: "serverAuth",
    expect: ["bad_certificate", "certificate CN=CRL-only CA issued CN=under-no-cert-sign but its keyUsage lacks keyCertSign"],
  },
  { name: "name constraints satisfied", leaf: ncGood, untrusted: [ncInter], purpose: "serverAuth", host: "api.example.com", expect: "ok" },
  { name: "DNS outside permitted", leaf: ncEvilDns, untrusted: [ncInter], purpose: "serverAuth", expect: ["bad_certificate", "DNS SAN api.evil.com violates the name constraint of Example Intermediate"] },
  { name: "DNS in excluded", leaf: ncExcludedDns, untrusted: [ncInter], purpose: "serverAuth", expect: ["bad_certificate", "DNS SAN x.evil.example.com violates the name constraint of Example Intermediate"] },
  {
    name: "wildcard SAN that names an excluded host",
    leaf: ncWildcardExcluded,
    untrusted: [ncInter],
    purpose: "serverAuth",
    expect: ["bad_certificate", "DNS SAN *.example.com violates the name constraint of Example Intermediate"],
  },
  { name: "IP outside permitted", leaf: ncBadIp, untrusted: [ncInter], purpose: "serverAuth", expect: ["bad_certificate", "IP SAN 192.168.1.1 violates the name constraint of Example Intermediate"] },
  { name: "IP in excluded", leaf: ncExcludedIp, untrusted: [ncInter], purpose: "serverAuth", expect: ["bad_certificate", "IP SAN 10.9.1.1 violates the name constraint of Example Intermediate"] },
  { name: "SPIFFE URI permitted", leaf: spiffeGood, untrusted: [ncInter], purpose: "clientAuth", expect: "ok" },
  {
    name: "SPIFFE URI outside permitted",
    leaf: spiffeOtherDomain,
    untrusted: [ncInter],
    purpose: "clientAuth",
    expect: ["bad_certificate", "URI SAN spiffe://staging.example/ns/payments/sa/api violates the name constraint of Example Intermediate"],
  },
  { name: "email outside permitted", leaf: emailBad, untrusted: [ncInter], purpose: "clientAuth", expect: ["bad_certificate", "email SAN alice@evil.com violates the name constraint of Example Intermediate"] },
  { name: "revoked by CRL", leaf: revoked, untrusted: [inter], purpose: "serverAuth", crl: true, expect: ["certificate_revoked", "was revoked by CN=Test Intermediate on"] },
  { name: "CRL does not list it", leaf: good, untrusted: [inter], purpose: "serverAuth", crl: true, expect: "ok" },
  { name: "revoked by a partitioned CRL for its distribution point", leaf: dpRevoked, untrusted: [inter], purpose: "serverAuth", crl: partitionedCrlPem, expect: ["certificate_revoked", "was revoked by CN=Test Intermediate"] },
  { name: "listed by a partitioned CRL for another distribution point", leaf: dpElsewhere, untrusted: [inter], purpose: "serverAuth", crl: partitionedCrlPem, expect: "ok" },
];

/**
 * Where OpenSSL 3.0 (default flags) is more lenient than mutls, and why mutls refuses anyway.
 */
/**
 * Where mutls accepts and OpenSSL refuses for a reason mutls deliberately does not share: the
 * error OpenSSL must give. OpenSSL's -crl_check demands a CRL covering every certificate and,
 * like mutls, finds the partitioned CRL does not cover this one ("different CRL scope"); mutls applies the CRLs it is
 * given and requires none.
 */
const OPENSSL_REFUSES_FOR_ANOTHER_REASON: Record<string, string> = {
  "listed by a partitioned CRL for another distribution point": "different CRL scope",
};

const STRICTER_THAN_OPENSSL: Record<string, string> = {
  "keyUsage without digitalSignature": "TLS 1.3 authenticates with a signature, so mutls needs digitalSignature (OpenSSL's sslserver purpose also accepts keyAgreement)",
  "wildcard SAN that names an excluded host":
    "*.example.com stands for evil.example.com too, which the CA excluded (x509-limbo rfc5280::nc::nc-forbids-dnsname-wildcard-san); OpenSSL compares the wildcard as a literal name",
};

const crls = decodePem(crlPem).map((b) => parseCertificateRevocationList(b.der));

function ours(c: Case, extra: Partial<VerifyOptions> = {}): "ok" | readonly [string, string] {
  try {
    verifyCertificateChain({
      chain: [c.leaf.certDer, ...c.untrusted.map((u) => u.certDer)],
      trustAnchors: [parseCertificate(root.certDer)],
      // Certificates made after NOW (in later describe blocks) must not look "not yet valid".
      now: c.at ?? new Date(),
      provider: pureProvider,
      purpose: c.purpose,
      serverName: c.host,
      crls: typeof c.crl === "string" ? decodePem(c.crl).map((b) => parseCertificateRevocationList(b.der)) : c.crl ? crls : undefined,
      ...extra,
    });
    return "ok";
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    return [e.alertName, e.message];
  }
}

describe("path validation on OpenSSL-made certificates", () => {
  test.each(CASES)("$name", (c) => {
    const result = ours(c);
    if (c.expect === "ok") expect(result).toBe("ok");
    else {
      expect(result).not.toBe("ok");
      const [alert, message] = result as readonly [string, string];
      expect(alert).toBe(c.expect[0]);
      expect(message).toContain(c.expect[1]);
    }
    const isIp = c.host !== undefined && /^[0-9.:]+$/.test(c.host);
    const opensslSays = pki.verify(c.leaf, {
      roots: [root],
      untrusted: c.untrusted,
      purpose: c.purpose === "serverAuth" ? "sslserver" : "sslclient",
      host: isIp ? undefined : c.host,
      ip: isIp ? c.host : undefined,
      crl: typeof c.crl === "string" ? c.crl : c.crl ? crlPem : undefined,
      attime: c.at,
    });
    const why = STRICTER_THAN_OPENSSL[c.name];
    const otherReason = OPENSSL_REFUSES_FOR_ANOTHER_REASON[c.name];
    if (otherReason !== undefined) expect(opensslSays).toContain(otherReason);
    else if (why !== undefined) expect(opensslSays === null || c.expect !== "ok", why).toBe(true);
    else expect(opensslSays === null, `openssl: ${opensslSays ?? "OK"}`).toBe(c.expect === "ok");
  });
});

describe("SPKI pinning", () => {
  const pinOf = (c: Issued) => spkiSha256(parseCertificate(c.certDer), pureProvider);

  test("the digest is SHA-256 of the SubjectPublicKeyInfo, as openssl computes it", async () => {
    const { createHash, X509Certificate } = await import("node:crypto");
    const spki = new X509Certificate(good.certPem).publicKey.export({ type: "spki", format: "der" });
    expect(Buffer.from(pinOf(good)).toString("hex")).toBe(createHash("sha256").update(spki).digest("hex"));
  });

  test("with a CA: a pinned intermediate or leaf passes, an unpinned path is refused", () => {
    const c: Case = { name: "pin", leaf: good, untrusted: [inter], purpose: "serverAuth", expect: "ok" };
    expect(ours(c, { spkiPins: [pinOf(inter)] })).toBe("ok");
    expect(ours(c, { spkiPins: [pinOf(good)] })).toBe("ok");
    const refused = ours(c, { spkiPins: [pinOf(wildcard)] });
    expect(refused[0]).toBe("bad_certificate");
    expect(refused[1]).toContain("has a pinned public key");
  });

  test("without a CA: the leaf's key alone decides", () => {
    const run = (pins: Uint8Array[]) =>
      ours({ name: "pin", leaf: good, untrusted: [], purpose: "serverAuth", host: "api.example.com", expect: "ok" }, { trustAnchors: [], spkiPins: pins });
    expect(run([pinOf(good)])).toBe("ok");
    expect(run([pinOf(wildcard)])[0]).toBe("bad_certificate");
  });
});

describe("cross-signed roots and path search", () => {
  // "Cross CA" has one key and two certificates: one from an untrusted root, one from the trusted root.
  const otherRoot = pki.root("other-root", { cn: "Other Root", ext: CA_EXT });
  const crossUntrusted = pki.issue("cross-untrusted", otherRoot, { cn: "Cross CA", ext: CA_EXT });
  const crossTrusted = pki.issue("cross-trusted", root, { cn: "Cross CA", ext: CA_EXT, keyFrom: crossUntrusted });
  const leaf = server("cross-leaf", crossUntrusted, "DNS:api.example.com");
  const run = (untrusted: Issued[]) => ours({ name: "x", leaf, untrusted, purpose: "serverAuth", expect: "ok" });

  test("the first candidate leads to an untrusted root, the second to the anchor", () => {
    expect(run([crossUntrusted, otherRoot, crossTrusted])).toBe("ok");
    // OpenSSL confirms the path is valid when it is the only one offered...
    expect(pki.verify(leaf, { roots: [root], untrusted: [crossTrusted], purpose: "sslserver" })).toBeNull();
    // ...but 3.0 does not backtrack through the untrusted candidates to find it (its alternative
    // chain search only looks in the trusted store), which is the case mutls's search handles.
    expect(pki.verify(leaf, { roots: [root], untrusted: [crossUntrusted, otherRoot, crossTrusted], purpose: "sslserver" })).not.toBeNull();
  });

  test("intermediates in any order, extras ignored", () => {
    expect(run([good, inter, crossTrusted, wildcard, otherRoot])).toBe("ok");
  });

  test("without the trusted cross-certificate there is no path (unknown_ca)", () => {
    expect(run([crossUntrusted, otherRoot])[0]).toBe("unknown_ca");
    expect(pki.verify(leaf, { roots: [root], untrusted: [crossUntrusted, otherRoot], purpose: "sslserver" })).not.toBeNull();
  });
});
