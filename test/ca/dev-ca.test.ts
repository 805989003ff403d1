/**
 * The development CA (src/ca, `mutls cert`) checked by outside parties: `openssl verify
 * -purpose sslserver|sslclient` must accept what it issues (and refuse the wrong purpose),
 * OpenSSL must read the PKCS#8 keys, and Node's tls must complete mutual handshakes with it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, test } from "vitest";
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority, type KeyType } from "../../src/ca/index.js";
import { runCertCommand } from "../../src/cli/cert-command.js";
import { nodeClient, nodeServerOnce } from "../helpers/node-tls.js";
import { connectToNode, serveOnce } from "../helpers/pump.js";

const DIR = mkdtempSync(join(tmpdir(), "mutls-devca-"));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function openssl(...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync("openssl", args, { cwd: DIR, encoding: "utf8" });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

function write(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

describe("issued certificates pass openssl verify", () => {
  // RSA key generation on BigInt takes seconds, so rsa2048 runs once, in its own test.
  test.each(["p256", "p384", "ed25519", "rsa2048"] as KeyType[])("%s", (keyType) => {
    const ca = createCertificateAuthority({ name: `Dev CA ${keyType}`, keyType });
    const server = issueCertificate(ca, { name: "localhost", server: true, ip: ["127.0.0.1"], dns: ["localhost"], keyType });
    const client = issueCertificate(ca, { name: "svc", client: true, uri: ["spiffe://dev.example/ns/a/sa/svc"], keyType });
    const caPath = write(`${keyType}-ca.pem`, ca.certificatePem);
    const serverPath = write(`${keyType}-server.pem`, server.certificateChainPem);
    const clientPath = write(`${keyType}-client.pem`, client.certificateChainPem);
    expect(openssl("verify", "-purpose", "sslserver", "-CAfile", caPath, serverPath)).toMatchObject({ ok: true });
    expect(openssl("verify", "-purpose", "sslclient", "-CAfile", caPath, clientPath)).toMatchObject({ ok: true });
    // The oracle can say no: each certificate is refused for the purpose it was not issued for.
    expect(openssl("verify", "-purpose", "sslclient", "-CAfile", caPath, serverPath).ok).toBe(false);
    expect(openssl("verify", "-purpose", "sslserver", "-CAfile", caPath, clientPath).ok).toBe(false);
    // The keys are PKCS#8 that OpenSSL reads, and belong to the certificates.
    const keyPath = write(`${keyType}-server.key`, server.privateKeyPem);
    expect(server.privateKeyPem.startsWith("-----BEGIN PRIVATE KEY-----")).toBe(true);
    const fromKey = openssl("pkey", "-in", keyPath, "-pubout");
    const fromCert = openssl("x509", "-in", serverPath, "-noout", "-pubkey");
    expect(fromKey.ok && fromCert.ok).toBe(true);
    expect(fromKey.out).toBe(fromCert.out);
    const text = openssl("x509", "-in", clientPath, "-noout", "-text").out;
    expect(text).toContain("URI:spiffe://dev.example/ns/a/sa/svc");
    expect(text).toContain("TLS Web Client Authentication");
  });

  test("a CA read back from its PEM files issues under the same key", () => {
    const ca = createCertificateAuthority({ name: "Reloaded CA" });
    const again = loadCertificateAuthority(ca.certificatePem, ca.privateKeyPem);
    const leaf = issueCertificate(again, { name: "api.dev.example" });
    const caPath = write("reloaded-ca.pem", ca.certificatePem);
    const leafPath = write("reloaded-leaf.pem", leaf.certificateChainPem);
    // With neither --server nor --client, both purposes are allowed, and the name becomes a DNS SAN.
    expect(openssl("verify", "-purpose", "sslserver", "-CAfile", caPath, "-verify_hostname", "api.dev.example", leafPath).ok).toBe(true);
    expect(openssl("verify", "-purpose", "sslclient", "-CAfile", caPath, leafPath).ok).toBe(true);
    expect(() => loadCertificateAuthority(ca.certificatePem, createCertificateAuthority().privateKeyPem)).toThrow("does not match");
  });
});

describe("mutls cert (CLI)", () => {
  it("ca then issue write files that openssl verify accepts", async () => {
    const caDir = join(DIR, "cli-ca");
    const outDir = join(DIR, "cli-out");
    expect(await runCertCommand(["ca", "--out", caDir, "--name", "CLI CA", "--key-type", "p384"])).toBe(0);
    expect(await runCertCommand(["issue", "--ca", caDir, "--out", outDir, "--name", "web", "--server", "--dns", "web.test", "--ip", "::1", "--days", "30"])).toBe(0);
    expect(await runCertCommand(["issue", "--ca", caDir, "--out", outDir, "--name", "worker", "--client", "--uri", "spiffe://cli.test/worker"])).toBe(0);
    // Keys are for their owner only.
    expect(statSync(join(caDir, "ca.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(outDir, "web.key")).mode & 0o777).toBe(0o600);
    const ca = join(caDir, "ca.pem");
    expect(openssl("verify", "-purpose", "sslserver", "-CAfile", ca, "-verify_hostname", "web.test", join(outDir, "web.pem")).ok).toBe(true);
    expect(openssl("verify", "-purpose", "sslserver", "-CAfile", ca, "-verify_ip", "::1", join(outDir, "web.pem")).ok).toBe(true);
    expect(openssl("verify", "-purpose", "sslclient", "-CAfile", ca, join(outDir, "worker.pem")).ok).toBe(true);
    const dates = openssl("x509", "-in", join(outDir, "web.pem"), "-noout", "-enddate").out;
    const notAfter = new Date(dates.replace("notAfter=", "").trim());
    expect(Math.round((notAfter.getTime() - Date.now()) / 86_400_000)).toBe(30);
    expect(readFileSync(join(outDir, "web.pem"), "utf8").match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it("refuses bad arguments with exit code 2", async () => {
    expect(await runCertCommand(["issue", "--out", DIR])).toBe(2);
    expect(await runCertCommand(["ca", "--out", DIR, "--key-type", "dsa"])).toBe(2);
    expect(await runCertCommand(["sign"])).toBe(2);
    // An unreadable CA file is a start-up error too (issue 14 §4): exit 2, naming --ca and the file.
    expect(await runCertCommand(["issue", "--ca", join(DIR, "missing"), "--out", DIR, "--name", "x"])).toBe(2);
  });
});

describe("Node's tls completes mutual handshakes with dev-CA certificates", { timeout: 30_000 }, () => {
  const ca = createCertificateAuthority({ name: "Handshake CA", keyType: "p256" });
  const server = issueCertificate(ca, { name: "localhost", server: true, dns: ["localhost"], ip: ["127.0.0.1"] });
  const client = issueCertificate(ca, { name: "client", client: true, uri: ["spiffe://dev.example/client"], keyType: "ed25519" });

  it("mutls client → Node server", async () => {
    const { port, outcome } = await nodeServerOnce(
      { cert: server.certificateChainPem, key: server.privateKeyPem, ca: ca.certificatePem, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" },
      { greeting: "hi" },
    );
    const session = await connectToNode(port, { serverName: "localhost", trustAnchors: ca.certificatePem, certificateChain: client.certificateChainPem, privateKey: client.privateKeyPem });
    try {
      await session.handshake();
      expect(await session.readText(2)).toBe("hi");
      await session.close();
    } finally {
      session.destroy();
    }
    const node = await outcome;
    expect(node.errors).toEqual([]);
    expect(node.authorized).toBe(true);
    expect(session.conn.handshake?.peerIdentity?.dnsNames).toEqual(["localhost"]);
  });

  it("Node client → mutls server", async () => {
    const { port, done } = await serveOnce(
      { certificateChain: server.certificateChainPem, privateKey: server.privateKeyPem, clientAuth: "require", trustAnchors: ca.certificatePem },
      async (session) => {
        await session.handshake();
        await session.write("ok");
        await session.peerClose();
        await session.close();
      },
    );
    const node = await nodeClient(port, { servername: "localhost", ca: ca.certificatePem, cert: client.certificateChainPem, key: client.privateKeyPem, minVersion: "TLSv1.3" }, { expect: 2 });
    const { session } = await done;
    expect(node.errors).toEqual([]);
    expect(node.authorized).toBe(true);
    expect(session.conn.handshake?.peerIdentity?.spiffeId).toBe("spiffe://dev.example/client");
  });
});

test("mintDemoCredentials: a mutual handshake with fresh certificates, and openssl accepts them", async () => {
  const { mintDemoCredentials } = await import("../../src/ca/index.js");
  const { ClientConnection, ServerConnection } = await import("../../src/index.js");
  const { pumpMemory } = await import("../helpers/pump.js");
  const demo = mintDemoCredentials();
  const server = new ServerConnection({ ...demo.server, clientAuth: "require", trustAnchors: demo.caPem });
  const client = new ClientConnection({ ...demo.client, serverName: "localhost", trustAnchors: demo.caPem });
  const { errors } = await pumpMemory(client, server);
  expect(errors).toEqual([]);
  expect(server.handshake?.peerIdentity?.spiffeId).toBe(demo.clientId);
  const ca = write("demo-ca.pem", demo.caPem);
  expect(openssl("verify", "-purpose", "sslserver", "-CAfile", ca, "-verify_hostname", "localhost", write("demo-server.pem", demo.server.certificateChain)).ok).toBe(true);
  expect(openssl("verify", "-purpose", "sslclient", "-CAfile", ca, write("demo-client.pem", demo.client.certificateChain)).ok).toBe(true);
});
