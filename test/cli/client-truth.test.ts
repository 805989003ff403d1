/**
 * What `mutls client` says about a connection must be true (issue 14 §4), checked against real
 * peers: OpenSSL's s_server (with -msg it prints every record, so it sees what we sent), a TCP
 * server that answers like HTTP, and a port nothing listens on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CA, cert, key, stopAllProcesses } from "../peers/process.js";
import { closedPort, opensslServer, plainTcpServer, runCli, startCli } from "./cli-process.js";

afterEach(stopAllProcesses);

const SERVER_FILES = ["-cert", cert("server-p256"), "-key", key("server-p256")];
const clientArgs = (port: number, ...more: string[]): string[] => ["client", `127.0.0.1:${port}`, "--ca", CA, "--servername", "localhost", ...more];
const CLIENT_CERT = ["--cert", cert("client-p256"), "--key", key("client-p256")];

describe("peers that do not speak TLS, and no peer at all", () => {
  it("names a peer that answers HTTP/1.1 400 as not speaking TLS, not as record_overflow", async () => {
    const peer = await plainTcpServer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    try {
      const run = await runCli(clientArgs(peer.port));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("the peer answered `HTTP/1.1 400 Bad Request`: it does not speak TLS on this port");
      expect(run.stderr).not.toMatch(/record_overflow|decode_error/);
    } finally {
      await peer.close();
    }
  });

  it("names a refused connection as refused, not internal_error", async () => {
    const port = await closedPort();
    const run = await runCli([...clientArgs(port), "--json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`connection refused: nothing listens on 127.0.0.1:${port}`);
    expect(run.stderr + run.stdout).not.toContain("internal_error");
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { alert: null, origin: "transport" } });
  });
});

describe("client certificate sent, not asked for, or held back (OpenSSL as the witness)", () => {
  it("says sent when it was, and OpenSSL received it", async () => {
    const { server, port } = await opensslServer([...SERVER_FILES, "-Verify", "1", "-CAfile", CA]);
    const client = startCli([...clientArgs(port), ...CLIENT_CERT]);
    await client.waitFor(/client certificate sent \(O=mutls tests, CN=client p256\)|client certificate sent \(CN=client p256, O=mutls tests\)/);
    await server.waitFor(/subject=.*CN = client p256/);
    client.endStdin();
    expect((await client.waitForExit()).code).toBe(0);
  });

  it("says the server did not ask when there was no CertificateRequest", async () => {
    const { server, port } = await opensslServer(SERVER_FILES);
    const client = startCli([...clientArgs(port), ...CLIENT_CERT]);
    await client.waitFor(/client certificate not sent: the server did not ask for one/);
    client.endStdin();
    expect((await client.waitForExit()).code).toBe(0);
    expect(server.output).not.toContain("CertificateRequest");
  });

  it("says it held the certificate back when its issuer is not among the server's certificate_authorities", async () => {
    const { server, port } = await opensslServer([...SERVER_FILES, "-Verify", "1", "-CAfile", CA]);
    const run = await runCli([...clientArgs(port), "--cert", cert("untrusted-client"), "--key", key("untrusted-client"), "--json"]);
    expect(run.stderr).not.toContain("client certificate sent");
    expect(run.stderr).toMatch(
      /client certificate held back: none of the 1 configured client certificate\(s\) is issued by a CA the server accepts \(certificate_authorities: .*mutls test root CA/,
    );
    // OpenSSL saw an empty Certificate.
    await server.waitFor(/peer did not return a certificate/);
    const result = JSON.parse(run.stdout.split("\n")[0]) as { clientCertificate: { requested: boolean; sent: boolean; heldBackReason: string } };
    expect(result.clientCertificate).toMatchObject({ requested: true, sent: false });
    expect(result.clientCertificate.heldBackReason).toContain("certificate_authorities");
  });

  it("says it held the certificate back when its key cannot sign with the server's signature_algorithms", async () => {
    // The server accepts only ecdsa_secp384r1_sha384 from clients; our P-256 key cannot make it.
    const { server, port } = await opensslServer([...SERVER_FILES, "-Verify", "1", "-CAfile", CA, "-client_sigalgs", "ECDSA+SHA384"]);
    const run = await runCli([...clientArgs(port), ...CLIENT_CERT]);
    expect(run.stderr).toMatch(
      /client certificate held back: none of the 1 configured client certificate\(s\) has a key that signs with one of the server's signature_algorithms/,
    );
    await server.waitFor(/peer did not return a certificate/);
  });
});

describe("--json", () => {
  it("client: one JSON object with what OpenSSL negotiated", async () => {
    const { server, port } = await opensslServer([...SERVER_FILES, "-Verify", "1", "-CAfile", CA, "-ciphersuites", "TLS_AES_256_GCM_SHA384"]);
    const client = startCli([...clientArgs(port), ...CLIENT_CERT, "--json"]);
    const line = await client.waitFor(/^\{.*\}$/m);
    const result = JSON.parse(line[0]) as Record<string, unknown>;
    await server.waitFor(/CIPHER is TLS_AES_256_GCM_SHA384/);
    expect(result).toMatchObject({
      ok: true,
      role: "client",
      version: "TLSv1.3",
      cipherSuite: "TLS_AES_256_GCM_SHA384",
      serverName: "localhost",
      peer: { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
      clientCertificate: { requested: true, sent: true, heldBackReason: null },
      // The CLI runs in Node: the native provider is the default there (issue 13).
      provider: "native",
    });
    client.endStdin();
    await client.waitForExit();
  });
});

describe("Ctrl-C", () => {
  it("sends close_notify before exiting, and OpenSSL receives it", async () => {
    const { server, port } = await opensslServer(SERVER_FILES);
    const client = startCli(clientArgs(port));
    await client.waitFor(/connected to/);
    // Only our close_notify can make s_server log one received (<<<) before its own.
    expect(server.output).not.toMatch(/<<< .*close_notify/);
    client.child.kill("SIGINT");
    const exit = await client.waitForExit();
    expect(exit.code).toBe(130);
    expect(client.stderr).toContain("interrupted: sending close_notify");
    await server.waitFor(/<<< TLS 1\.3, Alert \[length 0002\], warning close_notify/);
  });
});
