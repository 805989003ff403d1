/**
 * SPIFFE IDs and X509-SVIDs against the SPIFFE specifications' own rules (SPIFFE-ID §2, X509-SVID
 * §4-5, github.com/spiffe/spiffe/standards), with SVIDs made by OpenSSL at test time.
 */
import { afterAll, describe, expect, test } from "vitest";
import { parseCertificate, parseSpiffeId, spiffeIdMatches, spiffePolicy, x509SvidProblem, identityOf } from "../../src/x509/index.js";
import { CA_EXT, CLIENT_EXT, OpensslPki } from "./openssl-pki.js";

describe("SPIFFE ID syntax (SPIFFE-ID §2)", () => {
  test.each([
    ["spiffe://example.org", "example.org", ""],
    ["spiffe://example.org/ns/payments/sa/api", "example.org", "/ns/payments/sa/api"],
    ["spiffe://a-b_c.d9/x.y-z_/A", "a-b_c.d9", "/x.y-z_/A"],
  ])("%s is valid", (id, trustDomain, path) => {
    expect(parseSpiffeId(id)).toEqual({ id, trustDomain, path });
  });

  test.each([
    ["spiffe://", "empty trust domain"],
    ["spiffe:///path", "empty trust domain"],
    ["spiffe://Example.org/x", "upper-case trust domain"],
    ["SPIFFE://example.org/x", "upper-case scheme"],
    ["https://example.org/x", "other scheme"],
    ["spiffe://example.org/", "trailing slash"],
    ["spiffe://example.org//x", "empty segment"],
    ["spiffe://example.org/./x", "dot segment"],
    ["spiffe://example.org/../x", "dot-dot segment"],
    ["spiffe://example.org/%41", "percent-encoding"],
    ["spiffe://user@example.org/x", "user info"],
    ["spiffe://example.org:8443/x", "port"],
    ["spiffe://example.org/x?y=1", "query"],
    ["spiffe://example.org/x#f", "fragment"],
    [`spiffe://example.org/${"a".repeat(2048)}`, "longer than 2048 bytes"],
  ])("%s is refused (%s)", (id) => {
    expect(parseSpiffeId(id)).toBeNull();
  });

  test("allow patterns: exact, or /* for anything below", () => {
    expect(spiffeIdMatches("spiffe://prod.example/ns/payments/sa/api", "spiffe://prod.example/ns/payments/*")).toBe(true);
    expect(spiffeIdMatches("spiffe://prod.example/ns/payments", "spiffe://prod.example/ns/payments/*")).toBe(false);
    expect(spiffeIdMatches("spiffe://prod.example/ns/payments-evil/sa", "spiffe://prod.example/ns/payments/*")).toBe(false);
    expect(spiffeIdMatches("spiffe://prod.example/ns/payments", "spiffe://prod.example/ns/payments")).toBe(true);
    expect(() => spiffePolicy({ allow: ["https://prod.example/*"] })).toThrow(TypeError);
  });
});

describe("X509-SVID rules on OpenSSL-made certificates", () => {
  const pki = new OpensslPki();
  afterAll(() => pki.cleanup());
  const root = pki.root("root", { cn: "SVID Root", ext: CA_EXT });
  const svid = (name: string, ext: string[]) => parseCertificate(pki.issue(name, root, { cn: name, ext }).certDer);
  const policy = spiffePolicy({ allow: ["spiffe://prod.example/ns/payments/*"] });

  test("a proper SVID is allowed and its ID is exposed", () => {
    const leaf = svid("ok", [...CLIENT_EXT, "subjectAltName=URI:spiffe://prod.example/ns/payments/sa/api,DNS:api.internal"]);
    expect(x509SvidProblem(leaf)).toBeNull();
    expect(identityOf(leaf).spiffeId).toBe("spiffe://prod.example/ns/payments/sa/api");
    expect(policy(identityOf(leaf), { leaf, peerRole: "client" })).toBe(true);
  });

  test("two URI SANs: not an SVID", () => {
    const leaf = svid("two", [...CLIENT_EXT, "subjectAltName=URI:spiffe://prod.example/ns/payments/sa/a,URI:spiffe://prod.example/ns/payments/sa/b"]);
    expect(identityOf(leaf).spiffeId).toBeNull();
    expect(policy(identityOf(leaf), { leaf, peerRole: "client" })).toBe(
      "the client certificate is not a SPIFFE X509-SVID: it has 2 URI SANs; an X509-SVID has exactly one, its spiffe:// ID",
    );
  });

  test("keyUsage with keyCertSign: not an SVID leaf", () => {
    const leaf = svid("ku", [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyCertSign",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      "subjectAltName=URI:spiffe://prod.example/ns/payments/sa/api",
    ]);
    expect(policy(identityOf(leaf), { leaf })).toContain("keyCertSign or cRLSign");
  });

  test("an ID outside the allow list is refused with the reason", () => {
    const leaf = svid("billing", [...CLIENT_EXT, "subjectAltName=URI:spiffe://prod.example/ns/billing/sa/api"]);
    expect(policy(identityOf(leaf), { leaf })).toBe(
      "SPIFFE ID spiffe://prod.example/ns/billing/sa/api is not allowed by the authorization policy (allowed: spiffe://prod.example/ns/payments/*)",
    );
  });

  test("trust-domain check: an ID from another trust domain is refused before the allow list", () => {
    const leaf = svid("staging", [...CLIENT_EXT, "subjectAltName=URI:spiffe://staging.example/ns/payments/sa/api"]);
    const byDomain = spiffePolicy({ trustDomains: ["prod.example"] });
    expect(byDomain(identityOf(leaf), { leaf })).toBe("SPIFFE ID spiffe://staging.example/ns/payments/sa/api belongs to trust domain staging.example, not prod.example");
    expect(spiffePolicy({ trustDomains: ["staging.example"] })(identityOf(leaf), { leaf })).toBe(true);
    expect(() => spiffePolicy({})).toThrow(TypeError);
    expect(() => spiffePolicy({ trustDomains: ["Prod.Example"] })).toThrow(TypeError);
  });

  test("no URI at all", () => {
    const leaf = svid("none", [...CLIENT_EXT, "subjectAltName=DNS:api.internal"]);
    expect(policy(identityOf(leaf), { leaf })).toContain("it has 0 URI SANs");
  });
});
