/**
 * The core entry (`mutls/core`, src/core.ts): no default provider, so a browser bundle of a client
 * built on it with a composed provider carries only the algorithms it composed, and such a client
 * completes a mutual handshake with a server on the full pure provider.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import * as core from "../src/core.js";
import { ClientConnection as MutlsClientConnection, ServerConnection } from "../src/index.js";
import { resolveConfig } from "../src/handshake/config.js";
import { withDefaultProvider } from "../src/default-provider.js";
import { verificationBudget, verifyPeerCertificates, verifyPeerCertificatesAsync } from "../src/handshake/peer-verification.js";
import { mutualCredentials } from "./helpers/fixtures.js";
import { pump, serverConfig } from "./helpers/pair.js";
import { pumpMemory } from "./helpers/pump.js";

/** The source files (and packages) that end up with bytes in a browser bundle of `entry`, with those bytes. */
async function bundledInputs(entry: string): Promise<Map<string, number>> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const bytes = new Map<string, number>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [path, info] of Object.entries(output.inputs)) if (info.bytesInOutput > 0) bytes.set(path, info.bytesInOutput);
  }
  return bytes;
}

/**
 * What a client of ECDSA P-256, X25519 (x25519Compact: no Edwards code), AES-128-GCM and SHA-256
 * must not carry, nor CRL checking, name-constraint checking, client resumption (tickets,
 * external PSKs, 0-RTT), PEM/DER private-key reading, the credential hooks, post-handshake
 * authentication, name-constraint parsing, the webpki profile's rules, trust-anchor tables or chain
 * checks on an asynchronous provider, which it does not configure. (rsa.ts and
 * hybrid-key-share.ts still give it a few constants, the RSA size limits and the hybrid group's
 * name, under 200 bytes minified: their code is what must be gone.)
 */
const NOT_COMPOSED = [
  "src/crypto/pure.ts",
  "src/crypto/chacha20.ts",
  "src/crypto/poly1305.ts",
  "@noble/post-quantum",
  "src/ca/",
  "src/node/",
  "asn1js",
  "@noble/curves/abstract/edwards.js",
  "src/x509/crl.ts",
  "src/handshake/client/resumption.ts",
  "src/handshake/resumption/psk.ts",
  "src/handshake/resumption/external-psk.ts",
  "src/x509/name-constraint-checks.ts",
  "src/x509/private-key.ts",
  "src/handshake/credential-hooks.ts",
  "src/handshake/post-handshake-auth.ts",
  "src/x509/name-constraints.ts",
  "src/x509/webpki-profile.ts",
  "src/x509/precomputed-verifier.ts",
  "src/x509/async-verify.ts",
];
const CONSTANTS_ONLY = ["src/crypto/rsa.ts", "src/crypto/hybrid-key-share.ts"];

describe("mutls/core", () => {
  it("bundles for the browser without Node built-ins and without the algorithms the client did not compose", async () => {
    // esbuild cannot resolve node:* for the browser, so a Node import anywhere fails the build.
    const inputs = await bundledInputs("../bench/bundle/minimal-client.ts");
    const paths = [...inputs.keys()];
    expect(paths.some((p) => p.endsWith("src/core.ts"))).toBe(true);
    expect(paths.filter((p) => p.startsWith("node:") || NOT_COMPOSED.some((name) => p.includes(name)))).toEqual([]);
    for (const name of CONSTANTS_ONLY) expect(inputs.get(name) ?? 0, name).toBeLessThan(200);
    expect(paths.filter((p) => p.includes("src/crypto/gcm.ts") || p.includes("src/crypto/compose.ts")).length).toBe(2);
  });

  it("the same check finds every algorithm in a bundle of the `mutls` entry, whose default is the pure provider", async () => {
    const inputs = await bundledInputs("../bench/bundle/full.ts");
    for (const name of ["src/crypto/pure.ts", "src/crypto/chacha20.ts", "@noble/post-quantum"]) {
      expect(
        [...inputs.keys()].some((p) => p.includes(name)),
        name,
      ).toBe(true);
    }
    expect(inputs.get("src/crypto/rsa.ts")).toBeGreaterThan(1000);
  });

  it("a client on a provider of ECDSA P-256, X25519, AES-128-GCM and SHA-256 alone completes a mutual handshake with a pure-provider server", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const client = new core.ClientConnection({
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      certificateChain: creds.clientCert,
      // As a device keeps it (bench/bundle/minimal-client.ts): the scalar, no PEM to read.
      privateKey: core.parsePrivateKey(creds.clientKey),
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
    });
    const server = new ServerConnection(serverConfig(creds));
    const pair = { client, server };
    pump(pair);
    expect(client.error?.message ?? null).toBeNull();
    expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
    expect(client.handshake?.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
    expect(client.handshake?.peerSignatureScheme).toBe("ecdsa_secp256r1_sha256");
    expect(server.handshake?.peerCertificates.length).toBeGreaterThan(0);
    client.write(new TextEncoder().encode("ping"));
    pump(pair);
    expect(new TextDecoder().decode(server.read() ?? new Uint8Array())).toBe("ping");
  });

  it("the 64 KiB GHASH tables are a module: createProvider refuses the string large for gcmTables and names largeGcmTables, which seals as the compact tables do", () => {
    const algorithms = { hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] };
    expect(() => core.createProvider({ ...algorithms, gcmTables: "large" as never })).toThrow("pass gcmTables: largeGcmTables");
    const large = core.createProvider({ ...algorithms, gcmTables: core.largeGcmTables });
    const compact = core.createProvider(algorithms);
    const key = new Uint8Array(16).map((_, i) => i * 7);
    const nonce = new Uint8Array(12).fill(3);
    const aad = new TextEncoder().encode("record header");
    const sealed = (provider: core.CryptoProvider): Uint8Array => {
      const buf = new Uint8Array(64 + 16);
      buf.set(new TextEncoder().encode("a record's worth of data to seal under both GHASH tables, 64 b"));
      provider.aead("AES-128-GCM", key).seal(nonce, aad, buf, 0, 64);
      return buf;
    };
    expect(sealed(large)).toEqual(sealed(compact));
  });

  it("a composed provider carries nothing else: an algorithm it lacks fails, a signature by a key it lacks does not verify", () => {
    const provider = core.createProvider({
      name: "minimal",
      hashes: [core.sha256],
      aeads: [core.aes128gcm],
      keyShares: [core.x25519],
      signatures: [core.ecdsaP256],
    });
    expect(() => provider.hash("SHA-384", new Uint8Array(1))).toThrow('the "minimal" provider has no SHA-384');
    expect(() => provider.aead("CHACHA20-POLY1305", new Uint8Array(32))).toThrow("has no CHACHA20-POLY1305");
    expect(() => provider.generateKeyShare("secp256r1")).toThrow("has no group secp256r1");
    expect(provider.verify({ kind: "ed25519" }, { kind: "ed25519", key: new Uint8Array(32) }, new Uint8Array(1), new Uint8Array(64))).toBe(false);
  });

  it("a core connection without a provider fails and names the option", () => {
    const creds = mutualCredentials("p256");
    const config = { serverName: "localhost", trustAnchors: creds.ca } as unknown as core.ClientConfig;
    expect(() => new core.ClientConnection(config)).toThrow("mutls/core needs config.provider");
  });

  it("CRLs are a module in the core: `crls` without `crlChecking` is a UsageError, with it the CRLs are read", () => {
    const suite = JSON.parse(readFileSync(new URL("../vectors/x509-limbo/x509-limbo.json", import.meta.url), "utf8")) as { testcases: { crls: string[] }[] };
    const crlPem = suite.testcases.flatMap((c) => c.crls)[0];
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const base = {
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    } as const;
    expect(() => new core.ClientConnection({ ...base, crls: crlPem })).toThrow(core.UsageError);
    expect(() => new core.ClientConnection({ ...base, crls: crlPem })).toThrow("pass crlChecking");
    expect(() => new core.ClientConnection({ ...base, crls: crlPem, crlChecking: core.crlChecking })).not.toThrow();
    // The `mutls` entry supplies the module, whether or not the config names its own provider.
    expect(() => new MutlsClientConnection({ ...base, crls: crlPem })).not.toThrow();
    // The module is what reads them: a corrupt CRL fails in its parser.
    expect(() => new core.ClientConnection({ ...base, crls: [Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)], crlChecking: core.crlChecking })).toThrow(
      core.TLSError,
    );
  });

  it("client resumption is a module in the core: tickets, external PSKs and early data without `clientResumption` are a UsageError", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const base = {
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    } as const;
    const asks = [
      { sessionStore: new core.MemorySessionStore() },
      { externalPsk: { identity: "client-1", key: new Uint8Array(32) } },
      { pskKeyExchangeModes: ["psk_dhe_ke"] as const },
      { earlyData: new TextEncoder().encode("GET /") },
    ];
    for (const ask of asks) {
      expect(() => new core.ClientConnection({ ...base, ...ask }), Object.keys(ask)[0]).toThrow(core.UsageError);
      expect(() => new core.ClientConnection({ ...base, ...ask }), Object.keys(ask)[0]).toThrow("pass clientResumption");
      expect(() => new core.ClientConnection({ ...base, ...ask, clientResumption: core.clientResumption }), Object.keys(ask)[0]).not.toThrow();
      // The `mutls` entry supplies the module, whether or not the config names its own provider.
      expect(() => new MutlsClientConnection({ ...base, ...ask }), Object.keys(ask)[0]).not.toThrow();
    }
  });

  it("a core client with `clientResumption` and a session store resumes with a ticket from a pure-provider server", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const sessionStore = new core.MemorySessionStore();
    // The server keeps one config object across connections: its ticket keys belong to it.
    const server = { ...serverConfig(creds), tickets: 1 };
    const connect = () => {
      const client = new core.ClientConnection({
        provider,
        serverName: "localhost",
        trustAnchors: creds.ca,
        certificateChain: creds.clientCert,
        privateKey: creds.clientKey,
        privateKeyReading: core.privateKeyReading,
        cipherSuites: ["TLS_AES_128_GCM_SHA256"],
        groups: ["x25519"],
        signatureSchemes: ["ecdsa_secp256r1_sha256"],
        sessionStore,
        clientResumption: core.clientResumption,
      });
      const pair = { client, server: new ServerConnection(server) };
      pump(pair);
      expect(client.error?.message ?? null).toBeNull();
      return client;
    };
    expect(connect().handshake?.resumed).toBe(false);
    expect(connect().handshake?.resumed).toBe(true);
  });

  it("private-key reading is a module in the core: a PEM or DER key without `privateKeyReading` is a UsageError, a parsed key needs none", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const base = {
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    } as const;
    const der = core.pemCertificates(creds.clientKey.replace(/PRIVATE KEY/g, "CERTIFICATE"))[0];
    const asks = [
      { certificateChain: creds.clientCert, privateKey: creds.clientKey },
      { certificateChain: creds.clientCert, privateKey: der },
      { certificates: [{ certificateChain: creds.clientCert, privateKey: creds.clientKey }] },
    ];
    for (const [i, ask] of asks.entries()) {
      expect(() => new core.ClientConnection({ ...base, ...ask }), `#${i}`).toThrow(core.UsageError);
      expect(() => new core.ClientConnection({ ...base, ...ask }), `#${i}`).toThrow("pass privateKeyReading");
      expect(() => new core.ClientConnection({ ...base, ...ask, privateKeyReading: core.privateKeyReading }), `#${i}`).not.toThrow();
      // The `mutls` entry supplies the module, whether or not the config names its own provider.
      expect(() => new MutlsClientConnection({ ...base, ...ask }), `#${i}`).not.toThrow();
    }
    // The module is what reads keys: a corrupt one fails in its parser, and a key of another certificate is refused.
    expect(
      () =>
        new core.ClientConnection({
          ...base,
          certificateChain: creds.clientCert,
          privateKey: Uint8Array.of(0x30, 0x00),
          privateKeyReading: core.privateKeyReading,
        }),
    ).toThrow(core.TLSError);
    expect(
      () => new core.ClientConnection({ ...base, certificateChain: creds.clientCert, privateKey: creds.serverKey, privateKeyReading: core.privateKeyReading }),
    ).toThrow("privateKey does not match");
    // A parsed key is checked against its certificate without the module.
    expect(() => new core.ClientConnection({ ...base, certificateChain: creds.clientCert, privateKey: core.parsePrivateKey(creds.serverKey) })).toThrow(
      "privateKey does not match",
    );
    expect(() => new core.ClientConnection({ ...base, certificateChain: creds.clientCert, privateKey: core.parsePrivateKey(creds.clientKey) })).not.toThrow();
    // The server's configuration follows the same rule.
    const server = { provider, certificateChain: creds.serverCert, privateKey: creds.serverKey };
    expect(() => new core.ServerConnection(server)).toThrow("pass privateKeyReading");
    expect(() => new core.ServerConnection({ ...server, privateKeyReading: core.privateKeyReading })).not.toThrow();
  });

  it('the webpki profile\'s rules are a module in the core: certificateProfile "webpki" without `webPkiProfile` is a UsageError, with it the CA/B rules apply', () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const base = {
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
      certificateProfile: "webpki",
    } as const;
    expect(() => new core.ClientConnection(base)).toThrow(core.UsageError);
    expect(() => new core.ClientConnection(base)).toThrow("pass webPkiProfile");
    expect(() => new MutlsClientConnection(base)).not.toThrow();
    // With it, the fixture server's CN "localhost (p256)", not one of its SANs, breaks CA/B BR §7.1.4.3.
    const client = new core.ClientConnection({ ...base, webPkiProfile: core.webPkiProfile });
    const server = new ServerConnection({ ...serverConfig(creds), clientAuth: "none" });
    expect(() => pump({ client, server })).toThrow(core.TLSError);
    expect(client.error?.alert).toBe(core.AlertDescription.bad_certificate);
    expect(client.error?.message).toContain("CA/B BR §7.1.4.3");
    // The default profile, "rfc5280", needs no module and accepts the same server.
    const plain = new core.ClientConnection({ ...base, certificateProfile: "rfc5280" });
    const server2 = new ServerConnection({ ...serverConfig(creds), clientAuth: "none" });
    pump({ client: plain, server: server2 });
    expect(plain.error).toBeNull();
    expect(plain.handshakeComplete).toBe(true);
  });

  it("trust-anchor tables are a module in the core: without `trustAnchorPrecomputation` anchors get none, and chains are judged the same", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const without = resolveConfig({ provider, trustAnchors: creds.ca });
    const withTables = resolveConfig({ provider, trustAnchors: creds.ca, trustAnchorPrecomputation: core.trustAnchorPrecomputation });
    expect(without.preparedTrustAnchors.map((a) => a.verifier)).toEqual([null]);
    // The fixture CA is a P-256 key and the provider carries ECDSA P-256: the module builds its table.
    expect(withTables.preparedTrustAnchors[0].verifier).not.toBeNull();
    // The `mutls` entry supplies it.
    expect(resolveConfig(withDefaultProvider<core.ClientConfig>({ provider, trustAnchors: creds.ca })).preparedTrustAnchors[0].verifier).not.toBeNull();
    const chain = core.pemCertificates(creds.serverCert);
    expect(verifyPeerCertificates(without, chain, "server", "localhost").identity).toEqual(
      verifyPeerCertificates(withTables, chain, "server", "localhost").identity,
    );
    // A chain the anchor did not sign is refused alike (the client's certificate, named for another host).
    const refuse = (config: typeof without): string => {
      try {
        verifyPeerCertificates(config, core.pemCertificates(creds.clientCert), "server", "localhost");
        return "accepted";
      } catch (e) {
        return (e as core.TLSError).message;
      }
    };
    expect(refuse(without)).toBe(refuse(withTables));
    expect(refuse(without)).not.toBe("accepted");
  });

  it("chain checks on an asynchronous provider are a module in the core: without `asyncChainVerification` the provider's synchronous verify gives the same verdicts", async () => {
    const creds = mutualCredentials("p256");
    const web = await core.webCryptoProvider();
    const chain = core.pemCertificates(creds.serverCert);
    const stranger = core.pemCertificates(creds.clientCert);
    const verdict = async (config: ReturnType<typeof resolveConfig>, peer: Uint8Array[]): Promise<string> => {
      try {
        return (await verifyPeerCertificatesAsync(config, peer, "server", "localhost", verificationBudget(config))).identity.subject;
      } catch (e) {
        return `${core.alertName((e as core.TLSError).alert)}: ${(e as core.TLSError).message}`;
      }
    };
    const without = resolveConfig({ provider: web, trustAnchors: creds.ca });
    const withModule = resolveConfig({ provider: web, trustAnchors: creds.ca, asyncChainVerification: core.asyncChainVerification });
    // With the module the chain's signatures go to crypto.subtle: the answer is a Promise; without it, at once.
    expect(verifyPeerCertificatesAsync(withModule, chain, "server", "localhost", verificationBudget(withModule))).toBeInstanceOf(Promise);
    expect(verifyPeerCertificatesAsync(without, chain, "server", "localhost", verificationBudget(without))).not.toBeInstanceOf(Promise);
    for (const peer of [chain, stranger]) expect(await verdict(without, peer)).toBe(await verdict(withModule, peer));
    expect(await verdict(without, stranger)).toMatch(/^bad_certificate: /);
    // The `mutls` entry supplies it.
    expect(withDefaultProvider<core.ClientConfig>({ provider: web }).asyncChainVerification).toBe(core.asyncChainVerification);
  });

  describe("the credential hooks are a module in the core", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const clientBase = {
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    } as const;
    const clientPair = { certificateChain: creds.clientCert, privateKey: core.parsePrivateKey(creds.clientKey) };

    it("a hook without `credentialHooks` is a UsageError, on either side", () => {
      const client = { ...clientBase, selectClientCertificate: () => clientPair };
      expect(() => new core.ClientConnection(client)).toThrow(core.UsageError);
      expect(() => new core.ClientConnection(client)).toThrow("selectClientCertificate needs a module: pass credentialHooks");
      expect(() => new core.ClientConnection({ ...client, credentialHooks: core.credentialHooks })).not.toThrow();
      expect(() => new MutlsClientConnection(client)).not.toThrow();
      const server = {
        provider,
        selectCertificate: () => null,
        privateKeyReading: core.privateKeyReading,
        certificateChain: creds.serverCert,
        privateKey: creds.serverKey,
      };
      expect(() => new core.ServerConnection(server)).toThrow("selectCertificate needs a module: pass credentialHooks");
      expect(() => new core.ServerConnection({ ...server, credentialHooks: core.credentialHooks })).not.toThrow();
      expect(() => new ServerConnection(server)).not.toThrow();
    });

    it("with the module, a core client's hook answers the server's CertificateRequest", () => {
      let asked: core.CertificateRequestInfo | null = null;
      const client = new core.ClientConnection({
        ...clientBase,
        credentialHooks: core.credentialHooks,
        selectClientCertificate: (request) => {
          asked = request;
          return clientPair;
        },
      });
      const server = new ServerConnection(serverConfig(creds));
      pump({ client, server });
      expect(client.error?.message ?? null).toBeNull();
      expect(asked).not.toBeNull();
      expect(server.handshake?.peerIdentity?.uris).toEqual(core.parseCertificate(core.pemCertificates(creds.clientCert)[0]).subjectAltName?.uri);
    });

    it("a hook's PEM key needs `privateKeyReading` too: without it the handshake fails with internal_error naming the module", () => {
      const client = new core.ClientConnection({
        ...clientBase,
        credentialHooks: core.credentialHooks,
        selectClientCertificate: () => ({ certificateChain: creds.clientCert, privateKey: creds.clientKey }),
      });
      const server = new ServerConnection(serverConfig(creds));
      expect(() => pump({ client, server })).toThrow(core.TLSError);
      expect(client.error?.alert).toBe(core.AlertDescription.internal_error);
      expect(client.error?.message).toContain("pass privateKeyReading");
    });
  });

  describe("post-handshake authentication is a module in the core", () => {
    const creds = mutualCredentials("p256");
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    const clientBase = {
      provider,
      serverName: "localhost",
      trustAnchors: creds.ca,
      certificateChain: creds.clientCert,
      privateKey: core.parsePrivateKey(creds.clientKey),
      groups: ["x25519"],
      signatureSchemes: ["ecdsa_secp256r1_sha256"],
      cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    } as const;
    const serverBase = { ...serverConfig(creds), provider, clientAuth: "none", privateKey: core.parsePrivateKey(creds.serverKey) } as const;
    const clientUris = core.parseCertificate(core.pemCertificates(creds.clientCert)[0]).subjectAltName?.uri;

    it("a client's postHandshakeAuth without `postHandshakeAuthentication` is a UsageError", () => {
      const client = { ...clientBase, postHandshakeAuth: true };
      expect(() => new core.ClientConnection(client)).toThrow(core.UsageError);
      expect(() => new core.ClientConnection(client)).toThrow("postHandshakeAuth needs a module: pass postHandshakeAuthentication");
      expect(() => new core.ClientConnection({ ...client, postHandshakeAuthentication: core.postHandshakeAuthentication })).not.toThrow();
      expect(() => new MutlsClientConnection(client)).not.toThrow();
      // Not offering it needs no module.
      expect(() => new core.ClientConnection(clientBase)).not.toThrow();
    });

    it("with the module, a core client answers a core server's request after the handshake; without it the server's call is a UsageError", async () => {
      const client = new core.ClientConnection({ ...clientBase, postHandshakeAuth: true, postHandshakeAuthentication: core.postHandshakeAuthentication });
      const server = new core.ServerConnection(serverBase);
      expect((await pumpMemory(client, server)).errors).toEqual([]);
      expect(server.peerOffersPostHandshakeAuth).toBe(true);
      expect(() => server.requestClientCertificate()).toThrow(core.UsageError);
      expect(() => server.requestClientCertificate()).toThrow("pass postHandshakeAuthentication");

      const client2 = new core.ClientConnection({ ...clientBase, postHandshakeAuth: true, postHandshakeAuthentication: core.postHandshakeAuthentication });
      const server2 = new core.ServerConnection({ ...serverBase, postHandshakeAuthentication: core.postHandshakeAuthentication });
      expect((await pumpMemory(client2, server2)).errors).toEqual([]);
      expect(server2.handshake?.peerIdentity).toBeNull();
      const identity = server2.requestClientCertificate();
      expect((await pumpMemory(client2, server2)).errors).toEqual([]);
      expect((await identity)?.uris).toEqual(clientUris);
    });

    it("a core client that did not offer it refuses a post-handshake CertificateRequest with unexpected_message (§4.6.2), as through `mutls`", async () => {
      const client = new core.ClientConnection(clientBase);
      const server = new core.ServerConnection({ ...serverBase, postHandshakeAuthentication: core.postHandshakeAuthentication });
      expect((await pumpMemory(client, server)).errors).toEqual([]);
      expect(server.peerOffersPostHandshakeAuth).toBe(false);
      expect(() => server.requestClientCertificate()).toThrow(/did not offer post_handshake_auth/);
    });
  });

  describe("name constraints are a module in the core: without `nameConstraintChecking` a constrained path is refused, with it judged", () => {
    type LimboCase = {
      id: string;
      trusted_certs: string[];
      untrusted_intermediates: string[];
      peer_certificate: string;
      expected_peer_name: { value: string };
    };
    const suite = JSON.parse(readFileSync(new URL("../vectors/x509-limbo/x509-limbo.json", import.meta.url), "utf8")) as { testcases: LimboCase[] };
    const limbo = (id: string): LimboCase => suite.testcases.find((c) => c.id === id) as LimboCase;
    const provider = core.createProvider({ hashes: [core.sha256], aeads: [core.aes128gcm], keyShares: [core.x25519], signatures: [core.ecdsaP256] });
    /** The server chain of a limbo case judged as a `mutls/core` client configured with `modules` would judge it. */
    const judge = (c: LimboCase, modules: { nameConstraintChecking?: core.NameConstraintChecking }): string => {
      const config = resolveConfig({ provider, trustAnchors: c.trusted_certs.join("\n"), ...modules });
      const chain = [c.peer_certificate, ...c.untrusted_intermediates].flatMap((pem) => core.pemCertificates(pem));
      try {
        verifyPeerCertificates(config, chain, "server", c.expected_peer_name.value);
        return "accepted";
      } catch (e) {
        if (!(e instanceof core.TLSError)) throw e;
        return `${core.alertName(e.alert)}: ${e.message}`;
      }
    };
    // x509-limbo: root -> ICA (excluded subtree: an otherName form) -> EE without such a name: valid.
    const valid = limbo("rfc5280::nc::nc-forbids-othername-noop");
    // x509-limbo: root -> ICA (excluded: bar.example.com) -> EE (SAN *.example.com), for bar.example.com: invalid.
    const violating = limbo("rfc5280::nc::nc-forbids-dnsname-wildcard-san");

    it("with the module, the constraints are applied as x509-limbo expects", () => {
      expect(judge(valid, { nameConstraintChecking: core.nameConstraintChecking })).toBe("accepted");
      expect(judge(violating, { nameConstraintChecking: core.nameConstraintChecking })).toMatch(/^bad_certificate: .*violates the name constraint/);
      // The `mutls` entry supplies the module, as to every configuration.
      const { nameConstraintChecking } = withDefaultProvider<core.ClientConfig>({ provider });
      expect(nameConstraintChecking).toBe(core.nameConstraintChecking);
      expect(judge(violating, { nameConstraintChecking })).toMatch(/^bad_certificate: .*violates the name constraint/);
    });

    it("without it, both chains are refused as carrying a constraint mutls cannot check (RFC 5280 §4.2), never accepted", () => {
      for (const c of [valid, violating]) {
        const verdict = judge(c, {});
        expect(verdict, c.id).toMatch(/^unsupported_certificate: .*has name constraints/);
        expect(verdict, c.id).toContain("pass nameConstraintChecking");
      }
    });

    // The WebCrypto provider takes the asynchronous path (x509/async-verify.ts): the chain's
    // signatures on crypto.subtle, the search answered optimistically first. It must carry the
    // module to that search, or a constrained chain would be refused through `mutls`.
    it("on the asynchronous path (WebCrypto provider) the module is applied the same way", async () => {
      const web = await core.webCryptoProvider();
      const judgeAsync = async (c: LimboCase, modules: { nameConstraintChecking?: core.NameConstraintChecking }): Promise<string> => {
        const config = resolveConfig({
          provider: web,
          trustAnchors: c.trusted_certs.join("\n"),
          asyncChainVerification: core.asyncChainVerification,
          ...modules,
        });
        const chain = [c.peer_certificate, ...c.untrusted_intermediates].flatMap((pem) => core.pemCertificates(pem));
        try {
          await verifyPeerCertificatesAsync(config, chain, "server", c.expected_peer_name.value, verificationBudget(config));
          return "accepted";
        } catch (e) {
          if (!(e instanceof core.TLSError)) throw e;
          return `${core.alertName(e.alert)}: ${e.message}`;
        }
      };
      const modules = { nameConstraintChecking: core.nameConstraintChecking };
      for (const c of [valid, violating]) {
        expect(await judgeAsync(c, modules), c.id).toBe(judge(c, modules));
        expect(await judgeAsync(c, {}), c.id).toBe(judge(c, {}));
      }
      expect(await judgeAsync(valid, modules)).toBe("accepted");
    });

    it("without it, the engine reads a constrained certificate only as far as keeping the extension, which the module's check still parses", () => {
      const ica = core.pemCertificates(violating.untrusted_intermediates[0])[0];
      const leaf = core.pemCertificates(violating.peer_certificate)[0];
      const lean = resolveConfig({ provider, trustAnchors: violating.trusted_certs.join("\n") });
      const full = resolveConfig({ provider, trustAnchors: violating.trusted_certs.join("\n"), nameConstraintChecking: core.nameConstraintChecking });
      const leanIca = lean.peerCertificates.parse(ica);
      expect(leanIca.nameConstraints?.unparsed).toBeInstanceOf(Uint8Array);
      expect(leanIca.nameConstraints?.excluded).toBeNull();
      const parsedIca = full.peerCertificates.parse(ica);
      expect(parsedIca.nameConstraints?.unparsed).toBeUndefined();
      expect(parsedIca.nameConstraints?.excluded?.dns).toEqual(["bar.example.com"]);
      // The public parser always reads them.
      expect(core.parseCertificate(ica).nameConstraints).toEqual(parsedIca.nameConstraints);
      // A certificate read without the parser, handed to the module's check anyway, is judged as a parsed one.
      const verdict = core.nameConstraintChecking.check([lean.peerCertificates.parse(leaf), leanIca], lean.trustAnchors[0]);
      expect(verdict?.message).toMatch(/violates the name constraint/);
      expect(verdict).toEqual(core.nameConstraintChecking.check([full.peerCertificates.parse(leaf), parsedIca], full.trustAnchors[0]));
    });

    it("a chain without name constraints does not need the module", () => {
      const creds = mutualCredentials("p256");
      const config = resolveConfig({ provider, trustAnchors: creds.ca });
      expect(verifyPeerCertificates(config, core.pemCertificates(creds.serverCert), "server", "localhost").leaf).toBeDefined();
    });
  });
});

describe("the tools' entries: mutls/fetch, mutls/fetch/core, mutls/ca", () => {
  const TOOLS = [
    "mtlsFetch",
    "createConnectionPool",
    "ConnectionPool",
    "HttpError",
    "DEFAULT_HTTP_LIMITS",
    "createCertificateAuthority",
    "issueCertificate",
    "loadCertificateAuthority",
    "createCertificateSigningRequest",
  ];

  it("the TLS engine's entries export neither the HTTP client nor the development CA", async () => {
    const mutls = await import("../src/index.js");
    const nodeEntry = await import("../src/node/entry.js");
    for (const entry of [core, mutls, nodeEntry]) expect(TOOLS.filter((name) => name in entry)).toEqual([]);
  });

  it("package.json resolves mutls/fetch under the same conditions as mutls (the native default in Node), and each tool entry to its file", () => {
    type Conditions = Record<string, string>;
    const { exports } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { exports: Record<string, Conditions> };
    const asFetch = (path: string) => path.replace(/index(\.d\.ts|\.js)$/, "fetch$1").replace("node/entry.js", "node/fetch.js");
    expect(exports["./fetch"]).toEqual(Object.fromEntries(Object.entries(exports["."]).map(([condition, path]) => [condition, asFetch(path)])));
    expect(exports["./fetch/core"]).toEqual({ types: "./dist/fetch-core.d.ts", default: "./dist/fetch-core.js" });
    expect(exports["./ca"]).toEqual({ types: "./dist/ca.d.ts", default: "./dist/ca.js" });
  });

  it("mtlsFetch of mutls/fetch/core, with a composed provider, bundles without the default providers; mutls/fetch's brings them", async () => {
    const bundle = async (contents: string): Promise<string[]> => {
      const result = await build({
        stdin: { contents, resolveDir: fileURLToPath(new URL(".", import.meta.url)), loader: "ts" },
        bundle: true,
        minify: true,
        platform: "browser",
        format: "esm",
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      return Object.values(result.metafile.outputs).flatMap((output) =>
        Object.entries(output.inputs)
          .filter(([, info]) => info.bytesInOutput > 0)
          .map(([path]) => path),
      );
    };
    const DEFAULTS = ["src/crypto/pure.ts", "src/crypto/webcrypto/provider.ts", "src/default-provider.ts"];
    const composed = await bundle(`
      import { createProvider, sha256, aes128gcm, x25519Compact, ecdsaP256 } from "../src/core.js";
      import { mtlsFetch } from "../src/fetch-core.js";
      const provider = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519Compact], signatures: [ecdsaP256] });
      export const get = (url: string, transport: never) => mtlsFetch(url, { transport, config: { provider } });`);
    expect(composed.some((p) => p.includes("src/http/fetch.ts"))).toBe(true);
    expect(composed.filter((p) => DEFAULTS.some((name) => p.includes(name)))).toEqual([]);
    const defaulted = await bundle(`export { mtlsFetch } from "../src/fetch.js";`);
    for (const name of DEFAULTS)
      expect(
        defaulted.some((p) => p.includes(name)),
        name,
      ).toBe(true);
  });
});
