/**
 * End-to-end handshakes against Node's `tls` (OpenSSL) with certificates OpenSSL makes at test
 * time: our server refuses a bad client certificate and our client refuses a bad server
 * certificate, each with the RFC 8446 alert Node then reports; SPIFFE authorization refuses with
 * access_denied; a client with several certificates picks the one Node's CertificateRequest
 * asks for (certificate_authorities), or sends none and says why.
 */
import type * as tls from "node:tls";
import { afterAll, describe, expect, it } from "vitest";
import { spiffePolicy } from "../../src/x509/index.js";
import type { TLSError } from "../../src/index.js";
import { nodeClient, nodeServerOnce, type NodeOutcome } from "../helpers/node-tls.js";
import { connectToNode, serveOnce, type ClientConfig, type ServerConfig } from "../helpers/pump.js";
import { CA_EXT, CLIENT_EXT, OpensslPki, SERVER_EXT, type Issued } from "./openssl-pki.js";
import { X509Certificate } from "node:crypto";

/** The notAfter day as OpenSSL wrote it (read back by Node), for the expected message. */
const notAfterDay = (c: Issued): string => new Date(new X509Certificate(c.certPem).validTo).toISOString().slice(0, 10);

const pki = new OpensslPki();
afterAll(() => pki.cleanup());

const DAY = 86_400_000;
const TIMEOUT = { timeout: 30_000 };
const root = pki.root("root", { cn: "Identity Root", ext: CA_EXT });
const inter = pki.issue("inter", root, { cn: "Identity Intermediate", ext: CA_EXT });
const ncInter = pki.issue("nc-inter", root, { cn: "Example Intermediate", ext: [...CA_EXT, "nameConstraints=critical,permitted;DNS:example.com,permitted;DNS:localhost,permitted;URI:prod.example"] });
const otherRoot = pki.root("other-root", { cn: "Other Root", ext: CA_EXT });

const leaf = (name: string, issuer: Issued, ext: readonly string[], san: string, days?: number): Issued =>
  pki.issue(name, issuer, { cn: name, ext: [...ext, `subjectAltName=${san}`], days });

const goodServer = leaf("good-server", inter, SERVER_EXT, "DNS:localhost,IP:127.0.0.1");
const shortServer = leaf("short-server", inter, SERVER_EXT, "DNS:localhost", 1);
const evilServer = leaf("evil-server", ncInter, SERVER_EXT, "DNS:localhost,DNS:api.evil.com");
const revokedServer = leaf("revoked-server", inter, SERVER_EXT, "DNS:localhost");
const wildcardServer = leaf("wildcard-server", inter, SERVER_EXT, "DNS:*.example.com");

const goodClient = leaf("good-client", inter, CLIENT_EXT, "URI:spiffe://prod.example/ns/payments/sa/api");
const billingClient = leaf("billing-client", ncInter, CLIENT_EXT, "URI:spiffe://prod.example/ns/billing/sa/api");
const shortClient = leaf("short-client", inter, CLIENT_EXT, "URI:spiffe://prod.example/ns/payments/sa/api", 1);
const evilClient = leaf("evil-client", ncInter, CLIENT_EXT, "DNS:api.evil.com");
const revokedClient = leaf("revoked-client", inter, CLIENT_EXT, "DNS:client.example.com");
const serverEkuClient = leaf("server-eku-client", inter, SERVER_EXT, "DNS:client.example.com");
const strangerClient = leaf("stranger-client", otherRoot, CLIENT_EXT, "DNS:stranger.example.com");
const crlPem = pki.crl(inter, [revokedServer, revokedClient]);

/** The chain a peer sends: its leaf and the intermediate that issued it. */
const chainOf = (c: Issued, issuer: Issued): string => c.certPem + (issuer === root || issuer === otherRoot ? "" : issuer.certPem);
const issuerOf = (c: Issued): Issued => ([evilServer, billingClient, evilClient].includes(c) ? ncInter : c === strangerClient ? otherRoot : inter);

const codes = (node: NodeOutcome): string[] => node.errors.map((e) => e.code);

async function ourServerAgainstNodeClient(client: Issued, config: Partial<ServerConfig> = {}): Promise<{ error: TLSError | null; node: NodeOutcome; identity: unknown }> {
  const { port, done } = await serveOnce(
    { certificateChain: chainOf(goodServer, inter), privateKey: goodServer.keyPem, clientAuth: "require", trustAnchors: root.certPem, ...config },
    async (session) => {
      try {
        await session.handshake();
        await session.close();
        return null;
      } catch {
        return session.failure();
      }
    },
  );
  const options: tls.ConnectionOptions = { servername: "localhost", ca: root.certPem, cert: chainOf(client, issuerOf(client)), key: client.keyPem, minVersion: "TLSv1.3" };
  const node = await nodeClient(port, options);
  const { session, value } = await done;
  return { error: value, node, identity: session.conn.handshake?.peerIdentity ?? null };
}

async function ourClientAgainstNodeServer(
  server: Issued,
  config: Partial<ClientConfig> = {},
  node: tls.TlsOptions = {},
  // A TLS 1.3 client finishes before the server judges its certificate, so a refusal of the
  // client arrives after handshake(): then wait for the failure itself.
  serverRefusesUs = false,
): Promise<{ error: TLSError | null; node: NodeOutcome }> {
  const { port, outcome } = await nodeServerOnce({ cert: chainOf(server, issuerOf(server)), key: server.keyPem, minVersion: "TLSv1.3", ...node }, { greeting: "hi" });
  const session = await connectToNode(port, { serverName: "localhost", trustAnchors: root.certPem, ...config });
  let error: TLSError | null = null;
  try {
    if (serverRefusesUs) error = await session.failure();
    else {
      try {
        await session.handshake();
        await session.close();
      } catch {
        error = await session.failure();
      }
    }
    await session.closedWithin(5_000);
  } finally {
    session.destroy();
  }
  return { error, node: await outcome };
}

describe("our server refuses a bad client certificate from Node", TIMEOUT, () => {
  it("accepts a good one and exposes its SPIFFE ID", async () => {
    const { error, node, identity } = await ourServerAgainstNodeClient(goodClient, { authorizePeer: spiffePolicy({ allow: ["spiffe://prod.example/ns/payments/*"] }) });
    expect(error).toBeNull();
    expect(node.errors).toEqual([]);
    expect(identity).toMatchObject({ spiffeId: "spiffe://prod.example/ns/payments/sa/api", uris: ["spiffe://prod.example/ns/payments/sa/api"], subject: "CN=good-client" });
  });

  it("expired: certificate_expired", async () => {
    const later = new Date(Date.now() + 3 * DAY);
    const { error, node } = await ourServerAgainstNodeClient(shortClient, { now: () => later });
    expect(error?.alertName).toBe("certificate_expired");
    expect(error?.message).toContain(`client certificate expired on ${notAfterDay(shortClient)}`);
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED");
  });

  it("name constraint violation: bad_certificate", async () => {
    const { error, node } = await ourServerAgainstNodeClient(evilClient);
    expect(error?.alertName).toBe("bad_certificate");
    expect(error?.message).toBe("DNS SAN api.evil.com violates the name constraint of Example Intermediate");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
  });

  it("revoked by a CRL: certificate_revoked", async () => {
    const { error, node } = await ourServerAgainstNodeClient(revokedClient, { crls: crlPem });
    expect(error?.alertName).toBe("certificate_revoked");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED");
  });

  it("EKU without clientAuth: bad_certificate", async () => {
    const { error, node } = await ourServerAgainstNodeClient(serverEkuClient);
    expect(error?.alertName).toBe("bad_certificate");
    expect(error?.message).toContain("EKU lacks clientAuth");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
  });

  it("SPIFFE ID outside the policy: access_denied", async () => {
    const { error, node } = await ourServerAgainstNodeClient(billingClient, { authorizePeer: spiffePolicy({ allow: ["spiffe://prod.example/ns/payments/*"] }) });
    expect(error?.alertName).toBe("access_denied");
    expect(error?.message).toBe(
      "client spiffe://prod.example/ns/billing/sa/api is not authorized: SPIFFE ID spiffe://prod.example/ns/billing/sa/api is not allowed by the authorization policy (allowed: spiffe://prod.example/ns/payments/*)",
    );
    expect(codes(node)).toContain("ERR_SSL_TLSV1_ALERT_ACCESS_DENIED");
  });

  it("a custom authorization callback refusing: access_denied with its reason", async () => {
    const { error, node } = await ourServerAgainstNodeClient(goodClient, { authorizePeer: (id) => (id.subject === "CN=admin" ? true : "only CN=admin may connect") });
    expect(error?.alertName).toBe("access_denied");
    expect(error?.message).toContain("is not authorized: only CN=admin may connect");
    expect(codes(node)).toContain("ERR_SSL_TLSV1_ALERT_ACCESS_DENIED");
  });
});

describe("our client refuses a bad server certificate from Node", TIMEOUT, () => {
  it("accepts a good one", async () => {
    const { error, node } = await ourClientAgainstNodeServer(goodServer);
    expect(error).toBeNull();
    expect(node.errors).toEqual([]);
  });

  it("expired: certificate_expired", async () => {
    const later = new Date(Date.now() + 3 * DAY);
    const { error, node } = await ourClientAgainstNodeServer(shortServer, { now: () => later });
    expect(error?.alertName).toBe("certificate_expired");
    expect(error?.message).toContain("server certificate expired on");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED");
  });

  it("name constraint violation: bad_certificate", async () => {
    const { error, node } = await ourClientAgainstNodeServer(evilServer);
    expect(error?.alertName).toBe("bad_certificate");
    expect(error?.message).toBe("DNS SAN api.evil.com violates the name constraint of Example Intermediate");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
  });

  it("revoked by a CRL: certificate_revoked", async () => {
    const { error, node } = await ourClientAgainstNodeServer(revokedServer, { crls: crlPem });
    expect(error?.alertName).toBe("certificate_revoked");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED");
  });

  it("wildcard that does not cover the name: bad_certificate", async () => {
    const { error, node } = await ourClientAgainstNodeServer(wildcardServer, { serverName: "a.b.example.com" });
    expect(error?.alertName).toBe("bad_certificate");
    expect(error?.message).toContain("server name a.b.example.com does not match the certificate's names (DNS: *.example.com)");
    expect(codes(node)).toContain("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
  });

  it("SPKI pin without a CA: the pinned key passes, another is refused", async () => {
    const { spkiSha256, parseCertificate } = await import("../../src/x509/index.js");
    const { pureProvider } = await import("../../src/crypto/pure.js");
    const pin = spkiSha256(parseCertificate(goodServer.certDer), pureProvider);
    expect((await ourClientAgainstNodeServer(goodServer, { trustAnchors: undefined, spkiPins: [pin] })).error).toBeNull();
    const refused = await ourClientAgainstNodeServer(shortServer, { trustAnchors: undefined, spkiPins: [pin] });
    expect(refused.error?.alertName).toBe("bad_certificate");
    expect(codes(refused.node)).toContain("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE");
  });
});

describe("a client with several certificates answers Node's CertificateRequest", TIMEOUT, () => {
  const requireClient: tls.TlsOptions = { requestCert: true, rejectUnauthorized: true, ca: root.certPem };
  const pair = (c: Issued) => ({ certificateChain: chainOf(c, issuerOf(c)), privateKey: c.keyPem });

  it("picks the certificate issued under a CA Node lists in certificate_authorities", async () => {
    const notSent: string[] = [];
    const { error, node } = await ourClientAgainstNodeServer(goodServer, { certificates: [pair(strangerClient), pair(goodClient)], onClientCertificateNotSent: (r) => notSent.push(r) }, requireClient);
    expect(error).toBeNull();
    expect(node.authorized).toBe(true);
    expect(Buffer.from(node.peerCertificate!).equals(Buffer.from(goodClient.certDer))).toBe(true);
    expect(notSent).toEqual([]);
  });

  it("sends none when nothing matches, says why locally, and Node answers certificate_required", async () => {
    const notSent: string[] = [];
    const { error, node } = await ourClientAgainstNodeServer(goodServer, { certificates: [pair(strangerClient)], onClientCertificateNotSent: (r) => notSent.push(r) }, requireClient, true);
    expect(notSent).toHaveLength(1);
    expect(notSent[0]).toContain("no client certificate was sent: none of the 1 configured client certificate(s) is issued by a CA the server accepts (certificate_authorities: CN=Identity Root)");
    expect(error?.alertName).toBe("certificate_required");
    expect(error?.origin).toBe("remote");
    expect(codes(node)).toContain("ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE");
  });
});
