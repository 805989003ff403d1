/**
 * Certificate chains on a provider that answers later (issue 13, x509/async-verify.ts): the
 * chain's signatures go to the provider's asynchronous `verify` (crypto.subtle for the WebCrypto
 * provider) and the verdict, alert, message and bytes are those of the synchronous path. Twin
 * endpoints pinned to the same randomness and key shares, one on the pure provider and one on the
 * WebCrypto provider (Node's crypto.subtle, counted through a Proxy), are fed the same Certificate
 * message from a chain made by OpenSSL (test/fixtures/x509/make.sh): good, with a bad signature on
 * the intermediate, an expired leaf, a name that does not match, and an issuer nobody trusts.
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError, type ClientConfig, type CryptoProvider, type ServerConfig } from "../../src/index.js";
import { memoizedSigner } from "../helpers/later.js";
import { toHex } from "../../src/bytes/index.js";
import { createPinnedProvider, pureProvider } from "../../src/crypto/pure.js";
import type { EcdheGroup } from "../../src/crypto/webcrypto/key-share.js";
import { type SubtleLike, type WebCryptoProvider, webCryptoKeyShareFromPrivateKey, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";

const hex = toHex;
const fixture = (rel: string): string => readFileSync(new URL(`../fixtures/x509/${rel}`, import.meta.url), "utf8");
const ROOT = fixture("certs/root-ca.pem");
const UNTRUSTED_ROOT = fixture("certs/untrusted-root.pem");
const INTERMEDIATE = fixture("certs/intermediate-ca.pem");
const SERVER = fixture("certs/server.pem");
const SERVER_KEY = fixture("keys/server.pem");
const CLIENT = fixture("certs/client.pem");
const CLIENT_KEY = fixture("keys/client.pem");

/** The intermediate with the last byte of its ECDSA signature flipped: well-formed DER, not a signature by the root. */
function badlySigned(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64");
  der[der.length - 1] ^= 1;
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`;
}
const BAD_INTERMEDIATE = badlySigned(INTERMEDIATE);

/** ECDSA verifications that reached crypto.subtle. */
let subtleVerifies = 0;
let web: WebCryptoProvider;
let subtle: SubtleLike;
beforeAll(async () => {
  const real = globalThis.crypto.subtle;
  subtle = new Proxy(real, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== "function") return value;
      if (property === "verify") {
        return (...args: unknown[]) => {
          subtleVerifies++;
          return Reflect.apply(value, target, args) as unknown;
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  }) as unknown as SubtleLike;
  web = await webCryptoProvider({ subtle });
  // Without ECDSA P-256 on crypto.subtle the chain would verify on the fallback: these tests would prove nothing.
  expect(web.webCryptoAlgorithms.join(" ")).toMatch(/P-256/);
});

const fill = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const CLIENT_PINS = { random: [fill(0xc1), fill(0xc2)], keyShares: { secp256r1: [fill(0x11)] } };
const SERVER_PINS = { random: [fill(0x5e)], keyShares: { secp256r1: [fill(0x22)] } };
/** Both twins judge validity at the same instant, so their messages (which name it) match. */
const now = (): Date => new Date("2030-01-01T00:00:00Z");
const P256_ONLY = { groups: ["secp256r1" as const], keyShareGroups: ["secp256r1" as const] };

/** Twin providers: the same pins, one answering synchronously, one on crypto.subtle (pinned keys imported into it). */
function twins(pins: typeof CLIENT_PINS): [CryptoProvider, CryptoProvider] {
  return [
    createPinnedProvider(pureProvider, pins),
    createPinnedProvider(web, { ...pins, asyncKeyShare: (group, key) => webCryptoKeyShareFromPrivateKey(subtle, group as EcdheGroup, key) }),
  ];
}

interface Outcome {
  alert: string | undefined;
  message: string | undefined;
  /** Everything it sent afterwards (its Finished, or its alert), as hex. */
  output: string;
  /** ECDSA verifications sent to crypto.subtle while it processed the input. */
  subtleVerifies: number;
}

async function outcomeOf(conn: ClientConnection | ServerConnection, bytes: Uint8Array): Promise<Outcome> {
  const before = subtleVerifies;
  try {
    conn.receive(bytes);
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
  }
  while (conn.pending !== null) await conn.pending.catch(() => undefined);
  return {
    alert: conn.error?.alertName,
    message: conn.error?.message,
    output: hex(conn.takeOutput() ?? new Uint8Array(0)),
    subtleVerifies: subtleVerifies - before,
  };
}

interface ChainCase {
  readonly name: string;
  readonly chain: string;
  readonly anchors: string;
  readonly serverName?: string;
  readonly alert: string | undefined;
  readonly message?: RegExp;
  /**
   * Certificate signatures the WebCrypto twin sends to crypto.subtle. The CertificateVerify, in the
   * same record, is sent after them, once the chain's path search has asked for them
   * (peer-certificate.ts, verifyCertificateVerifyEarly), and its verdict is used only if the chain
   * holds. A search that fails at once (no signature asked) leaves it unsent.
   */
  readonly chainSignatures: number;
}

/** The chain's signatures and the CertificateVerify's: each once, never twice, and none for a chain refused before its signatures. */
const withCertificateVerify = (c: ChainCase): number => (c.chainSignatures === 0 ? 0 : c.chainSignatures + 1);

const SERVER_CASES: readonly ChainCase[] = [
  { name: "a good chain", chain: SERVER + INTERMEDIATE, anchors: ROOT, alert: undefined, chainSignatures: 2 },
  {
    name: "a bad signature on the intermediate",
    chain: SERVER + BAD_INTERMEDIATE,
    anchors: ROOT,
    alert: "bad_certificate",
    message: /signature on certificate .*Intermediate.* does not verify/,
    chainSignatures: 2,
  },
  { name: "an expired leaf", chain: fixture("certs/expired.pem") + INTERMEDIATE, anchors: ROOT, alert: "certificate_expired", chainSignatures: 0 },
  {
    name: "a name that does not match",
    chain: SERVER + INTERMEDIATE,
    anchors: ROOT,
    serverName: "wrong.test",
    alert: "bad_certificate",
    message: /server name wrong\.test does not match/,
    chainSignatures: 2,
  },
  { name: "an unknown CA", chain: fixture("certs/untrusted-leaf.pem"), anchors: ROOT, alert: "unknown_ca", chainSignatures: 0 },
];

describe("the server's chain: twin clients (pure: synchronous; WebCrypto: crypto.subtle) give the same verdict and bytes", () => {
  it.each(SERVER_CASES)("$name", async (c) => {
    const [syncProvider, asyncProvider] = twins(CLIENT_PINS);
    const config = (provider: CryptoProvider): ClientConfig => ({
      serverName: c.serverName ?? "localhost",
      trustAnchors: c.anchors,
      provider,
      now,
      ...P256_ONLY,
    });
    const sync = new ClientConnection(config(syncProvider));
    const later = new ClientConnection(config(asyncProvider));
    await later.pending;
    const hello = sync.takeOutput()!;
    expect(hex(later.takeOutput()!)).toBe(hex(hello));
    const server = new ServerConnection({ certificateChain: c.chain, privateKey: SERVER_KEY, provider: pureProvider });
    server.receive(hello);
    const flight = server.takeOutput()!;

    const a = await outcomeOf(sync, flight);
    const b = await outcomeOf(later, flight);
    expect(a.alert).toBe(c.alert);
    if (c.message) expect(a.message).toMatch(c.message);
    if (c.alert === undefined) expect(sync.handshakeComplete).toBe(true);
    expect(a.subtleVerifies).toBe(0);
    // The chain's signatures (and, when it holds, the CertificateVerify) went to crypto.subtle.
    expect(b).toEqual({ ...a, subtleVerifies: withCertificateVerify(c) });
  });
});

const CLIENT_CASES: readonly ChainCase[] = [
  { name: "a good chain", chain: CLIENT + INTERMEDIATE, anchors: ROOT, alert: undefined, chainSignatures: 2 },
  {
    name: "a bad signature on the intermediate",
    chain: CLIENT + BAD_INTERMEDIATE,
    anchors: ROOT,
    alert: "bad_certificate",
    message: /signature on certificate .*Intermediate.* does not verify/,
    chainSignatures: 2,
  },
  // The leaf's signature by the intermediate is checked before the search finds no anchor above it.
  { name: "an unknown CA", chain: CLIENT + INTERMEDIATE, anchors: UNTRUSTED_ROOT, alert: "unknown_ca", chainSignatures: 1 },
];

describe("the client's chain: twin servers (pure: synchronous; WebCrypto: crypto.subtle) give the same verdict and bytes", () => {
  it.each(CLIENT_CASES)("$name", async (c) => {
    const [syncProvider, asyncProvider] = twins(SERVER_PINS);
    const signer = memoizedSigner(SERVER_KEY);
    const config = (provider: CryptoProvider): ServerConfig => ({
      certificateChain: SERVER + INTERMEDIATE,
      signer,
      clientAuth: "require",
      // Without the anchors' names the client sends its chain whoever the server trusts (the unknown CA case).
      advertiseCertificateAuthorities: false,
      trustAnchors: c.anchors,
      provider,
      now,
    });
    const sync = new ServerConnection(config(syncProvider));
    const later = new ServerConnection(config(asyncProvider));
    const client = new ClientConnection({
      serverName: "localhost",
      trustAnchors: ROOT,
      certificateChain: c.chain,
      privateKey: CLIENT_KEY,
      provider: pureProvider,
      ...P256_ONLY,
    });
    const hello = client.takeOutput()!;
    sync.receive(hello);
    later.receive(hello);
    while (later.pending !== null) await later.pending;
    const flight = sync.takeOutput()!;
    expect(hex(later.takeOutput()!)).toBe(hex(flight));
    client.receive(flight);
    const answer = client.takeOutput()!;

    const a = await outcomeOf(sync, answer);
    const b = await outcomeOf(later, answer);
    expect(a.alert).toBe(c.alert);
    if (c.message) expect(a.message).toMatch(c.message);
    if (c.alert === undefined) expect(sync.handshakeComplete && later.handshakeComplete).toBe(true);
    expect(a.subtleVerifies).toBe(0);
    expect(b).toEqual({ ...a, subtleVerifies: withCertificateVerify(c) });
  });
});
