/**
 * The mutls CLI against GnuTLS: `gnutls-cli` as a client of `mutls server`, and `mutls client`
 * against `gnutls-serv`. gnutls-serv binds every address, so it runs inside a private network
 * namespace (`unshare -n`, loopback up) together with our client; where that is impossible, those
 * tests are skipped with the reason printed. GnuTLS is the oracle: its session description (group,
 * signature, cipher) and its verdict on our certificates must agree with ours.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GNUTLS_MISSING, GNUTLS_VERSION, NAMESPACE_MISSING, TLS13, againstGnutlsServ } from "./gnutls.js";
import { CA, type KeyType, type Peer, cert, certAndKeyArgs, echoOneLineAndClose, key, startMutlsEchoServer, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

/** Our suite name and GnuTLS's priority and description name for it. */
const SUITES = [
  { ours: "TLS_AES_128_GCM_SHA256", gnutls: "AES-128-GCM" },
  { ours: "TLS_AES_256_GCM_SHA384", gnutls: "AES-256-GCM" },
  { ours: "TLS_CHACHA20_POLY1305_SHA256", gnutls: "CHACHA20-POLY1305" },
] as const;

const GROUPS = [
  { ours: "x25519", gnutls: "X25519" },
  { ours: "secp256r1", gnutls: "SECP256R1" },
  { ours: "secp384r1", gnutls: "SECP384R1" },
] as const;

/** How GnuTLS describes the TLS 1.3 signature made with each key type. */
const SIGNATURE = {
  p256: "ECDSA-SECP256R1-SHA256",
  p384: "ECDSA-SECP384R1-SHA384",
  ed25519: "EdDSA-Ed25519",
  rsa2048: "RSA-PSS-RSAE-SHA256",
} as const satisfies Record<KeyType, string>;

const ourServerCert = (type: KeyType): string[] => certAndKeyArgs("server", type);
const ourClientCert = (type: KeyType): string[] => certAndKeyArgs("client", type);

function gnutlsCli(port: number, priority: string, clientType: KeyType | null, extra: string[] = []): Peer {
  const certArgs = clientType ? ["--x509certfile", cert(`client-${clientType}`), "--x509keyfile", key(`client-${clientType}`)] : [];
  return startProcess("gnutls-cli", "gnutls-cli", ["--x509cafile", CA, ...certArgs, "--priority", priority, ...extra, "-p", String(port), "localhost"]);
}

/** gnutls-cli against a fresh `mutls server --require-client-cert --echo`: one line echoed, then gnutls-cli ends. */
async function gnutlsCliEcho(serverArgs: string[], priority: string, clientType: KeyType): Promise<{ server: Peer; client: Peer }> {
  const { server, port } = await startMutlsEchoServer(serverArgs);
  const client = gnutlsCli(port, priority, clientType);
  await echoOneLineAndClose(client, server, /Handshake was completed/);
  expect(client.output).toContain("The certificate is trusted");
  return { server, client };
}

// Skipped, with the reason printed, only where gnutls-bin is not installed (.ci/run installs it).
describe.skipIf(GNUTLS_MISSING !== null)(`mutls server <- gnutls-cli (${GNUTLS_VERSION})`, () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite.ours}`, async () => {
      const { server, client } = await gnutlsCliEcho(ourServerCert("p256"), `${TLS13}:-CIPHER-ALL:+${suite.gnutls}`, "p256");
      expect(client.output).toMatch(new RegExp(`Description: \\(TLS1.3-X.509\\)-.*-\\(${suite.gnutls}\\)`));
      expect(server.stderr).toContain(suite.ours);
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { server, client } = await gnutlsCliEcho(ourServerCert("p256"), `${TLS13}:-GROUP-ALL:+GROUP-${group.gnutls}`, "p256");
      expect(client.output).toContain(`(ECDHE-${group.gnutls})`);
      expect(server.stderr).toContain(`group ${group.ours},`);
    });
  }

  it("sends a HelloRetryRequest for a group the client supports but sent no key share for", async () => {
    // GnuTLS sends key shares for X25519 and SECP256R1 (one per curve family), not SECP384R1.
    const priority = `${TLS13}:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1`;
    const { server, client } = await gnutlsCliEcho([...ourServerCert("p256"), "--groups", "secp384r1"], priority, "p256");
    expect(client.output).toContain("(ECDHE-SECP384R1)");
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["ed25519", "p384"],
    ["rsa2048", "ed25519"],
    ["p384", "rsa2048"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { server, client } = await gnutlsCliEcho(ourServerCert(serverType), TLS13, clientType);
      expect(client.output).toContain(`(${SIGNATURE[serverType]})`);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
    });
  }

  it("follows a KeyUpdate the client sends", async () => {
    const { server, port } = await startMutlsEchoServer(ourServerCert("p256"));
    const client = gnutlsCli(port, TLS13, "p256", ["--inline-commands"]);
    await client.waitFor(/Handshake was completed/);
    client.write("^rekey^\n"); // KeyUpdate asking us to update too
    await client.waitFor(/Rekey was completed/);
    client.write("after the key update\n");
    await client.waitFor(/^after the key update$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
  });

  it("refuses a client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(ourServerCert("p256"));
    const client = gnutlsCli(port, TLS13, null);
    client.write("ping\n");
    await client.waitFor(/Received alert \[116\]/); // certificate_required
    await server.waitFor(/refused: certificate_required/);
  });
});

// gnutls-serv binds every address, so it runs inside `unshare -n`; skipped where namespaces are not allowed.
describe.skipIf(NAMESPACE_MISSING !== null)(`mutls client -> gnutls-serv (${GNUTLS_VERSION})`, () => {
  const verified = ["--require-client-cert", "--verify-client-cert"];
  const servCert = (type: KeyType): string[] => ["--x509certfile", cert(`server-${type}`), "--x509keyfile", key(`server-${type}`)];

  async function exchange(servArgs: string[], clientArgs: string[]): Promise<{ client: string; server: string }> {
    const result = await againstGnutlsServ([...verified, ...servArgs], clientArgs);
    expect(result.exitCode, result.client + result.server).toBe(0);
    expect(result.client).toMatch(/^ping$/m); // echoed by gnutls-serv
    expect(result.client).toContain("closed cleanly");
    expect(result.server).toContain("The certificate is trusted"); // GnuTLS verified our client certificate
    return result;
  }

  for (const suite of SUITES) {
    it(`negotiates ${suite.ours}`, async () => {
      const { client, server } = await exchange([...servCert("p256"), "--priority", `${TLS13}:-CIPHER-ALL:+${suite.gnutls}`], ourClientCert("p256"));
      expect(server).toMatch(new RegExp(`Description: \\(TLS1.3-X.509\\)-.*-\\(${suite.gnutls}\\)`));
      expect(client).toContain(suite.ours);
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { client, server } = await exchange(
        [...servCert("p256"), "--priority", `${TLS13}:-GROUP-ALL:+GROUP-${group.gnutls}`],
        [...ourClientCert("p256"), "--groups", group.ours],
      );
      expect(server).toContain(`(ECDHE-${group.gnutls})`);
      expect(client).toContain(`group ${group.ours},`);
    });
  }

  it("follows a HelloRetryRequest to the group the server asks for", async () => {
    // Our first ClientHello carries an x25519 key share; gnutls-serv takes only SECP384R1.
    const { client, server } = await exchange([...servCert("p256"), "--priority", `${TLS13}:-GROUP-ALL:+GROUP-SECP384R1`], ourClientCert("p256"));
    expect(server).toContain("(ECDHE-SECP384R1)");
    expect(client).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["ed25519", "rsa2048"],
    ["rsa2048", "p384"],
    ["p384", "ed25519"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { client, server } = await exchange([...servCert(serverType), "--priority", TLS13], ourClientCert(clientType));
      expect(server).toContain(`Subject: CN=client ${clientType}`);
      expect(client).toContain(`(${serverType})`);
    });
  }

  it("is refused when it has no certificate for a server that requires one", async () => {
    const result = await againstGnutlsServ([...verified, ...servCert("p256"), "--priority", TLS13], []);
    expect(result.exitCode).not.toBe(0);
    // GnuTLS is the oracle for why: it refused the handshake for want of a certificate.
    expect(result.server).toContain("Certificate is required");
    // gnutls-serv closes with our unread bytes in its buffer, so its TCP stack may answer with a
    // reset that overtakes the alert under load; our client then reports the failed connection.
    expect(result.client).toMatch(/certificate_required \(alert from the peer\)|connection failed/);
  });

  it("refuses a server whose certificate chains to an unknown CA", async () => {
    const result = await againstGnutlsServ([...verified, ...servCert("p256").map((a) => a.replace("server-p256", "untrusted-server")), "--priority", TLS13], ourClientCert("p256"));
    expect(result.exitCode).not.toBe(0);
    expect(result.client).toMatch(/unknown_ca \(detected locally\)/);
  });
});
