/**
 * The mutls CLI (dist/cli/mutls.js) against OpenSSL's `s_client` and `s_server`, always with mutual
 * authentication unless a case refuses it. OpenSSL is the oracle: what it prints about the peer
 * (verification, cipher, temp key, signature type, the client certificate's subject) must agree.
 */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  CA,
  type KeyType,
  type Peer,
  cert,
  certAndKeyArgs,
  echoOneLineAndClose,
  freePort,
  key,
  startMutlsClient,
  startMutlsEchoServer,
  startProcess,
  stopAllProcesses,
} from "./process.js";

afterEach(stopAllProcesses);

const OPENSSL_VERSION = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
console.log(`interop peer: ${OPENSSL_VERSION}`);

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;

/** Our group name, OpenSSL's -groups name, and how s_client prints the server's temp key. */
const GROUPS = [
  { ours: "x25519", openssl: "X25519", tempKey: /Server Temp Key: X25519/ },
  { ours: "secp256r1", openssl: "P-256", tempKey: /Server Temp Key: ECDH, prime256v1/ },
  { ours: "secp384r1", openssl: "P-384", tempKey: /Server Temp Key: ECDH, secp384r1/ },
] as const;

/** How OpenSSL prints the signature type of a peer using each key type. */
const SIGNATURE_TYPE = { p256: "ECDSA", p384: "ECDSA", ed25519: "ed25519", rsa2048: "RSA-PSS" } as const satisfies Record<KeyType, string>;

function sClient(port: number, args: readonly string[]): Peer {
  return startProcess("openssl s_client", "openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error", ...args]);
}

const clientCertArgs = (type: KeyType): string[] => ["-cert", cert(`client-${type}`), "-key", key(`client-${type}`)];

/** Runs s_client against a fresh `mutls server --require-client-cert --echo`, sends `ping`, waits for the echo. */
async function sClientEcho(serverArgs: readonly string[], clientArgs: readonly string[]): Promise<{ server: Peer; client: Peer }> {
  const { server, port } = await startMutlsEchoServer(serverArgs);
  const client = sClient(port, clientArgs);
  await echoOneLineAndClose(client, server, /Verify return code: 0 \(ok\)/);
  return { server, client };
}

const serverCertArgs = (type: KeyType): string[] => certAndKeyArgs("server", type);

describe(`mutls server <- openssl s_client (${OPENSSL_VERSION})`, () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, client } = await sClientEcho(serverCertArgs("p256"), [...clientCertArgs("p256"), "-ciphersuites", suite]);
      expect(client.stdout).toContain(`New, TLSv1.3, Cipher is ${suite}`);
      expect(server.stderr).toMatch(new RegExp(`accepted: client "CN=client p256, O=mutls tests"; URI spiffe://mutls.test/client/p256.*${suite}`));
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { server, client } = await sClientEcho(serverCertArgs("p256"), [...clientCertArgs("p256"), "-groups", group.openssl]);
      expect(client.stdout).toMatch(group.tempKey);
      expect(server.stderr).toContain(`group ${group.ours},`);
    });
  }

  it("sends a HelloRetryRequest when the client's key share is not for a group the server takes", async () => {
    // s_client sends a key share for its first group only (X25519); the server only takes P-384.
    const { server, client } = await sClientEcho([...serverCertArgs("p256"), "--groups", "secp384r1"], [...clientCertArgs("p256"), "-groups", "X25519:P-384"]);
    expect(client.stdout).toMatch(/Server Temp Key: ECDH, secp384r1/);
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["ed25519", "rsa2048"],
    ["rsa2048", "ed25519"],
    ["p384", "p384"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { server, client } = await sClientEcho(serverCertArgs(serverType), clientCertArgs(clientType));
      expect(client.stdout).toContain(`Peer signature type: ${SIGNATURE_TYPE[serverType]}`);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
    });
  }

  it("answers a KeyUpdate the client sends and keeps echoing under the new keys", async () => {
    const { server, port } = await startMutlsEchoServer(serverCertArgs("p256"));
    // -msg makes s_client print each handshake message it sends (>>>) and receives (<<<).
    const client = sClient(port, [...clientCertArgs("p256"), "-msg"]);
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    client.write("K\n"); // s_client: KeyUpdate with update_requested ("k" would not request one)
    await client.waitFor(/>>> .*KeyUpdate/);
    // RFC 8446 §4.6.3: the server answers update_requested with its own KeyUpdate.
    await client.waitFor(/<<< .*KeyUpdate/);
    client.write("after the key update\n");
    await client.waitFor(/^after the key update$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
  });

  it("refuses a client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(serverCertArgs("p256"));
    const client = sClient(port, []);
    client.write("ping\n");
    // OpenSSL names the alert it received.
    await client.waitFor(/alert certificate required/);
    await server.waitFor(/refused: certificate_required/);
    expect(client.stdout).not.toMatch(/^ping$/m);
  });

  it("refuses a client whose certificate chains to an unknown CA", async () => {
    const { server, port } = await startMutlsEchoServer(serverCertArgs("p256"));
    const client = sClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client")]);
    client.write("ping\n");
    await client.waitFor(/alert unknown ca/);
    await server.waitFor(/refused: unknown_ca/);
  });
});

/** `openssl s_server` requiring a client certificate, on a free port, its stdin kept open. */
async function sServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const port = await freePort();
  const server = startProcess("openssl s_server", "openssl", [
    "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-CAfile", CA, "-Verify", "2", "-verify_return_error", "-tls1_3", ...args,
  ]);
  await server.waitFor(/ACCEPT/); // printed once it listens (a probe connection would use up -naccept 1)
  return { server, port };
}

const sServerCertArgs = (type: KeyType): string[] => ["-cert", cert(`server-${type}`), "-key", key(`server-${type}`)];
const ourClientCert = (type: KeyType): string[] => certAndKeyArgs("client", type);

/** Connects `mutls client` to a fresh s_server, exchanges a line each way, and closes from our side. */
async function clientExchange(serverArgs: readonly string[], clientArgs: readonly string[]): Promise<{ server: Peer; client: Peer }> {
  const { server, port } = await sServer(serverArgs);
  const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...clientArgs]);
  await client.waitFor(/connected to/);
  client.write("from mutls\n");
  await server.waitFor(/^from mutls$/m);
  server.write("from openssl\n");
  await client.waitFor(/^from openssl$/m);
  client.endStdin(); // close_notify; s_server answers with its own
  const exit = await client.waitForExit();
  expect(exit.code, client.report()).toBe(0);
  expect(client.stderr).toContain("closed cleanly");
  return { server, client };
}

describe(`mutls client -> openssl s_server (${OPENSSL_VERSION})`, () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, client } = await clientExchange([...sServerCertArgs("p256"), "-ciphersuites", suite], ourClientCert("p256"));
      expect(server.stdout).toContain(`CIPHER is ${suite}`);
      expect(server.stdout).toContain("subject=O = mutls tests, CN = client p256");
      expect(client.stderr).toContain(suite);
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      // s_server accepts only this group, so the handshake cannot succeed with another.
      const { client } = await clientExchange([...sServerCertArgs("p256"), "-groups", group.openssl], [...ourClientCert("p256"), "--groups", group.ours]);
      expect(client.stderr).toContain(`group ${group.ours},`);
    });
  }

  it("follows a HelloRetryRequest to the group the server asks for", async () => {
    // We send an x25519 key share first; s_server takes only P-256 and must ask again.
    const { client } = await clientExchange([...sServerCertArgs("p256"), "-groups", "P-256"], ourClientCert("p256"));
    expect(client.stderr).toContain("group secp256r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["ed25519", "p384"],
    ["rsa2048", "rsa2048"],
    ["p384", "ed25519"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { server, client } = await clientExchange(sServerCertArgs(serverType), ourClientCert(clientType));
      expect(server.stdout).toContain(`subject=O = mutls tests, CN = client ${clientType}`);
      expect(server.stdout).toContain(`Peer signature type: ${SIGNATURE_TYPE[clientType]}`);
      expect(client.stderr).toContain(`(${serverType})`); // the server's subject, "CN=localhost (type)"
    });
  }

  it("answers a KeyUpdate the server sends and follows its new keys", async () => {
    // -msg makes s_server print each handshake message it sends (>>>) and receives (<<<).
    const { server, port } = await sServer([...sServerCertArgs("p256"), "-msg"]);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...ourClientCert("p256")]);
    await client.waitFor(/connected to/);
    client.write("hello\n");
    await server.waitFor(/^hello$/m);
    server.write("K\n"); // s_server: KeyUpdate with update_requested ("k" would not request one)
    await server.waitFor(/>>> .*KeyUpdate/);
    // RFC 8446 §4.6.3: the client answers update_requested with its own KeyUpdate.
    await server.waitFor(/<<< .*KeyUpdate/);
    server.write("after the key update\n");
    await client.waitFor(/^after the key update$/m);
    client.write("ours too\n"); // sent under our updated key
    await server.waitFor(/^ours too$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
  });

  it("reports a server that closes without close_notify as a possible truncation", async () => {
    const { server, port } = await sServer(sServerCertArgs("p256"));
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...ourClientCert("p256")]);
    await client.waitFor(/connected to/);
    client.write("hello\n");
    await server.waitFor(/^hello$/m);
    server.endStdin(); // s_server then drops the connection without close_notify
    const exit = await client.waitForExit();
    expect(exit.code).not.toBe(0);
    expect(client.stderr).toMatch(/without close_notify/);
  });

  it("is refused by a server that requires a certificate when it has none", async () => {
    const { server, port } = await sServer(sServerCertArgs("p256"));
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost"]);
    client.write("hello\n");
    const exit = await client.waitForExit();
    expect(exit.code).not.toBe(0);
    // OpenSSL is the oracle for why it refused us.
    await server.waitFor(/peer did not return a certificate/);
    // s_server closes with our "hello" unread, so its TCP stack may send a reset that overtakes the
    // alert on a loaded machine; then our client reports the failed connection instead of the alert.
    expect(client.stderr).toMatch(/certificate_required \(alert from the peer\)|connection failed/);
  });

  it("refuses a server whose certificate chains to an unknown CA", async () => {
    const { server, port } = await sServer(["-cert", cert("untrusted-server"), "-key", key("untrusted-server")]);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...ourClientCert("p256")]);
    const exit = await client.waitForExit();
    expect(exit.code).not.toBe(0);
    expect(client.stderr).toMatch(/handshake with .* failed: unknown_ca \(detected locally\)/);
    await server.waitFor(/alert unknown ca/);
  });
});
