/**
 * `mutls cert ca --force`, `mutls cert csr` and `mutls cert inspect`, with OpenSSL as the oracle:
 * `openssl req -verify` checks the signing request, `openssl x509 -req` issues from it, and
 * `openssl x509 -text` reads the certificates `inspect` describes.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createCertificateAuthority } from "../../src/ca/index.js";
import { CA, cert, key, stopAllProcesses } from "../peers/process.js";
import { expectStartupError, runCli, scratchDir } from "./cli-process.js";

afterEach(stopAllProcesses);
const scratch = scratchDir("mutls-cli-cert-");
afterAll(scratch.remove);

function openssl(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

describe("mutls cert ca", () => {
  it("refuses to overwrite an existing CA without --force, and replaces it with --force", async () => {
    const dir = scratch.path("ca");
    expect((await runCli(["cert", "ca", "--out", dir])).code).toBe(0);
    const before = readFileSync(`${dir}/ca.key`, "utf8");
    const refused = expectStartupError(await runCli(["cert", "ca", "--out", dir]));
    expect(refused).toContain(`${dir}/ca.pem and ${dir}/ca.key already exist`);
    expect(refused).toContain("--force");
    expect(readFileSync(`${dir}/ca.key`, "utf8")).toBe(before);
    expect((await runCli(["cert", "ca", "--out", dir, "--force", "--name", "Replaced CA"])).code).toBe(0);
    expect(readFileSync(`${dir}/ca.key`, "utf8")).not.toBe(before);
    expect(openssl("x509", "-in", `${dir}/ca.pem`, "-noout", "-subject").out).toContain("CN = Replaced CA");
  });
});

describe("mutls cert csr", () => {
  it("writes a PKCS#10 request with a new key that openssl req verifies, and a CA can issue from it", async () => {
    const out = scratch.path("csr");
    const run = await runCli([
      "cert",
      "csr",
      "--out",
      out,
      "--name",
      "device-7",
      "--uri",
      "spiffe://iot.test/device/7",
      "--dns",
      "device-7.iot.test",
      "--ip",
      "10.0.0.7",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const verified = openssl("req", "-verify", "-noout", "-text", "-in", `${out}/device-7.csr`);
    expect(verified.ok, verified.out).toBe(true);
    expect(verified.out).toContain("self-signature verify OK");
    expect(verified.out).toContain("Subject: CN = device-7");
    expect(verified.out).toMatch(/DNS:device-7\.iot\.test, URI:spiffe:\/\/iot\.test\/device\/7, IP Address:10\.0\.0\.7/);
    // The key in the request is the key written beside it.
    expect(openssl("req", "-in", `${out}/device-7.csr`, "-noout", "-pubkey").out).toBe(openssl("pkey", "-in", `${out}/device-7.key`, "-pubout").out);
    // OpenSSL as a CA issues from it, copying the requested names; inspect reads them back.
    const issued = openssl(
      "x509",
      "-req",
      "-in",
      `${out}/device-7.csr`,
      "-CA",
      CA,
      "-CAkey",
      key("ca"),
      "-days",
      "1",
      "-copy_extensions",
      "copyall",
      "-out",
      `${out}/device-7.pem`,
    );
    expect(issued.ok, issued.out).toBe(true);
    const inspected = await runCli(["cert", "inspect", `${out}/device-7.pem`]);
    expect(inspected.stdout).toMatch(/SPIFFE ID +spiffe:\/\/iot\.test\/device\/7/);
  });

  it("signs with an existing --key (Ed25519) and refuses to replace files without --force", async () => {
    const out = scratch.path("csr-existing");
    const args = ["cert", "csr", "--out", out, "--name", "svc", "--key", key("client-ed25519")];
    expect((await runCli(args)).code).toBe(0);
    const verified = openssl("req", "-verify", "-noout", "-text", "-in", `${out}/svc.csr`);
    expect(verified.ok, verified.out).toBe(true);
    expect(verified.out).toContain("ED25519");
    expect(openssl("req", "-in", `${out}/svc.csr`, "-noout", "-pubkey").out).toBe(openssl("x509", "-in", cert("client-ed25519"), "-noout", "-pubkey").out);
    expect(expectStartupError(await runCli(args))).toContain("already exist");
    expect((await runCli([...args, "--force"])).code).toBe(0);
  });

  it("names the flag and the file when --key is not a key", async () => {
    expect(expectStartupError(await runCli(["cert", "csr", "--out", scratch.path("bad"), "--name", "x", "--key", cert("ca")]))).toMatch(
      /^mutls cert csr: --key \S+ca\.cert\.pem: /,
    );
  });
});

describe("mutls cert inspect", () => {
  it("prints names, validity, key and SPIFFE ID as openssl reads them", async () => {
    const run = await runCli(["cert", "inspect", cert("client-p384")]);
    expect(run.code, run.stderr).toBe(0);
    const text = openssl("x509", "-in", cert("client-p384"), "-noout", "-dates", "-ext", "subjectAltName").out;
    const notAfter = new Date(/notAfter=(.*)/.exec(text)?.[1] ?? "").toISOString();
    expect(run.stdout).toContain(notAfter);
    expect(run.stdout).toMatch(/key +ECDSA P-384/);
    expect(run.stdout).toMatch(/SPIFFE ID +spiffe:\/\/mutls\.test\/client\/p384/);
    expect(text).toContain("URI:spiffe://mutls.test/client/p384, DNS:client.mutls.test");
    expect(run.stdout).toContain("URI:spiffe://mutls.test/client/p384");
    expect(run.stdout).toContain("DNS:client.mutls.test");
    expect(run.stdout).toMatch(/purposes +clientAuth/);
  });

  it("--json, an RSA key and a CA, and an expired certificate is called expired", async () => {
    const json = JSON.parse((await runCli(["cert", "inspect", "--json", CA])).stdout) as {
      certificates: { ca: boolean; selfSigned: boolean; validity: string }[];
    };
    expect(json.certificates[0]).toMatchObject({ ca: true, selfSigned: true });
    const rsa = await runCli(["cert", "inspect", cert("server-rsa2048")]);
    expect(rsa.stdout).toMatch(/key +RSA 2048 bits/);
    // An expired certificate (issued in 2020 for a day); OpenSSL agrees it has expired.
    const expired = scratch.path("expired.pem");
    writeFileSync(expired, createCertificateAuthority({ name: "old", now: new Date("2020-01-01T00:00:00Z"), days: 1 }).certificatePem);
    expect(openssl("x509", "-in", expired, "-noout", "-checkend", "0").ok).toBe(false);
    expect((await runCli(["cert", "inspect", expired])).stdout).toMatch(/not after +2020-01-02T00:00:00\.000Z \(expired\)/);
  });

  it("refuses a file that holds no certificate in one line", async () => {
    expect(expectStartupError(await runCli(["cert", "inspect", key("ca")]))).toContain('no "BEGIN CERTIFICATE" block');
  });
});
