/**
 * The per-handshake credential hooks against OpenSSL: `openssl s_client -servername NAME` gets
 * the certificate our server's selectCertificate picks for NAME, and verifies it for that name;
 * our client's selectClientCertificate picks its chain from the CA names `openssl s_server
 * -Verify 1 -CAfile FILE` sends in its CertificateRequest, and s_server verifies what we sent.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type CertificateKeyPair, type CertificateRequestInfo, type ClientHelloInfo } from "../../src/index.js";
import { issueCertificate, loadCertificateAuthority } from "../../src/ca.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, credential, readPem } from "../helpers/fixtures.js";
import { CA, FIXTURES, cert, key, startProcess, stopAllProcesses } from "./process.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopAllProcesses();
});

const ca = loadCertificateAuthority(CA_PEM, readPem("ca.key.pem"));
const site = (dns: string, keyType: "p256" | "ed25519"): CertificateKeyPair => {
  const issued = issueCertificate(ca, { name: dns, dns: [dns], server: true, keyType });
  return { certificateChain: issued.certificateChainPem, privateKey: issued.privateKeyPem };
};

describe("ServerConfig.selectCertificate <- openssl s_client -servername", () => {
  it("serves each SNI name its own certificate, which OpenSSL verifies for that name", async () => {
    const sites: Record<string, CertificateKeyPair> = { "a.example": site("a.example", "p256"), "b.example": site("b.example", "ed25519") };
    const seen: ClientHelloInfo[] = [];
    const server = createMtlsServer(
      {
        config: {
          selectCertificate: (hello) => {
            seen.push(hello);
            // Asynchronous on purpose, as a hook reading a vault or a file would be.
            return new Promise((resolve) => setTimeout(() => resolve(sites[hello.serverName ?? ""] ?? null), 5));
          },
        },
      },
      (connection) => void connection.close(),
    );
    cleanups.push(() => server.close());
    const { port } = await server.listen(0, "127.0.0.1");
    for (const [name, keyLine] of [
      ["a.example", /Peer signature type: ECDSA/],
      ["b.example", /Peer signature type: Ed25519/i],
    ] as const) {
      const client = startProcess("openssl s_client", "openssl", [
        "s_client",
        "-connect",
        `127.0.0.1:${port}`,
        "-servername",
        name,
        "-verify_hostname",
        name,
        "-CAfile",
        CA,
        "-verify_return_error",
      ]);
      client.endStdin();
      await client.waitFor(/Verify return code: 0 \(ok\)/);
      expect(client.stdout).toMatch(new RegExp(`subject=CN ?= ?${name.replace(".", "\\.")}`));
      expect(client.output).toMatch(keyLine);
      await client.waitForExit();
    }
    expect(seen.map((h) => h.serverName)).toEqual(["a.example", "b.example"]);
    expect(seen[0].signatureSchemes).toEqual(expect.arrayContaining(["ecdsa_secp256r1_sha256", "ed25519", "rsa_pss_rsae_sha256"]));
  });

  it("a name the hook has no certificate for, and none configured: OpenSSL receives handshake_failure", async () => {
    const errors: string[] = [];
    const refused = createMtlsServer(
      { config: { selectCertificate: () => null }, onHandshakeError: (e) => errors.push(`${e.alertName} ${e.reason}: ${e.message}`) },
      () => undefined,
    );
    cleanups.push(() => refused.close());
    const { port } = await refused.listen(0, "127.0.0.1");
    const client = startProcess("openssl s_client", "openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "c.example", "-CAfile", CA]);
    client.endStdin();
    await client.waitFor(/alert handshake failure/);
    await client.waitForExit();
    expect(errors).toEqual([
      'handshake_failure credential_unavailable: selectCertificate has no certificate for "c.example", and no certificateChain is configured',
    ]);
  });
});

describe("ClientConfig.selectClientCertificate -> openssl s_server -Verify 1 -CAfile", () => {
  // Two client certificates under two roots; which one s_server takes depends on its -CAfile.
  const clients = { "mutls test root CA": credential("client-p256"), "mutls untrusted root CA": credential("untrusted-client") };

  for (const [caFile, expected] of [
    ["ca.cert.pem", "client p256"],
    ["untrusted-ca.cert.pem", "untrusted client"],
  ] as const) {
    it(`picks the chain under the CA s_server names (-CAfile ${caFile})`, async () => {
      const server = startProcess("openssl s_server", "openssl", [
        "s_server",
        "-accept",
        "127.0.0.1:0",
        "-naccept",
        "1",
        "-cert",
        cert("server-p256"),
        "-key",
        key("server-p256"),
        "-Verify",
        "1",
        "-verify_return_error",
        "-CAfile",
        `${FIXTURES}${caFile}`,
      ]);
      const port = Number((await server.waitFor(/ACCEPT 127\.0\.0\.1:(\d+)/))[1]);
      const seen: CertificateRequestInfo[] = [];
      const connection = await connectTcp({
        host: "127.0.0.1",
        port,
        servername: "localhost",
        ca: CA_PEM,
        config: {
          selectClientCertificate: (request) => {
            seen.push(request);
            const chosen = Object.entries(clients).find(([name]) => request.certificateAuthorityNames.some((n) => n.includes(`CN=${name}`)));
            return chosen ? { certificateChain: chosen[1].certPem, privateKey: chosen[1].keyPem } : null;
          },
        },
      });
      cleanups.push(() => connection.close());
      await server.waitFor(/Client certificate/);
      await server.waitFor(/^subject=.*$/m);
      expect(server.stdout).toMatch(new RegExp(`subject=O ?= ?mutls tests, CN ?= ?${expected}`));
      expect(seen).toHaveLength(1);
      expect(seen[0].certificateAuthorities).toHaveLength(1);
      expect(seen[0].serverName).toBe("localhost");
    });
  }
});
