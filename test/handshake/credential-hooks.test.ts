/**
 * The per-handshake credential hooks, ServerConfig.selectCertificate and
 * ClientConfig.selectClientCertificate, between our own client and server in memory: what each hook
 * is told, synchronous and asynchronous answers, and the TLSError of each failure. The same hooks
 * against OpenSSL's s_client and s_server are in test/peers/credential-hooks.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  type CertificateKeyPair,
  type CertificateRequestInfo,
  ClientConnection,
  type ClientHelloInfo,
  MemorySessionStore,
  ServerConnection,
  TLSError,
  UsageError,
} from "../../src/index.js";
import { issueCertificate, loadCertificateAuthority } from "../../src/ca.js";
import { CA_PEM, UNTRUSTED_CA_PEM, credential, mutualCredentials, readPem } from "../helpers/fixtures.js";
import { clientConfig, serverConfig, type ClientConfig, type ServerConfig } from "../helpers/pair.js";
import { pumpMemory } from "../helpers/pump.js";

const ca = loadCertificateAuthority(CA_PEM, readPem("ca.key.pem"));
const issued = (dns: string): CertificateKeyPair => {
  const c = issueCertificate(ca, { name: dns, dns: [dns], server: true });
  return { certificateChain: c.certificateChainPem, privateKey: c.privateKeyPem };
};
const siteA = issued("a.example");
const siteB = issued("b.example");
const untrustedClient = credential("untrusted-client");
const trustedClient = credential("client-p256");
const asPair = (c: { certPem: string; keyPem: string }): CertificateKeyPair => ({ certificateChain: c.certPem, privateKey: c.keyPem });

const creds = mutualCredentials("p256");
const later = <T>(value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), 5));

async function handshake(client: Partial<ClientConfig>, server: Partial<ServerConfig>) {
  const c = new ClientConnection(clientConfig(creds, { client }));
  const s = new ServerConnection(serverConfig(creds, { server }));
  await pumpMemory(c, s);
  return { client: c, server: s };
}

const summary = (e: TLSError | null) => (e === null ? null : `${e.origin} ${e.alertName} ${e.reason}`);

describe("ServerConfig.selectCertificate", () => {
  const bySni = (seen: ClientHelloInfo[]) => (hello: ClientHelloInfo) => {
    seen.push(hello);
    return hello.serverName === "b.example" ? siteB : hello.serverName === "a.example" ? siteA : null;
  };

  it("answers each handshake with the chain chosen from its SNI; null falls back to certificateChain", async () => {
    const seen: ClientHelloInfo[] = [];
    const server = { selectCertificate: bySni(seen), clientAuth: "none" as const };
    for (const name of ["a.example", "b.example"]) {
      const { client } = await handshake({ serverName: name, certificateChain: undefined, privateKey: undefined, alpnProtocols: ["h2", "http/1.1"] }, server);
      expect(client.error).toBeNull();
      expect(client.handshake?.peerIdentity?.dnsNames).toEqual([name]);
    }
    expect(seen.map((h) => h.serverName)).toEqual(["a.example", "b.example"]);
    expect(seen[0].signatureSchemes).toContain("ecdsa_secp256r1_sha256");
    expect(seen[0].alpnProtocols).toEqual(["h2", "http/1.1"]);
    const fallback = await handshake({ serverName: "localhost", certificateChain: undefined, privateKey: undefined }, server);
    expect(fallback.client.handshake?.peerIdentity?.dnsNames).toEqual(["localhost"]);
  });

  it("may answer with a Promise: the handshake waits for it and goes on in order", async () => {
    const { client, server } = await handshake(
      { serverName: "b.example" },
      { selectCertificate: (hello) => later(hello.serverName === "b.example" ? siteB : null) },
    );
    expect(client.error).toBeNull();
    expect(server.error).toBeNull();
    expect(client.handshake?.peerIdentity?.dnsNames).toEqual(["b.example"]);
    expect(server.handshake?.peerIdentity?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
  });

  it("is the only source of certificates when none is configured", async () => {
    const server = new ServerConnection({ selectCertificate: () => siteA });
    const client = new ClientConnection({ serverName: "a.example", trustAnchors: CA_PEM });
    await pumpMemory(client, server);
    expect(client.handshake?.peerIdentity?.dnsNames).toEqual(["a.example"]);
  });

  it("no certificate for the name and none configured: handshake_failure, credential_unavailable", async () => {
    const server = new ServerConnection({ selectCertificate: () => later(null) });
    const client = new ClientConnection({ serverName: "c.example", trustAnchors: CA_PEM });
    await pumpMemory(client, server);
    expect(summary(server.error)).toBe("local handshake_failure credential_unavailable");
    expect(server.error?.message).toContain('"c.example"');
    expect(summary(client.error)).toBe("remote handshake_failure peer_alert");
  });

  it("a hook that throws, rejects or returns a key that does not match: internal_error, credential_unavailable", async () => {
    const mismatched: CertificateKeyPair = { certificateChain: siteA.certificateChain, privateKey: readPem("server-p256.key.pem") };
    const hooks: [ServerConfig["selectCertificate"], RegExp][] = [
      [
        () => {
          throw new Error("vault unreachable");
        },
        /selectCertificate failed: vault unreachable/,
      ],
      [() => Promise.reject(new Error("vault unreachable")), /selectCertificate failed: vault unreachable/],
      [() => mismatched, /selectCertificate returned an unusable certificate: privateKey does not match/],
    ];
    for (const [selectCertificate, message] of hooks) {
      const { client, server } = await handshake({ serverName: "a.example" }, { selectCertificate });
      expect(summary(server.error)).toBe("local internal_error credential_unavailable");
      expect(server.error?.message).toMatch(message);
      expect(summary(client.error)).toBe("remote internal_error peer_alert");
    }
  });

  it("is not asked when a PSK authenticates the handshake alone (resumption)", async () => {
    let calls = 0;
    const store = new MemorySessionStore();
    const server: Partial<ServerConfig> = {
      tickets: 1,
      selectCertificate: () => {
        calls++;
        return siteA;
      },
    };
    const serverCfg = serverConfig(creds, { server });
    const clientCfg = clientConfig(creds, { client: { serverName: "a.example", sessionStore: store } });
    for (let i = 0; i < 2; i++) {
      const c = new ClientConnection(clientCfg);
      const s = new ServerConnection(serverCfg);
      await pumpMemory(c, s);
      expect(c.error).toBeNull();
      expect(c.handshake?.resumed).toBe(i === 1);
    }
    expect(calls).toBe(1);
  });
});

describe("ClientConfig.selectClientCertificate", () => {
  const noClientCert = { certificateChain: undefined, privateKey: undefined };

  it("is told the CAs and schemes the server asks for, and its chain is sent", async () => {
    const seen: CertificateRequestInfo[] = [];
    const pick = (request: CertificateRequestInfo) => {
      seen.push(request);
      return request.certificateAuthorityNames.some((n) => n.includes("mutls untrusted root CA")) ? asPair(untrustedClient) : asPair(trustedClient);
    };
    const { client, server } = await handshake({ ...noClientCert, selectClientCertificate: pick }, { trustAnchors: UNTRUSTED_CA_PEM });
    expect(client.error).toBeNull();
    expect(server.handshake?.peerIdentity?.uris).toEqual(["spiffe://mutls.test/client/untrusted"]);
    expect(seen).toHaveLength(1);
    expect(seen[0].serverName).toBe("localhost");
    expect(seen[0].certificateAuthorityNames).toEqual(["CN=mutls untrusted root CA, O=mutls tests"]);
    expect(seen[0].certificateAuthorities).toHaveLength(1);
    expect(seen[0].signatureSchemes).toContain("ed25519");
  });

  it("may answer with a Promise", async () => {
    const { client, server } = await handshake({ ...noClientCert, selectClientCertificate: () => later(asPair(trustedClient)) }, {});
    expect(client.error).toBeNull();
    expect(server.handshake?.peerIdentity?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
  });

  it("null sends no certificate, and onClientCertificateNotSent says why", async () => {
    const reasons: string[] = [];
    const { server } = await handshake({ ...noClientCert, selectClientCertificate: () => null, onClientCertificateNotSent: (r) => reasons.push(r) }, {});
    expect(summary(server.error)).toBe("local certificate_required certificate_required");
    expect(reasons).toEqual(["no client certificate was sent: selectClientCertificate chose none"]);
  });

  it("a hook that rejects: internal_error, credential_unavailable", async () => {
    const { client, server } = await handshake({ ...noClientCert, selectClientCertificate: () => Promise.reject(new Error("no token")) }, {});
    expect(summary(client.error)).toBe("local internal_error credential_unavailable");
    expect(client.error?.message).toBe("selectClientCertificate failed: no token");
    expect(summary(server.error)).toBe("remote internal_error peer_alert");
  });

  it("a chain whose key signs with none of the server's schemes: handshake_failure", async () => {
    const { client } = await handshake(
      { ...noClientCert, selectClientCertificate: () => asPair(trustedClient) },
      { signatureSchemes: ["ed25519", "rsa_pss_rsae_sha256"] },
    );
    expect(summary(client.error)).toBe("local handshake_failure no_common_parameters");
    expect(client.error?.message).toMatch(/selectClientCertificate chose .*client p256/);
  });

  it("answers a post-handshake CertificateRequest too (RFC 8446 §4.6.2)", async () => {
    const seen: CertificateRequestInfo[] = [];
    const c = new ClientConnection(
      clientConfig(creds, {
        client: {
          ...noClientCert,
          postHandshakeAuth: true,
          selectClientCertificate: (r) => {
            seen.push(r);
            return later(asPair(trustedClient));
          },
        },
      }),
    );
    const s = new ServerConnection(serverConfig(creds, { server: { clientAuth: "none" } }));
    await pumpMemory(c, s);
    expect(s.handshake?.peerIdentity).toBeNull();
    const identity = s.requestClientCertificate();
    await pumpMemory(c, s);
    expect((await identity)?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
    expect(seen).toHaveLength(1);
  });

  it("is refused beside certificateChain or certificates", () => {
    expect(() => new ClientConnection(clientConfig(creds, { client: { selectClientCertificate: () => null } }))).toThrow(UsageError);
  });
});
