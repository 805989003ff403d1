/**
 * RFC 8446 §4.4.2.4: "Any endpoint receiving any certificate which it would need to validate using
 * any signature algorithm using an MD5 hash MUST abort the handshake with a "bad_certificate"
 * alert", and SHA-1 is RECOMMENDED to get the same. The certificates are signed by OpenSSL with
 * `-md5` / `-sha1`; a trust anchor's own signature is never checked, so a SHA-1 root still works.
 */
import { afterAll, describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, verifyCertificateChain } from "../../src/x509/index.js";
import { CA_EXT, CLIENT_EXT, OpensslPki, type Issued } from "../identity/openssl-pki.js";

const RSA = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];
const pki = new OpensslPki();
afterAll(() => pki.cleanup());

function refusal(leaf: Issued, root: Issued): TLSError | null {
  try {
    verifyCertificateChain({ chain: [leaf.certDer], trustAnchors: [parseCertificate(root.certDer)], now: new Date(), provider: pureProvider, purpose: "clientAuth" });
    return null;
  } catch (e) {
    if (e instanceof TLSError) return e;
    throw e;
  }
}

describe("certificates signed with MD5 or SHA-1 (RFC 8446 §4.4.2.4)", () => {
  const rsaRoot = pki.root("rsa-root", { cn: "RSA Root", ext: CA_EXT, key: RSA, digest: "sha1" });
  const ecRoot = pki.root("ec-root", { cn: "EC Root", ext: CA_EXT });

  test("the same chain signed with SHA-256 verifies, under a root that signed itself with SHA-1", () => {
    expect(refusal(pki.issue("rsa-sha256", rsaRoot, { cn: "client", ext: CLIENT_EXT }), rsaRoot)).toBeNull();
    expect(refusal(pki.issue("ec-sha256", ecRoot, { cn: "client", ext: CLIENT_EXT }), ecRoot)).toBeNull();
  });

  test.each([
    ["md5WithRSAEncryption", "md5", "rsa"],
    ["sha1WithRSAEncryption", "sha1", "rsa"],
    ["ecdsa-with-SHA1", "sha1", "ec"],
  ] as const)("%s is bad_certificate", (algorithm, digest, keyType) => {
    const root = keyType === "rsa" ? rsaRoot : ecRoot;
    const leaf = pki.issue(`${keyType}-${digest}`, root, { cn: "client", ext: CLIENT_EXT, digest });
    const e = refusal(leaf, root);
    expect(e?.alertName).toBe("bad_certificate");
    expect(e?.message).toContain(algorithm);
  });
});
