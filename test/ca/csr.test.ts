/**
 * createCertificateSigningRequest (PKCS#10, RFC 2986) checked by OpenSSL: `openssl req -verify`
 * must accept the self-signature for every key type, read the requested names, and refuse a
 * request whose signature was tampered with.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createCertificateSigningRequest } from "../../src/ca.js";
import { readPem } from "../helpers/fixtures.js";

const DIR = mkdtempSync(join(tmpdir(), "mutls-csr-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function opensslReq(path: string): { ok: boolean; out: string } {
  const r = spawnSync("openssl", ["req", "-verify", "-noout", "-text", "-in", path], { encoding: "utf8" });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

const write = (name: string, data: string | Uint8Array): string => {
  const path = join(DIR, name);
  writeFileSync(path, data);
  return path;
};

describe("createCertificateSigningRequest", () => {
  // Fixture keys (RSA generation on BigInt takes seconds): every type the CA supports.
  test.each(["p256", "p384", "ed25519", "rsa2048"])("%s: openssl req -verify accepts it and reads the names", (type) => {
    const csr = createCertificateSigningRequest({
      name: `svc-${type}`,
      privateKey: readPem(`client-${type}.key.pem`),
      uri: [`spiffe://csr.test/${type}`],
      dns: ["svc.csr.test"],
      ip: ["2001:db8::1"],
      email: ["ops@csr.test"],
    });
    expect(csr.pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----")).toBe(true);
    const result = opensslReq(write(`${type}.csr`, csr.pem));
    expect(result.ok, result.out).toBe(true);
    expect(result.out).toContain("self-signature verify OK");
    expect(result.out).toContain(`Subject: CN = svc-${type}`);
    expect(result.out).toContain(`email:ops@csr.test, DNS:svc.csr.test, URI:spiffe://csr.test/${type}, IP Address:2001:DB8:0:0:0:0:0:1`);
    // The oracle can say no: one flipped bit in the signature and the request is refused.
    const tampered = csr.der.slice();
    tampered[tampered.length - 2] ^= 0x01;
    expect(opensslReq(write(`${type}-tampered.der`, tampered)).ok).toBe(false);
  });

  test("without names it asks for no extensions, and the subject is the name", () => {
    const csr = createCertificateSigningRequest({ name: "plain", privateKey: readPem("client-p256.key.pem") });
    const result = opensslReq(write("plain.csr", csr.pem));
    expect(result.ok, result.out).toBe(true);
    expect(result.out).toContain("Subject: CN = plain");
    expect(result.out).not.toContain("Subject Alternative Name");
  });

  test("refuses an empty name and an invalid DNS name", () => {
    const privateKey = readPem("client-p256.key.pem");
    expect(() => createCertificateSigningRequest({ name: "", privateKey })).toThrow("non-empty name");
    expect(() => createCertificateSigningRequest({ name: "x", privateKey, dns: ["bad name"] })).toThrow("not a valid DNS name");
  });
});
