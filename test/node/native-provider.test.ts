/**
 * The native provider (node:crypto) against the pure provider, which is itself checked against
 * published vectors: (a) every primitive on random inputs, byte for byte where the primitive is
 * deterministic and cross-verified where it is randomized; (b) complete mutual handshakes in
 * memory with native on one side and pure on the other, and native on both; (c) the native
 * provider against Node's own `tls` (OpenSSL) over loopback.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import type {
  AeadAlgorithm,
  CryptoProvider,
  GroupName,
  HashName,
  PrivateKey,
  PublicKey,
  SignatureAlgorithm,
} from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { nativeProvider } from "../../src/node/index.js";
import { parseCertificate, parsePrivateKey } from "../../src/x509/index.js";
import {
  CA_PEM,
  KEY_TYPES,
  type KeyType,
  clientCredential,
  clientSpiffeId,
  credential,
  serverCredential,
} from "../helpers/fixtures.js";
import { nodeClient, nodeServerOnce } from "../helpers/node-tls.js";
import { type ClientConfig, type ServerConfig, connectToNode, pumpMemory, readAll, serveOnce } from "../helpers/pump.js";

const HASHES: HashName[] = ["SHA-256", "SHA-384", "SHA-512"];
const AEADS: AeadAlgorithm[] = ["AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305"];
// The classical groups, which Node's tls also speaks; X25519MLKEM768 is covered in test/session/pq-*.
const GROUPS: Exclude<GroupName, "X25519MLKEM768">[] = ["x25519", "secp256r1", "secp384r1"];
const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;
const RUNS = { numRuns: 40 };
const TIMEOUT = { timeout: 60_000 };

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
const keyLength = (a: AeadAlgorithm): number => (a === "AES-128-GCM" ? 16 : 32);
const thrown = (call: () => unknown): unknown => {
  try {
    call();
  } catch (e) {
    return e;
  }
  return null;
};

// ---------------------------------------------------------------------------------------------
// (a) primitives, native against pure
// ---------------------------------------------------------------------------------------------

describe("native provider primitives match the pure provider", () => {
  it("returns plain Uint8Arrays, never Buffers (the core relies on slice() copying)", () => {
    const outputs = [
      nativeProvider.hash("SHA-256", new Uint8Array(3)),
      nativeProvider.hmac("SHA-256", new Uint8Array(3), new Uint8Array(3)),
      nativeProvider.hkdfExpand("SHA-256", new Uint8Array(32), new Uint8Array(0), 40),
      nativeProvider.randomBytes(16),
      nativeProvider.generateKeyShare("x25519").publicKey,
      nativeProvider.generateKeyShare("secp256r1").publicKey,
    ];
    for (const out of outputs) expect(Buffer.isBuffer(out)).toBe(false);
  });

  it.each(HASHES)("%s: one-shot and incremental hashing (digest leaves the state open, clone forks it)", (name) => {
    fc.assert(
      fc.property(fc.array(bytes(300), { maxLength: 5 }), (parts) => {
        const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => (whole.set(p, at), at + p.length), 0);
        expect(nativeProvider.hash(name, whole)).toEqual(pureProvider.hash(name, whole));
        const native = nativeProvider.createHash(name);
        const pure = pureProvider.createHash(name);
        for (const p of parts) {
          native.update(p);
          pure.update(p);
          expect(native.digest()).toEqual(pure.digest());
        }
        const fork = native.clone();
        fork.update(Uint8Array.of(1));
        pure.clone().update(Uint8Array.of(1));
        expect(native.digest()).toEqual(pure.digest());
        const pureFork = pure.clone();
        pureFork.update(Uint8Array.of(1));
        expect(fork.digest()).toEqual(pureFork.digest());
      }),
      RUNS,
    );
  });

  it.each(HASHES)("%s: HMAC, HKDF-Extract (including the empty salt) and HKDF-Expand", (name) => {
    fc.assert(
      fc.property(bytes(200), bytes(300), bytes(80), bytes(100), fc.integer({ min: 0, max: 600 }), (key, data, salt, info, length) => {
        expect(nativeProvider.hmac(name, key, data)).toEqual(pureProvider.hmac(name, key, data));
        const prk = nativeProvider.hkdfExtract(name, salt, data);
        expect(prk).toEqual(pureProvider.hkdfExtract(name, salt, data));
        expect(nativeProvider.hkdfExtract(name, new Uint8Array(0), data)).toEqual(pureProvider.hkdfExtract(name, new Uint8Array(0), data));
        expect(nativeProvider.hkdfExpand(name, prk, info, length)).toEqual(pureProvider.hkdfExpand(name, prk, info, length));
      }),
      RUNS,
    );
  });

  it("HKDF-Expand refuses what RFC 5869 §2.3 forbids, as TLSError internal_error like the pure provider", () => {
    const prk = new Uint8Array(32);
    for (const provider of [nativeProvider, pureProvider]) {
      for (const call of [
        () => provider.hkdfExpand("SHA-256", prk, new Uint8Array(0), 255 * 32 + 1),
        () => provider.hkdfExpand("SHA-256", prk.subarray(0, 31), new Uint8Array(0), 32),
      ]) {
        const e = thrown(call);
        expect(e).toBeInstanceOf(TLSError);
        expect((e as TLSError).alertName).toBe("internal_error");
      }
    }
    expect(nativeProvider.hkdfExpand("SHA-256", prk, new Uint8Array(0), 255 * 32)).toEqual(
      pureProvider.hkdfExpand("SHA-256", prk, new Uint8Array(0), 255 * 32),
    );
  });

  it.each(AEADS)("%s: in-place seal is byte-identical, each opens the other's records, tampering fails both", (algorithm) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLength(algorithm), maxLength: keyLength(algorithm) }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        bytes(40),
        bytes(700),
        fc.integer({ min: 0, max: 20 }),
        fc.nat(),
        (key, nonce, aad, plaintext, offset, flip) => {
          const native = nativeProvider.aead(algorithm, key);
          const pure = pureProvider.aead(algorithm, key);
          const size = offset + plaintext.length + 16 + 3;
          const a = new Uint8Array(size).fill(0xee);
          a.set(plaintext, offset);
          const b = a.slice();
          native.seal(nonce, aad, a, offset, plaintext.length);
          pure.seal(nonce, aad, b, offset, plaintext.length);
          expect(a).toEqual(b); // bytes around the record are untouched too

          const sealed = a.slice();
          expect(pure.open(nonce, aad, a, offset, plaintext.length + 16)).toBe(true);
          expect(a.subarray(offset, offset + plaintext.length)).toEqual(plaintext);
          expect(native.open(nonce, aad, b, offset, plaintext.length + 16)).toBe(true);
          expect(b.subarray(offset, offset + plaintext.length)).toEqual(plaintext);

          const bad = sealed.slice();
          bad[offset + (flip % (plaintext.length + 16))] ^= 0x01;
          const bad2 = bad.slice();
          expect(native.open(nonce, aad, bad, offset, plaintext.length + 16)).toBe(false);
          expect(pure.open(nonce, aad, bad2, offset, plaintext.length + 16)).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it("AEAD keys are copied: changing the caller's key buffer later changes nothing", () => {
    const key = new Uint8Array(16).fill(7);
    const native = nativeProvider.aead("AES-128-GCM", key);
    const pure = pureProvider.aead("AES-128-GCM", key.slice());
    key.fill(0);
    const a = new Uint8Array(21);
    const b = new Uint8Array(21);
    native.seal(new Uint8Array(12), new Uint8Array(0), a, 0, 5);
    pure.seal(new Uint8Array(12), new Uint8Array(0), b, 0, 5);
    expect(a).toEqual(b);
  });

  it("AEAD misuse (wrong key or nonce length, no room for the tag) is a TLSError, as in the pure provider", () => {
    for (const provider of [nativeProvider, pureProvider]) {
      const aead = provider.aead("AES-128-GCM", new Uint8Array(16));
      for (const call of [
        () => provider.aead("AES-128-GCM", new Uint8Array(15)),
        () => aead.seal(new Uint8Array(11), new Uint8Array(0), new Uint8Array(40), 0, 4),
        () => aead.seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(19), 0, 4),
      ]) {
        expect(thrown(call)).toBeInstanceOf(TLSError);
      }
      expect(aead.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15), 0, 15)).toBe(false);
    }
  });

  it.each(GROUPS)("%s: native and pure key shares agree on the shared secret", (group) => {
    for (let i = 0; i < 8; i++) {
      const native = nativeProvider.generateKeyShare(group);
      const pure = pureProvider.generateKeyShare(group);
      expect(native.group).toBe(group);
      expect(native.publicKey.length).toBe(pure.publicKey.length);
      const a = native.deriveSharedSecret(pure.publicKey);
      expect(a).not.toBeNull();
      expect(a).toEqual(pure.deriveSharedSecret(native.publicKey));
      const other = nativeProvider.generateKeyShare(group);
      expect(native.deriveSharedSecret(other.publicKey)).toEqual(other.deriveSharedSecret(native.publicKey));
    }
  });

  it.each(GROUPS)("%s: invalid peer values are null for both providers (RFC 8446 §4.2.8.2, §7.4.2)", (group) => {
    const native = nativeProvider.generateKeyShare(group);
    const pure = pureProvider.generateKeyShare(group);
    const length = native.publicKey.length;
    const offCurve = pure.publicKey.slice();
    offCurve[length - 1] ^= 1;
    const compressed = pure.publicKey.slice(0, (length + 1) / 2);
    compressed[0] = 0x02 | (pure.publicKey[length - 1] & 1);
    const candidates =
      group === "x25519"
        ? [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31)), new Uint8Array(31), new Uint8Array(33)]
        : [offCurve, compressed, new Uint8Array(length), pure.publicKey.subarray(1), Uint8Array.of(0)];
    for (const bad of candidates) {
      expect(native.deriveSharedSecret(bad)).toBeNull();
      expect(pure.deriveSharedSecret(bad)).toBeNull();
    }
  });

  it("randomBytes gives the lengths asked for, and fresh values", () => {
    for (const n of [0, 1, 32, 65536, 70000]) expect(nativeProvider.randomBytes(n).length).toBe(n);
    expect(nativeProvider.randomBytes(32)).not.toEqual(nativeProvider.randomBytes(32));
    expect(thrown(() => nativeProvider.randomBytes(-1))).toBeInstanceOf(TLSError);
  });
});

// ---------------------------------------------------------------------------------------------
// (a) signatures, cross-verified
// ---------------------------------------------------------------------------------------------

interface SigningCase {
  type: KeyType;
  algorithms: SignatureAlgorithm[];
  /** Same signature from both providers (Ed25519: RFC 8032; PKCS#1 v1.5: RFC 8017 §8.2). */
  deterministic: boolean[];
}

const SIGNING: SigningCase[] = [
  { type: "p256", algorithms: [{ kind: "ecdsa", hash: "SHA-256" }, { kind: "ecdsa", hash: "SHA-384" }], deterministic: [false, false] },
  { type: "p384", algorithms: [{ kind: "ecdsa", hash: "SHA-384" }, { kind: "ecdsa", hash: "SHA-256" }], deterministic: [false, false] },
  { type: "ed25519", algorithms: [{ kind: "ed25519" }], deterministic: [true] },
  {
    type: "rsa2048",
    algorithms: [
      { kind: "rsa-pss", hash: "SHA-256", saltLength: 32 },
      { kind: "rsa-pss", hash: "SHA-512", saltLength: 64 },
      { kind: "rsa-pkcs1", hash: "SHA-256" },
    ],
    deterministic: [false, false, true],
  },
];

function keysOf(type: KeyType): { privateKey: PrivateKey; publicKey: PublicKey } {
  const c = clientCredential(type);
  const publicKey = parseCertificate(c.certDer).publicKey;
  if (publicKey === null) throw new Error(`no public key in client-${type}`);
  return { privateKey: parsePrivateKey(c.keyPem), publicKey };
}

describe("native signatures verify under the pure provider and the other way round", () => {
  it.each(SIGNING)("$type", ({ type, algorithms, deterministic }) => {
    const { privateKey, publicKey } = keysOf(type);
    const wrongKey = keysOf(type === "p256" ? "p384" : "p256").publicKey;
    const rounds = type === "rsa2048" ? 2 : 5;
    algorithms.forEach((algorithm, i) => {
      for (let round = 0; round < rounds; round++) {
        const message = nativeProvider.randomBytes(round * 37);
        const byNative = nativeProvider.sign(algorithm, privateKey, message);
        const byPure = pureProvider.sign(algorithm, privateKey, message);
        if (deterministic[i]) expect(byNative).toEqual(byPure);
        for (const [verifier, signature] of [
          [pureProvider, byNative],
          [nativeProvider, byPure],
          [nativeProvider, byNative],
        ] as [CryptoProvider, Uint8Array][]) {
          expect(verifier.verify(algorithm, publicKey, message, signature)).toBe(true);
          const tampered = signature.slice();
          tampered[tampered.length >> 1] ^= 0x10;
          expect(verifier.verify(algorithm, publicKey, message, tampered)).toBe(false);
          expect(verifier.verify(algorithm, publicKey, Uint8Array.of(...message, 0), signature)).toBe(false);
          expect(verifier.verify(algorithm, wrongKey, message, signature)).toBe(false);
        }
      }
    });
  });

  it("verifies every fixture certificate's CA signature exactly as the pure provider does", () => {
    const ca = parseCertificate(credential("ca").certDer);
    for (const name of ["server-p256", "client-ed25519", "server-rsa2048", "client-p384", "untrusted-server"]) {
      const cert = parseCertificate(credential(name).certDer);
      const args = [cert.signatureAlgorithm!, ca.publicKey!, cert.tbs, cert.signature] as const;
      expect(nativeProvider.verify(...args)).toBe(pureProvider.verify(...args));
      expect(nativeProvider.verify(...args)).toBe(!name.startsWith("untrusted"));
    }
  });

  it("refuses keys that do not fit the algorithm: false for verify, TLSError for sign", () => {
    const ed = keysOf("ed25519");
    const rsa = keysOf("rsa2048");
    const message = Uint8Array.of(1, 2, 3);
    const sig = nativeProvider.sign({ kind: "ed25519" }, ed.privateKey, message);
    for (const provider of [nativeProvider, pureProvider]) {
      expect(provider.verify({ kind: "ecdsa", hash: "SHA-256" }, ed.publicKey, message, sig)).toBe(false);
      expect(provider.verify({ kind: "ed25519" }, rsa.publicKey, message, sig)).toBe(false);
      expect(provider.verify({ kind: "ecdsa", hash: "SHA-256" }, keysOf("p256").publicKey, message, Uint8Array.of(0x30, 0x02))).toBe(false);
      expect(thrown(() => provider.sign({ kind: "ecdsa", hash: "SHA-256" }, ed.privateKey, message))).toBeInstanceOf(TLSError);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (b) complete mutual handshakes in memory
// ---------------------------------------------------------------------------------------------

const PAIRINGS = [
  { name: "native client, pure server", client: nativeProvider, server: pureProvider },
  { name: "pure client, native server", client: pureProvider, server: nativeProvider },
  { name: "native client, native server", client: nativeProvider, server: nativeProvider },
] as const;

interface Variation {
  label: string;
  type: KeyType;
  client?: Partial<ClientConfig>;
  server?: Partial<ServerConfig>;
  expectSuite?: string;
  expectGroup?: string;
  helloRetry?: boolean;
}

const VARIATIONS: Variation[] = [
  ...SUITES.map((s): Variation => ({ label: s, type: "p256", client: { cipherSuites: [s] }, expectSuite: s })),
  ...GROUPS.map((g): Variation => ({ label: `group ${g}`, type: "p256", client: { groups: [g] }, expectGroup: g })),
  ...KEY_TYPES.map((t): Variation => ({ label: `${t} certificates`, type: t })),
  {
    label: "HelloRetryRequest to secp384r1",
    type: "p256",
    client: { keyShareGroups: ["x25519"] },
    server: { groups: ["secp384r1"] },
    expectGroup: "secp384r1",
    helloRetry: true,
  },
];

const SCHEME_FOR_KEY = {
  p256: "ecdsa_secp256r1_sha256",
  p384: "ecdsa_secp384r1_sha384",
  ed25519: "ed25519",
  rsa2048: "rsa_pss_rsae_sha256",
} as const;

describe.each(PAIRINGS)("in-memory mutual handshake, $name", ({ client: clientProvider, server: serverProvider }) => {
  it.each(VARIATIONS)("$label", TIMEOUT, async (v) => {
    const s = serverCredential(v.type);
    const c = clientCredential(v.type);
    const server = new ServerConnection({
      certificateChain: s.certPem,
      privateKey: s.keyPem,
      clientAuth: "require",
      trustAnchors: CA_PEM,
      provider: serverProvider,
      ...v.server,
    });
    const client = new ClientConnection({
      serverName: "localhost",
      trustAnchors: CA_PEM,
      certificateChain: c.certPem,
      privateKey: c.keyPem,
      provider: clientProvider,
      ...v.client,
    });
    const { errors } = await pumpMemory(client, server);
    expect(errors).toEqual([]);
    expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
    const cr = client.handshake!;
    const sr = server.handshake!;
    expect(cr.cipherSuite).toBe(sr.cipherSuite);
    expect(cr.group).toBe(sr.group);
    if (v.expectSuite) expect(cr.cipherSuite).toBe(v.expectSuite);
    if (v.expectGroup) expect(cr.group).toBe(v.expectGroup);
    expect(cr.helloRetry).toBe(v.helloRetry ?? false);
    expect(cr.peerSignatureScheme).toBe(SCHEME_FOR_KEY[v.type]);
    expect(sr.peerSignatureScheme).toBe(SCHEME_FOR_KEY[v.type]);
    expect(sr.peerIdentity?.uris).toEqual([clientSpiffeId(v.type)]);

    // Application data both ways, across more than one record, through both AEAD implementations.
    const big = nativeProvider.randomBytes(40_000);
    client.write(big);
    server.write(Uint8Array.of(1, 2, 3));
    expect((await pumpMemory(client, server)).errors).toEqual([]);
    expect(readAll(server)).toEqual(big);
    expect(readAll(client)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("refuses a client certificate from an untrusted CA (unknown_ca), whichever provider verifies", TIMEOUT, async () => {
    const s = serverCredential("p256");
    const c = credential("untrusted-client");
    // Without certificate_authorities the client sends its certificate anyway (RFC 8446 §4.4.2.2),
    // so the server's path validation, not the client's selection, refuses it.
    const server = new ServerConnection({
      certificateChain: s.certPem,
      privateKey: s.keyPem,
      clientAuth: "require",
      trustAnchors: CA_PEM,
      advertiseCertificateAuthorities: false,
      provider: serverProvider,
    });
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, certificateChain: c.certPem, privateKey: c.keyPem, provider: clientProvider });
    const { errors } = await pumpMemory(client, server);
    expect(errors.map((e) => `${e.side}:${e.error.alertName}:${e.error.origin}`)).toEqual(["b:unknown_ca:local", "a:unknown_ca:remote"]);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) the native provider against Node's tls (OpenSSL) over loopback
// ---------------------------------------------------------------------------------------------

describe(`native provider ↔ Node tls (OpenSSL ${process.versions.openssl}) over loopback`, TIMEOUT, () => {
  const cases = [
    ...SUITES.map((suite) => ({ label: suite, type: "p256" as KeyType, suite })),
    ...KEY_TYPES.map((type) => ({ label: `${type} certificates`, type, suite: undefined })),
  ];

  it.each(cases)("mutls client (native) → Node server: $label", async ({ type, suite }) => {
    const s = serverCredential(type);
    const c = clientCredential(type);
    const { port, outcome } = await nodeServerOnce(
      { requestCert: true, rejectUnauthorized: true, ca: CA_PEM, cert: s.certPem, key: s.keyPem, minVersion: "TLSv1.3", ...(suite ? { ciphers: suite } : {}) },
      { greeting: "from node" },
    );
    const session = await connectToNode(port, {
      serverName: "localhost",
      trustAnchors: CA_PEM,
      certificateChain: c.certPem,
      privateKey: c.keyPem,
      provider: nativeProvider,
    });
    try {
      await session.handshake();
      await session.write("from mutls");
      expect(await session.readText(9)).toBe("from node");
      await session.close();
    } finally {
      session.destroy();
    }
    const node = await outcome;
    expect(node.errors).toEqual([]);
    expect(node.authorized).toBe(true);
    expect(node.received).toBe("from mutls");
    expect(session.conn.handshake?.cipherSuite).toBe(node.cipher);
    if (suite) expect(node.cipher).toBe(suite);
    expect(session.conn.handshake?.peerSignatureScheme).toBe(SCHEME_FOR_KEY[type]);
  });

  it.each(cases)("Node client → mutls server (native): $label", async ({ type, suite }) => {
    const s = serverCredential(type);
    const c = clientCredential(type);
    const { port, done } = await serveOnce(
      { certificateChain: s.certPem, privateKey: s.keyPem, clientAuth: "require", trustAnchors: CA_PEM, provider: nativeProvider },
      async (session) => {
        await session.handshake();
        await session.write("from mutls");
        const text = await session.readText(9);
        await session.peerClose();
        await session.close();
        return text;
      },
    );
    const node = await nodeClient(
      port,
      { servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, minVersion: "TLSv1.3", ...(suite ? { ciphers: suite } : {}) },
      { send: "from node", expect: 10 },
    );
    const { session, value } = await done;
    expect(node.errors).toEqual([]);
    expect(node.authorized).toBe(true);
    expect(node.received).toBe("from mutls");
    expect(value).toBe("from node");
    expect(session.conn.handshake?.cipherSuite).toBe(node.cipher);
    if (suite) expect(node.cipher).toBe(suite);
    expect(session.conn.handshake?.peerIdentity?.uris).toEqual([clientSpiffeId(type)]);
  });

  it.each(GROUPS)("Node client → mutls server (native), key exchange over %s", async (group) => {
    const s = serverCredential("p256");
    const c = clientCredential("p256");
    const ecdhCurve = { x25519: "X25519", secp256r1: "P-256", secp384r1: "P-384" }[group];
    const { port, done } = await serveOnce(
      { certificateChain: s.certPem, privateKey: s.keyPem, clientAuth: "require", trustAnchors: CA_PEM, provider: nativeProvider },
      async (session) => {
        await session.handshake();
        await session.write("x");
        await session.peerClose();
        await session.close();
      },
    );
    const node = await nodeClient(port, { servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, ecdhCurve }, { expect: 1 });
    const { session } = await done;
    expect(node.errors).toEqual([]);
    expect(node.received).toBe("x");
    expect(session.conn.handshake?.group).toBe(group);
  });
});
