/**
 * The certificates in RFC 8448's traces: the server's (§3) and the client's (§6) self-signed
 * RSA certificates parse, are pinned-trusted, and carry the fields the RFC's bytes encode.
 */
import { describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, verifyCertificateChain } from "../../src/x509/index.js";
import { certificatesOf, construct, loadSection } from "../helpers/rfc8448.js";

const serverDer = certificatesOf(construct(loadSection(3), "server", "Certificate"))[0];
const clientDer = certificatesOf(construct(loadSection(6), "client", "Certificate"))[0];

describe("RFC 8448 certificates", () => {
  // Expected values are what `openssl x509 -inform DER -text` prints for the same bytes.
  test.each([
    ["server", serverDer, "CN=rsa"],
    ["client", clientDer, "CN=client"],
  ])("the %s certificate parses and is self-signed", (_, der, name) => {
    const c = parseCertificate(der);
    expect(c.subject.text).toBe(name);
    expect(c.issuer.text).toBe(name);
    expect(c.serialNumber).toBe(name === "CN=rsa" ? "02" : "01");
    expect(c.signatureAlgorithm).toEqual({ kind: "rsa-pkcs1", hash: "SHA-256" });
    expect(c.publicKey?.kind === "rsa" && c.publicKey.n.toString(2).length).toBe(1024);
    expect(c.notBefore.toISOString()).toBe("2016-07-30T01:23:59.000Z");
    expect(c.notAfter.toISOString()).toBe("2026-07-30T01:23:59.000Z");
    expect(pureProvider.verify(c.signatureAlgorithm!, c.publicKey!, c.tbs, c.signature)).toBe(true);
  });

  test("pinned as its own anchor it verifies while in date, and not after 2026-07-30", () => {
    const anchor = parseCertificate(serverDer);
    const opts = { chain: [serverDer], trustAnchors: [anchor], provider: pureProvider, purpose: "serverAuth" as const };
    expect(verifyCertificateChain({ ...opts, now: new Date(Date.UTC(2020, 0, 1)) }).path).toHaveLength(1);
    try {
      verifyCertificateChain({ ...opts, now: new Date(Date.UTC(2026, 10, 1)) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TLSError);
      expect((e as TLSError).message).toContain("server certificate expired on 2026-07-30 (CN=rsa;");
    }
  });
});
