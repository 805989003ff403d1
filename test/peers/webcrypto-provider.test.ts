/**
 * The WebCrypto provider (`webCryptoProvider()`, Node's crypto.subtle) in the engine's handshake
 * against OpenSSL's s_server/s_client and Node's tls, in both roles, always with mutual
 * authentication. Every cipher suite (AES-128-GCM and AES-256-GCM; ChaCha20-Poly1305 falls back to
 * the pure code), every group WebCrypto has here (P-256, P-384, X25519) and every certificate key
 * type (ECDSA P-256/P-384, Ed25519, RSA-PSS) appear; each key type meets each group once, with the
 * suites in turn. The peers are the oracle: they verify our certificate and CertificateVerify
 * (-verify_return_error, rejectUnauthorized) and read our data; we check theirs. A counter around
 * the provider proves the steps waited on crypto.subtle (Promises), not on the pure fallback.
 *
 * X25519MLKEM768 has no peer here (OpenSSL 3.0 and Node 20's OpenSSL lack ML-KEM): the Chromium
 * test (chromium-pq.test.ts) takes the WebCrypto server through it.
 */
import type * as tls from "node:tls";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import { isPromise, type AsyncCryptoOperations, type CryptoProvider, type GroupName } from "../../src/crypto/provider.js";
import { webCryptoProvider, type WebCryptoProvider } from "../../src/index.js";
import { CA_PEM, KEY_TYPES, clientCredential, serverCredential, type KeyType } from "../helpers/fixtures.js";
import { nodeClient, nodeServerOnce } from "../helpers/node-tls.js";
import { connectToNode, serveOnce, type ClientConfig, type ServerConfig } from "../helpers/pump.js";
import { CA, type Peer, cert, freePort, key, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;
type Suite = (typeof SUITES)[number];

/** Our group name, OpenSSL's -groups name and Node's ecdhCurve, and how s_client prints the temp key. */
const GROUPS = [
  { ours: "secp256r1", openssl: "P-256", tempKey: "ECDH, prime256v1" },
  { ours: "secp384r1", openssl: "P-384", tempKey: "ECDH, secp384r1" },
  { ours: "x25519", openssl: "X25519", tempKey: "X25519" },
] as const satisfies readonly { ours: GroupName; openssl: string; tempKey: string }[];
type Group = (typeof GROUPS)[number];

/** The TLS 1.3 scheme a peer signs CertificateVerify with for each key type, and how OpenSSL names its type. */
const SCHEME = { p256: "ecdsa_secp256r1_sha256", p384: "ecdsa_secp384r1_sha384", ed25519: "ed25519", rsa2048: "rsa_pss_rsae_sha256" } as const;
const OPENSSL_SIGNATURE_TYPE = { p256: "ECDSA", p384: "ECDSA", ed25519: "ed25519", rsa2048: "RSA-PSS" } as const;

interface Case {
  readonly keyType: KeyType;
  readonly group: Group;
  readonly suite: Suite;
}
const CASES: readonly Case[] = KEY_TYPES.flatMap((keyType, k) => GROUPS.map((group, g) => ({ keyType, group, suite: SUITES[(k + g) % SUITES.length] })));
const title = (c: Case): string => `${c.keyType} certificates, ${c.group.ours}, ${c.suite}`;

const FROM_MUTLS = "ping from the WebCrypto provider";
const FROM_PEER = "pong from the peer";
const TIMEOUT = 30_000;

// ---------------------------------------------------------------------------------------------
// The provider, with a count of the operations that answered with a Promise
// ---------------------------------------------------------------------------------------------

let web: WebCryptoProvider;
beforeAll(async () => {
  // Without spare key shares, so that every key share is generated, and waited on, inside the
  // handshake that uses it: the counts below prove each step went to crypto.subtle. (A spare is a
  // share made the same way earlier; test/crypto/spare-key-shares.test.ts covers handing them out,
  // and the record and runtime-matrix peers run the default provider, spares on.)
  web = await webCryptoProvider({ spareKeyShares: false });
  console.log(`crypto.subtle here: ${web.webCryptoAlgorithms.join(", ")}`);
});

type Counts = Record<"generateKeyShare" | "deriveSharedSecret" | "verify" | "sign", number>;

/** `web`, with every asynchronous answer that is a Promise counted per operation. */
function countedProvider(counts: Counts): CryptoProvider {
  const inner: AsyncCryptoOperations = web.asynchronous;
  const count = <T>(name: keyof Counts, value: T): T => {
    if (isPromise(value)) counts[name]++;
    return value;
  };
  const asynchronous: AsyncCryptoOperations = {
    generateKeyShare: (group) => {
      const share = inner.generateKeyShare(group);
      const wrap = (s: Awaited<typeof share>) => ({
        group: s.group,
        publicKey: s.publicKey,
        deriveSharedSecret: (peer: Uint8Array) => count("deriveSharedSecret", s.deriveSharedSecret(peer)),
      });
      return isPromise(share) ? count("generateKeyShare", share.then(wrap)) : wrap(share);
    },
    aead: (algorithm, k) => inner.aead(algorithm, k),
    verify: (algorithm, k, message, signature) => count("verify", inner.verify(algorithm, k, message, signature)),
    sign: (algorithm, k, message) => count("sign", inner.sign(algorithm, k, message)),
  };
  return { ...web, asynchronous };
}

const zeroCounts = (): Counts => ({ generateKeyShare: 0, deriveSharedSecret: 0, verify: 0, sign: 0 });

/**
 * Every step that computes waited on crypto.subtle: our key share and its Diffie-Hellman, the
 * peer's chain (the test CA's ECDSA P-256 signature on its leaf, x509/async-verify.ts) and its
 * CertificateVerify, ours.
 */
function expectWaitedOnSubtle(counts: Counts, c: Case): void {
  const native = new Set<string>(web.webCryptoAlgorithms);
  const group = { secp256r1: "ECDH P-256", secp384r1: "ECDH P-384", x25519: "X25519" }[c.group.ours];
  const signature = { p256: "ECDSA P-256", p384: "ECDSA P-384", ed25519: "Ed25519", rsa2048: "RSA-PSS" }[c.keyType];
  const expected: Counts = {
    generateKeyShare: native.has(group) ? 1 : 0,
    deriveSharedSecret: native.has(group) ? 1 : 0,
    verify: (native.has("ECDSA P-256") ? 1 : 0) + (native.has(signature) ? 1 : 0),
    sign: native.has(signature) ? 1 : 0,
  };
  expect(counts).toEqual(expected);
  // Node's crypto.subtle has every one of these; a runtime without one would take the pure path.
  expect(expected).toEqual({ generateKeyShare: 1, deriveSharedSecret: 1, verify: 2, sign: 1 });
}

function ourClientConfig(c: Case, provider: CryptoProvider): ClientConfig {
  const client = clientCredential(c.keyType);
  return {
    provider,
    serverName: "localhost",
    trustAnchors: CA_PEM,
    certificateChain: client.certPem,
    privateKey: client.keyPem,
    cipherSuites: [c.suite],
    groups: [c.group.ours],
    keyShareGroups: [c.group.ours],
  };
}

function ourServerConfig(c: Case, provider: CryptoProvider): ServerConfig {
  const server = serverCredential(c.keyType);
  return {
    provider,
    certificateChain: server.certPem,
    privateKey: server.keyPem,
    clientAuth: "require",
    trustAnchors: CA_PEM,
    cipherSuites: [c.suite],
    groups: [c.group.ours],
  };
}

// ---------------------------------------------------------------------------------------------
// OpenSSL
// ---------------------------------------------------------------------------------------------

describe("WebCrypto provider, client -> openssl s_server (mutual)", () => {
  it.each(CASES.map((c) => [title(c), c] as const))(
    "%s",
    async (_title, c) => {
      const port = await freePort();
      const server: Peer = startProcess("openssl s_server", "openssl", [
        "s_server",
        "-accept",
        `127.0.0.1:${port}`,
        "-naccept",
        "1",
        "-CAfile",
        CA,
        "-Verify",
        "2",
        "-verify_return_error",
        "-tls1_3",
        "-cert",
        cert(`server-${c.keyType}`),
        "-key",
        key(`server-${c.keyType}`),
        "-groups",
        c.group.openssl,
        "-ciphersuites",
        c.suite,
      ]);
      await server.waitFor(/ACCEPT/);
      const counts = zeroCounts();
      const session = await connectToNode(port, ourClientConfig(c, countedProvider(counts)));
      try {
        await session.handshake();
        await session.write(`${FROM_MUTLS}\n`);
        await server.waitFor(new RegExp(FROM_MUTLS));
        server.write(`${FROM_PEER}\n`);
        expect(await session.readText(FROM_PEER.length + 1)).toBe(`${FROM_PEER}\n`);
        await session.close();
      } finally {
        session.destroy();
      }
      const result = session.conn.handshake!;
      expect(result.cipherSuite).toBe(c.suite);
      expect(result.group).toBe(c.group.ours);
      expect(result.peerSignatureScheme).toBe(SCHEME[c.keyType]);
      expect(toHex(result.peerCertificates[0])).toBe(toHex(serverCredential(c.keyType).certDer));
      // OpenSSL verified our chain (-verify_return_error) and our CertificateVerify.
      expect(server.stdout).toContain(`CIPHER is ${c.suite}`);
      expect(server.stdout).toContain(`subject=O = mutls tests, CN = client ${c.keyType}`);
      expect(server.stdout).toContain(`Peer signature type: ${OPENSSL_SIGNATURE_TYPE[c.keyType]}`);
      expectWaitedOnSubtle(counts, c);
    },
    TIMEOUT,
  );
});

describe("openssl s_client -> WebCrypto provider, server (mutual)", () => {
  it.each(CASES.map((c) => [title(c), c] as const))(
    "%s",
    async (_title, c) => {
      const counts = zeroCounts();
      const { port, done } = await serveOnce(ourServerConfig(c, countedProvider(counts)), async (session) => {
        await session.handshake();
        const received = await session.readText(FROM_PEER.length + 1);
        await session.write(`${FROM_MUTLS}\n`);
        await session.peerClose();
        await session.close();
        return received;
      });
      const client = startProcess("openssl s_client", "openssl", [
        "s_client",
        "-connect",
        `127.0.0.1:${port}`,
        "-servername",
        "localhost",
        "-CAfile",
        CA,
        "-verify_return_error",
        "-cert",
        cert(`client-${c.keyType}`),
        "-key",
        key(`client-${c.keyType}`),
        "-groups",
        c.group.openssl,
        "-ciphersuites",
        c.suite,
      ]);
      await client.waitFor(/Verify return code: 0 \(ok\)/);
      client.write(`${FROM_PEER}\n`);
      await client.waitFor(new RegExp(`^${FROM_MUTLS}$`, "m"));
      client.endStdin();
      const { session, value: received } = await done;
      expect(received).toBe(`${FROM_PEER}\n`);
      const result = session.conn.handshake!;
      expect(result.cipherSuite).toBe(c.suite);
      expect(result.group).toBe(c.group.ours);
      expect(result.peerSignatureScheme).toBe(SCHEME[c.keyType]);
      expect(result.peerIdentity?.uris).toEqual([`spiffe://mutls.test/client/${c.keyType}`]);
      // OpenSSL verified our chain and CertificateVerify, and agrees on the suite and the group.
      expect(client.stdout).toContain(`New, TLSv1.3, Cipher is ${c.suite}`);
      expect(client.stdout).toContain(`Server Temp Key: ${c.group.tempKey}`);
      expect(client.stdout).toContain(`Peer signature type: ${OPENSSL_SIGNATURE_TYPE[c.keyType]}`);
      expectWaitedOnSubtle(counts, c);
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// Node's tls
// ---------------------------------------------------------------------------------------------

describe("WebCrypto provider, client -> Node tls server (mutual)", () => {
  it.each(CASES.map((c) => [title(c), c] as const))(
    "%s",
    async (_title, c) => {
      const server = serverCredential(c.keyType);
      const client = clientCredential(c.keyType);
      const options: tls.TlsOptions = {
        requestCert: true,
        rejectUnauthorized: true,
        ca: CA_PEM,
        cert: server.certPem,
        key: server.keyPem,
        minVersion: "TLSv1.3",
        ciphers: c.suite,
        ecdhCurve: c.group.openssl,
      };
      const { port, outcome } = await nodeServerOnce(options, { greeting: FROM_PEER });
      const counts = zeroCounts();
      const session = await connectToNode(port, ourClientConfig(c, countedProvider(counts)));
      try {
        await session.handshake();
        await session.write(FROM_MUTLS);
        expect(await session.readText(FROM_PEER.length)).toBe(FROM_PEER);
        await session.close();
      } finally {
        session.destroy();
      }
      const node = await outcome;
      const result = session.conn.handshake!;
      expect(node.errors).toEqual([]);
      expect(node.authorized).toBe(true);
      expect(toHex(node.peerCertificate!)).toBe(toHex(client.certDer));
      expect(node.received).toBe(FROM_MUTLS);
      expect(node.cipher).toBe(c.suite);
      expect(result.cipherSuite).toBe(c.suite);
      expect(result.group).toBe(c.group.ours);
      expect(result.peerSignatureScheme).toBe(SCHEME[c.keyType]);
      expect(toHex(result.peerCertificates[0])).toBe(toHex(server.certDer));
      expectWaitedOnSubtle(counts, c);
    },
    TIMEOUT,
  );
});

describe("Node tls client -> WebCrypto provider, server (mutual)", () => {
  it.each(CASES.map((c) => [title(c), c] as const))(
    "%s",
    async (_title, c) => {
      const server = serverCredential(c.keyType);
      const client = clientCredential(c.keyType);
      const counts = zeroCounts();
      const { port, done } = await serveOnce(ourServerConfig(c, countedProvider(counts)), async (session) => {
        await session.handshake();
        await session.write(FROM_MUTLS);
        const received = await session.readText(FROM_PEER.length);
        await session.peerClose();
        await session.close();
        return received;
      });
      const node = await nodeClient(
        port,
        {
          servername: "localhost",
          ca: CA_PEM,
          cert: client.certPem,
          key: client.keyPem,
          minVersion: "TLSv1.3",
          ciphers: c.suite,
          ecdhCurve: c.group.openssl,
        },
        { send: FROM_PEER, expect: FROM_MUTLS.length },
      );
      const { session, value: received } = await done;
      const result = session.conn.handshake!;
      expect(node.errors).toEqual([]);
      expect(node.authorized).toBe(true);
      expect(node.received).toBe(FROM_MUTLS);
      expect(node.cipher).toBe(c.suite);
      expect(node.ephemeralKeyName).toBe(c.group.ours === "x25519" ? "X25519" : c.group.ours === "secp256r1" ? "prime256v1" : "secp384r1");
      expect(toHex(node.peerCertificate!)).toBe(toHex(server.certDer));
      expect(received).toBe(FROM_PEER);
      expect(result.cipherSuite).toBe(c.suite);
      expect(result.peerSignatureScheme).toBe(SCHEME[c.keyType]);
      expect(toHex(result.peerCertificates[0])).toBe(toHex(client.certDer));
      expectWaitedOnSubtle(counts, c);
    },
    TIMEOUT,
  );
});
