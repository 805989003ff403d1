/**
 * Interop against Node's own `tls` module (OpenSSL 3) over loopback TCP, in both roles, always
 * with mutual authentication unless a case says otherwise. Node is the outside oracle: what it
 * reports (authorized, peer certificate, cipher, ephemeral group, alerts) is checked alongside
 * what our engine reports in `result`.
 */
import { createHash } from "node:crypto";
import type * as tls from "node:tls";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import type { ClientConnection, TLSError } from "../../src/index.js";
import {
  CA_PEM,
  KEY_TYPES,
  clientCredential,
  clientSpiffeId,
  credential,
  serverCredential,
  type Credential,
} from "../helpers/fixtures.js";
import { nodeClient, nodeServerOnce, type NodeOutcome } from "../helpers/node-tls.js";
import { connectToNode, serveOnce, type ClientConfig, type ServerConfig } from "../helpers/pump.js";

type Result = NonNullable<ClientConnection["handshake"]>;

const FROM_MUTLS = "hello from mutls";
const FROM_NODE = "hello from node";
const TIMEOUT = { timeout: 20_000 };

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;

/** Each group by our name, Node's `ecdhCurve` name and the name OpenSSL reports after the handshake. */
const GROUPS = [
  { ours: "x25519", ecdhCurve: "X25519", openssl: "X25519" },
  { ours: "secp256r1", ecdhCurve: "P-256", openssl: "prime256v1" },
  { ours: "secp384r1", ecdhCurve: "P-384", openssl: "secp384r1" },
] as const;

/** The TLS 1.3 signature scheme OpenSSL signs CertificateVerify with, per key type (RFC 8446 §4.2.3). */
const SCHEME_FOR_KEY = {
  p256: "ecdsa_secp256r1_sha256",
  p384: "ecdsa_secp384r1_sha384",
  ed25519: "ed25519",
  rsa2048: "rsa_pss_rsae_sha256",
} as const;

const SERVER = serverCredential("p256");
const CLIENT = clientCredential("p256");

const hex = (der: Uint8Array | null | undefined): string => (der ? toHex(der) : "(none)");

const nodeFingerprint = (der: Uint8Array): string =>
  createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

interface ClientScenario {
  /** Node's certificate; default server-p256. */
  server?: Credential;
  /** Our client's certificate; null for none. Default client-p256. */
  client?: Credential | null;
  /** Overrides for our ClientConnection. */
  config?: Partial<ClientConfig>;
  /** Overrides for tls.createServer. */
  node?: tls.TlsOptions;
}

function nodeServerOptions(s: ClientScenario): tls.TlsOptions {
  const server = s.server ?? SERVER;
  return {
    requestCert: true,
    rejectUnauthorized: true,
    ca: CA_PEM,
    cert: server.certPem,
    key: server.keyPem,
    minVersion: "TLSv1.3",
    ...s.node,
  };
}

function ourClientConfig(s: ClientScenario): ClientConfig {
  const client = s.client === undefined ? CLIENT : s.client;
  return {
    serverName: "localhost",
    trustAnchors: CA_PEM,
    ...(client ? { certificateChain: client.certPem, privateKey: client.keyPem } : {}),
    ...s.config,
  };
}

/** Our client against a Node server: handshake, one message each way, close_notify. */
async function mutlsClientToNodeServer(s: ClientScenario): Promise<{ result: Result; node: NodeOutcome }> {
  const { port, outcome } = await nodeServerOnce(nodeServerOptions(s), { greeting: FROM_NODE });
  const session = await connectToNode(port, ourClientConfig(s));
  try {
    await session.handshake();
    await session.write(FROM_MUTLS);
    expect(await session.readText(FROM_NODE.length)).toBe(FROM_NODE);
    await session.close();
  } finally {
    session.destroy();
  }
  const node = await outcome;
  const result = session.conn.handshake;
  if (result === null) throw new Error("handshake complete but result is null");

  expect(node.errors).toEqual([]);
  expect(node.received).toBe(FROM_MUTLS);
  expect(node.protocol).toBe("TLSv1.3");
  expect(result.version).toBe("TLSv1.3");
  expect(result.cipherSuite).toBe(node.cipher);
  expect(hex(result.peerCertificates[0])).toBe(hex((s.server ?? SERVER).certDer));
  expect(session.conn.peerClosed).toBe(true);
  const client = s.client === undefined ? CLIENT : s.client;
  if (client) {
    expect(node.authorized).toBe(true);
    expect(hex(node.peerCertificate)).toBe(hex(client.certDer));
  }
  return { result, node };
}

/** Our client against a Node server when the handshake must fail. */
async function mutlsClientFailsAgainstNodeServer(s: ClientScenario): Promise<{ error: TLSError; node: NodeOutcome }> {
  const { port, outcome } = await nodeServerOnce(nodeServerOptions(s), { greeting: FROM_NODE });
  const session = await connectToNode(port, ourClientConfig(s));
  try {
    const error = await session.failure();
    await session.closedWithin(5_000);
    return { error, node: await outcome };
  } finally {
    session.destroy();
  }
}

interface ServerScenario {
  /** Our server's certificate; default server-p256. */
  server?: Credential;
  /** Node's client certificate; null for none. Default client-p256. */
  client?: Credential | null;
  /** Overrides for our ServerConnection. */
  config?: Partial<ServerConfig>;
  /** Overrides for tls.connect. */
  node?: tls.ConnectionOptions;
}

function ourServerConfig(s: ServerScenario): ServerConfig {
  const server = s.server ?? SERVER;
  return {
    certificateChain: server.certPem,
    privateKey: server.keyPem,
    clientAuth: "require",
    trustAnchors: CA_PEM,
    ...s.config,
  };
}

function nodeClientOptions(s: ServerScenario): tls.ConnectionOptions {
  const client = s.client === undefined ? CLIENT : s.client;
  return {
    servername: "localhost",
    ca: CA_PEM,
    ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
    minVersion: "TLSv1.3",
    ...s.node,
  };
}

/** A Node client against our server: handshake, one message each way, close_notify. */
async function nodeClientToMutlsServer(s: ServerScenario): Promise<{ result: Result; node: NodeOutcome }> {
  const { port, done } = await serveOnce(ourServerConfig(s), async (session) => {
    await session.handshake();
    await session.write(FROM_MUTLS);
    const received = await session.readText(FROM_NODE.length);
    await session.peerClose();
    await session.close();
    return received;
  });
  const node = await nodeClient(port, nodeClientOptions(s), { send: FROM_NODE, expect: FROM_MUTLS.length });
  const { session, value: received } = await done;
  const result = session.conn.handshake;
  if (result === null) throw new Error("handshake complete but result is null");

  expect(node.errors).toEqual([]);
  expect(node.authorized).toBe(true);
  expect(node.protocol).toBe("TLSv1.3");
  expect(node.received).toBe(FROM_MUTLS);
  expect(hex(node.peerCertificate)).toBe(hex((s.server ?? SERVER).certDer));
  expect(received).toBe(FROM_NODE);
  expect(result.version).toBe("TLSv1.3");
  expect(result.cipherSuite).toBe(node.cipher);
  expect(result.serverName).toBe("localhost");
  const client = s.client === undefined ? CLIENT : s.client;
  // OpenSSL sends the chain it builds from `ca`, root included: compare the leaf.
  expect(hex(result.peerCertificates[0])).toBe(hex(client?.certDer));
  return { result, node };
}

/** A Node client against our server when the handshake must fail. */
async function nodeClientFailsAgainstMutlsServer(s: ServerScenario): Promise<{ error: TLSError; node: NodeOutcome }> {
  const { port, done } = await serveOnce(ourServerConfig(s), (session) => session.failure());
  const node = await nodeClient(port, nodeClientOptions(s));
  const { value: error } = await done;
  return { error, node };
}

const nodeErrorCodes = (node: NodeOutcome): string[] => node.errors.map((e) => e.code);

// ---------------------------------------------------------------------------------------------
// mutls client → Node server
// ---------------------------------------------------------------------------------------------

describe(`mutls client → Node tls server (OpenSSL ${process.versions.openssl})`, TIMEOUT, () => {
  it("completes a mutual handshake that Node authorizes, and exchanges data both ways", async () => {
    const { result, node } = await mutlsClientToNodeServer({});
    expect(node.peerFingerprint256).toBe(nodeFingerprint(CLIENT.certDer));
    expect(result.helloRetry).toBe(false);
    expect(result.alpnProtocol).toBeNull();
    expect(result.group).toBe("x25519");
    expect(result.peerIdentity?.dnsNames).toContain("localhost");
    expect(result.peerIdentity?.ipAddresses).toContain("127.0.0.1");
    expect(result.peerIdentity?.subject).toMatch(/localhost \(p256\)/);
  });

  it.each(SUITES)("negotiates %s when the Node server allows only it", async (suite) => {
    const { result, node } = await mutlsClientToNodeServer({ node: { ciphers: suite } });
    expect(result.cipherSuite).toBe(suite);
    expect(node.cipher).toBe(suite);
  });

  it.each(SUITES)("negotiates %s when mutls offers only it", async (suite) => {
    const { result } = await mutlsClientToNodeServer({ config: { cipherSuites: [suite] } });
    expect(result.cipherSuite).toBe(suite);
  });

  it.each(GROUPS)("key exchange over $ours (Node ecdhCurve $ecdhCurve), no HelloRetryRequest", async (g) => {
    const { result } = await mutlsClientToNodeServer({
      config: { groups: [g.ours] },
      node: { ecdhCurve: g.ecdhCurve },
    });
    expect(result.group).toBe(g.ours);
    expect(result.helloRetry).toBe(false);
  });

  it("recovers through a HelloRetryRequest: x25519 share offered, Node server accepts only P-256", async () => {
    const { result } = await mutlsClientToNodeServer({
      config: { groups: ["x25519", "secp256r1"], keyShareGroups: ["x25519"] },
      node: { ecdhCurve: "P-256" },
    });
    expect(result.helloRetry).toBe(true);
    expect(result.group).toBe("secp256r1");
  });

  it.each(KEY_TYPES)("%s certificates: Node server's verified by mutls, mutls client's by Node", async (type) => {
    const { result, node } = await mutlsClientToNodeServer({
      server: serverCredential(type),
      client: clientCredential(type),
    });
    expect(node.authorized).toBe(true);
    expect(result.peerSignatureScheme).toBe(SCHEME_FOR_KEY[type]);
    expect(result.peerIdentity?.subject).toMatch(new RegExp(`localhost \\(${type}\\)`));
  });

  it("negotiates ALPN (client order h2, http/1.1; Node server speaks only http/1.1)", async () => {
    const { result, node } = await mutlsClientToNodeServer({
      config: { alpnProtocols: ["h2", "http/1.1"] },
      node: { ALPNProtocols: ["http/1.1"] },
    });
    expect(result.alpnProtocol).toBe("http/1.1");
    expect(node.alpnProtocol).toBe("http/1.1");
  });

  it("verifies the server by an IP-address SAN when serverName is an IP literal", async () => {
    const { result } = await mutlsClientToNodeServer({ config: { serverName: "127.0.0.1" } });
    expect(result.peerIdentity?.ipAddresses).toContain("127.0.0.1");
  });

  it("rejects a Node server whose certificate chains to an untrusted root (unknown_ca)", async () => {
    const { error, node } = await mutlsClientFailsAgainstNodeServer({ server: credential("untrusted-server") });
    expect(error.alertName).toBe("unknown_ca");
    expect(error.origin).toBe("local");
    expect(nodeErrorCodes(node)).toContain("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA");
  });

  it("rejects a Node server whose certificate does not name serverName (bad_certificate)", async () => {
    const { error, node } = await mutlsClientFailsAgainstNodeServer({ config: { serverName: "wrong.mutls.test" } });
    expect(error.alertName).toBe("bad_certificate");
    expect(error.origin).toBe("local");
    expect(nodeErrorCodes(node)).toContain("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
  });

  it("reports Node's certificate_required when it has no client certificate to send", async () => {
    const { error, node } = await mutlsClientFailsAgainstNodeServer({ client: null });
    expect(error.alertName).toBe("certificate_required");
    expect(error.origin).toBe("remote");
    expect(node.secure).toBe(false);
    expect(nodeErrorCodes(node)).toContain("ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
  });
});

// ---------------------------------------------------------------------------------------------
// Node client → mutls server
// ---------------------------------------------------------------------------------------------

describe(`Node tls client (OpenSSL ${process.versions.openssl}) → mutls server`, TIMEOUT, () => {
  it("completes a mutual handshake, proves the client's SPIFFE ID, and exchanges data both ways", async () => {
    const { result, node } = await nodeClientToMutlsServer({});
    expect(node.peerFingerprint256).toBe(nodeFingerprint(SERVER.certDer));
    expect(result.peerIdentity?.uris).toContain(clientSpiffeId("p256"));
    expect(result.peerIdentity?.dnsNames).toContain("client.mutls.test");
    expect(result.peerIdentity?.subject).toMatch(/client p256/);
    expect(result.helloRetry).toBe(false);
    expect(result.alpnProtocol).toBeNull();
    expect(result.group).toBe("x25519");
    expect(node.ephemeralKeyName).toBe("X25519");
  });

  it.each(SUITES)("negotiates %s when the Node client offers only it", async (suite) => {
    const { result, node } = await nodeClientToMutlsServer({ node: { ciphers: suite } });
    expect(result.cipherSuite).toBe(suite);
    expect(node.cipher).toBe(suite);
  });

  it.each(SUITES)("negotiates %s when the mutls server allows only it", async (suite) => {
    const { result, node } = await nodeClientToMutlsServer({ config: { cipherSuites: [suite] } });
    expect(result.cipherSuite).toBe(suite);
    expect(node.cipher).toBe(suite);
  });

  it.each(GROUPS)("key exchange over $ours (Node ecdhCurve $ecdhCurve), no HelloRetryRequest", async (g) => {
    const { result, node } = await nodeClientToMutlsServer({ node: { ecdhCurve: g.ecdhCurve } });
    expect(result.group).toBe(g.ours);
    expect(result.helloRetry).toBe(false);
    expect(node.ephemeralKeyName).toBe(g.openssl);
  });

  it("sends a HelloRetryRequest when the Node client's X25519 share is not acceptable (server: secp384r1 only)", async () => {
    const { result, node } = await nodeClientToMutlsServer({ config: { groups: ["secp384r1"] } });
    expect(result.helloRetry).toBe(true);
    expect(result.group).toBe("secp384r1");
    expect(node.ephemeralKeyName).toBe("secp384r1");
  });

  it.each(KEY_TYPES)("%s certificates: mutls server's verified by Node, Node client's by mutls", async (type) => {
    const { result } = await nodeClientToMutlsServer({
      server: serverCredential(type),
      client: clientCredential(type),
    });
    expect(result.peerSignatureScheme).toBe(SCHEME_FOR_KEY[type]);
    expect(result.peerIdentity?.uris).toEqual([clientSpiffeId(type)]);
  });

  it("negotiates ALPN in the server's preference order (server http/1.1, h2; client h2, http/1.1)", async () => {
    const { result, node } = await nodeClientToMutlsServer({
      config: { alpnProtocols: ["http/1.1", "h2"] },
      node: { ALPNProtocols: ["h2", "http/1.1"] },
    });
    expect(result.alpnProtocol).toBe("http/1.1");
    expect(node.alpnProtocol).toBe("http/1.1");
  });

  it('accepts a client without a certificate when clientAuth is "request"', async () => {
    const { result } = await nodeClientToMutlsServer({ client: null, config: { clientAuth: "request" } });
    expect(result.peerCertificates).toEqual([]);
    expect(result.peerIdentity).toBeNull();
  });

  it('refuses a Node client without a certificate when clientAuth is "require" (certificate_required)', async () => {
    const { error, node } = await nodeClientFailsAgainstMutlsServer({ client: null });
    expect(error.alertName).toBe("certificate_required");
    expect(error.origin).toBe("local");
    expect(nodeErrorCodes(node)).toContain("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
  });

  it("refuses a Node client whose certificate chains to an untrusted root (unknown_ca)", async () => {
    const { error, node } = await nodeClientFailsAgainstMutlsServer({ client: credential("untrusted-client") });
    expect(error.alertName).toBe("unknown_ca");
    expect(error.origin).toBe("local");
    expect(nodeErrorCodes(node)).toContain("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA");
  });
});
