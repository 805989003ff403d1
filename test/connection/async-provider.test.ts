/**
 * Handshake steps on a provider that answers later (issue 13): `CryptoProvider.asynchronous`'s
 * key shares, Diffie-Hellman and signature checks may return Promises, and the connection waits
 * on them (`pending`), holding input in order. With a provider that answers at once (pure,
 * native) no step may create a Promise. Checked here:
 * - the synchronous path creates none (every `Promise.prototype.then`, `Promise.resolve` and
 *   `Promise.all` counted), though it goes through the asynchronous operations; the same counter
 *   sees a provider that answers later, so it can fail;
 * - input arriving while a step waits is held and processed in order; close() and a fatal error
 *   while a step waits send nothing after them and leave no unhandled rejection;
 * - hostile input gets the same alert, message and bytes on both paths: twin endpoints pinned to
 *   the same randomness and keys, one on the pure provider and one on the WebCrypto provider
 *   (Node's crypto.subtle), are fed the same malformed key share or bad CertificateVerify.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ClientConnection, ServerConnection, TLSError, type CryptoProvider, type GroupName } from "../../src/index.js";
import { toHex } from "../../src/bytes/index.js";
import { createPinnedProvider, pureProvider } from "../../src/crypto/pure.js";
import type { AsyncCryptoOperations } from "../../src/crypto/provider.js";
import { type EcdheGroup } from "../../src/crypto/webcrypto/key-share.js";
import { type SubtleLike, type WebCryptoProvider, webCryptoKeyShareFromPrivateKey, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { KEY_TYPES, mutualCredentials } from "../helpers/fixtures.js";
import { splitRecords } from "../helpers/framing.js";
import { Gate as HeldAnswers, type Later, laterProvider, memoizedSigner } from "../helpers/later.js";
import { clientConfig, serverConfig, type ClientConfig, type ServerConfig } from "../helpers/pair.js";
import { pumpMemory } from "../helpers/pump.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";

const hex = toHex;

// ---------------------------------------------------------------------------------------------
// Providers that answer later
// ---------------------------------------------------------------------------------------------

/** Answers on a later microtask. */
const nextTurn: Later = (answer) => Promise.resolve().then(answer);

/** The shared gate (helpers/later.ts), with a loop that releases until a condition holds. */
class Gate extends HeldAnswers {
  /**
   * Releases whatever the step asks for next (key share, signature, ...) until `done()`. Polls
   * instead of attaching to the connection's `pending`, so a rejection nobody handles would show.
   */
  async releaseUntil(done: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !done(); i++) {
      this.release();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(done()).toBe(true);
  }
}

/** `base` with `asynchronous` set to `operations`; everything else forwarded. */
function withAsynchronous(base: CryptoProvider, operations: AsyncCryptoOperations): CryptoProvider {
  return {
    name: `${base.name}+asynchronous`,
    randomBytes: (length) => base.randomBytes(length),
    hash: (name, data) => base.hash(name, data),
    createHash: (name) => base.createHash(name),
    hmac: (name, key, data) => base.hmac(name, key, data),
    hkdfExtract: (name, salt, ikm) => base.hkdfExtract(name, salt, ikm),
    hkdfExpand: (name, prk, info, length) => base.hkdfExpand(name, prk, info, length),
    aead: (algorithm, key) => base.aead(algorithm, key),
    generateKeyShare: (group) => base.generateKeyShare(group),
    verify: (algorithm, key, message, signature) => base.verify(algorithm, key, message, signature),
    sign: (algorithm, key, message) => base.sign(algorithm, key, message),
    asynchronous: operations,
  };
}

/** The pure provider's synchronous answers through `asynchronous`, each call counted. */
function countingProvider(calls: Record<string, number>): CryptoProvider {
  const count = (name: string): void => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  return withAsynchronous(pureProvider, {
    generateKeyShare: (group) => {
      count("generateKeyShare");
      const share = pureProvider.generateKeyShare(group);
      return {
        group,
        publicKey: share.publicKey,
        deriveSharedSecret: (peer) => {
          count("deriveSharedSecret");
          return share.deriveSharedSecret(peer);
        },
      };
    },
    aead: (algorithm, key) => pureProvider.aead(algorithm, key),
    verify: (algorithm, key, message, signature) => {
      count("verify");
      return pureProvider.verify(algorithm, key, message, signature);
    },
    sign: (algorithm, key, message) => {
      count("sign");
      return pureProvider.sign(algorithm, key, message);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The synchronous path creates no Promise
// ---------------------------------------------------------------------------------------------

interface SynchronousRun {
  /** Calls after which a connection was pending. */
  pendingSeen: number;
  /** Promise.prototype.then, Promise.resolve and Promise.all calls during the run. */
  promiseCalls: number;
  complete: boolean;
}

/**
 * Builds a pair and moves bytes until both are quiet, all synchronously (no await), counting the
 * Promise machinery used meanwhile. Nothing else runs during synchronous code, so every count is
 * the engine's.
 */
function runSynchronously(client: ClientConfig, server: ServerConfig): SynchronousRun {
  const then = Promise.prototype.then;
  let thens = 0;
  Promise.prototype.then = function (this: Promise<unknown>, ...args: Parameters<typeof then>) {
    thens++;
    return then.apply(this, args);
  } as typeof then;
  const resolve = vi.spyOn(Promise, "resolve");
  const all = vi.spyOn(Promise, "all");
  try {
    const s = new ServerConnection(server);
    const c = new ClientConnection(client);
    let pendingSeen = 0;
    const look = (): void => {
      if (c.pending !== null) pendingSeen++;
      if (s.pending !== null) pendingSeen++;
    };
    look();
    for (let round = 0; round < 16; round++) {
      const toServer = c.takeOutput();
      if (toServer) s.receive(toServer);
      look();
      const toClient = s.takeOutput();
      if (toClient) c.receive(toClient);
      look();
      if (!toServer && !toClient) break;
    }
    const promiseCalls = thens + resolve.mock.calls.length + all.mock.calls.length;
    return { pendingSeen, promiseCalls, complete: c.handshakeComplete && s.handshakeComplete };
  } finally {
    Promise.prototype.then = then;
    resolve.mockRestore();
    all.mockRestore();
  }
}

describe("a provider that answers at once", () => {
  const GROUPS: readonly GroupName[] = ["x25519", "secp256r1", "secp384r1", "X25519MLKEM768"];

  it.each(GROUPS)("%s, mutual P-256: the handshake goes through the asynchronous operations and creates no Promise", (group) => {
    const calls: Record<string, number> = {};
    const provider = countingProvider(calls);
    const creds = mutualCredentials("p256");
    const run = runSynchronously(
      clientConfig(creds, { provider, client: { groups: [group], keyShareGroups: [group] } }),
      serverConfig(creds, { provider, server: { groups: [group] } }),
    );
    expect(run).toEqual({ pendingSeen: 0, promiseCalls: 0, complete: true });
    // Both shares (the hybrid's server share is its X25519 half), both Diffie-Hellmans (the
    // server's inside answerKeyShare), both CertificateVerify checks, the signature on each
    // side's leaf by the CA (x509/async-verify.ts: the chain goes through `verify` too, answered
    // synchronously here) and both signatures.
    expect(calls).toEqual({ generateKeyShare: 2, deriveSharedSecret: 2, verify: 4, sign: 2 });
  });

  it.each(KEY_TYPES)("mutual %s certificates and a HelloRetryRequest: no Promise, no pending", (keyType) => {
    const creds = mutualCredentials(keyType);
    const run = runSynchronously(
      clientConfig(creds, { provider: pureProvider, client: { groups: ["x25519", "secp384r1"], keyShareGroups: ["x25519"] } }),
      serverConfig(creds, { provider: pureProvider, server: { groups: ["secp384r1"] } }),
    );
    expect(run).toEqual({ pendingSeen: 0, promiseCalls: 0, complete: true });
  });

  it("chains through an intermediate on both sides, pure provider and a provider answering at once: no Promise, no pending", () => {
    const fixture = (rel: string): string => readFileSync(new URL(`../fixtures/x509/${rel}`, import.meta.url), "utf8");
    const intermediate = fixture("certs/intermediate-ca.pem");
    const creds = {
      ca: fixture("certs/root-ca.pem"),
      serverCert: fixture("certs/server.pem") + intermediate,
      serverKey: fixture("keys/server.pem"),
      clientCert: fixture("certs/client.pem") + intermediate,
      clientKey: fixture("keys/client.pem"),
    };
    for (const provider of [pureProvider, countingProvider({})]) {
      const run = runSynchronously(clientConfig(creds, { provider }), serverConfig(creds, { provider }));
      expect(run).toEqual({ pendingSeen: 0, promiseCalls: 0, complete: true });
    }
    // Two chain signatures per side (leaf by intermediate, intermediate by root) and the CertificateVerify.
    const calls: Record<string, number> = {};
    expect(runSynchronously(clientConfig(creds, { provider: countingProvider(calls) }), serverConfig(creds, { provider: pureProvider })).complete).toBe(true);
    expect(calls.verify).toBe(3);
  });

  it("the same count sees the Promises of a provider that answers later (the checks above can fail)", () => {
    const creds = mutualCredentials("p256");
    const provider = laterProvider(nextTurn);
    const run = runSynchronously(clientConfig(creds, { provider }), serverConfig(creds, { provider }));
    expect(run.pendingSeen).toBeGreaterThan(0);
    expect(run.promiseCalls).toBeGreaterThan(0);
    expect(run.complete).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Waiting: order, close, failure
// ---------------------------------------------------------------------------------------------

describe("a provider that answers later", () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeAll(() => {
    process.on("unhandledRejection", onUnhandled);
    return () => process.off("unhandledRejection", onUnhandled);
  });
  afterEach(async () => {
    // Rejections are reported after a macrotask; give them one before looking.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
  });

  it.each(["x25519", "secp256r1", "X25519MLKEM768"] as const)("%s: completes a mutual handshake, in 7-byte pieces, with every step waiting", async (group) => {
    const creds = mutualCredentials("p256");
    const provider = laterProvider(nextTurn);
    const client = new ClientConnection(clientConfig(creds, { provider, client: { groups: [group], keyShareGroups: [group] } }));
    const server = new ServerConnection(serverConfig(creds, { provider, server: { groups: [group] } }));
    // The ClientHello waits for its key share from construction on.
    expect(client.pending).not.toBeNull();
    expect(client.takeOutput()).toBeNull();
    const { errors } = await pumpMemory(client, server, { chunkSize: 7 });
    expect(errors).toEqual([]);
    expect(client.handshake?.group).toBe(group);
    expect(server.handshake?.peerIdentity?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
    client.write(new TextEncoder().encode("ping"));
    server.receive(client.takeOutput()!);
    expect(new TextDecoder().decode(server.read()!)).toBe("ping");
  });

  it("resumes with 0-RTT: the waited-for ClientHello keeps record version 0x0301, its early data follows (RFC 8446 §5.1, §2.3)", async () => {
    const creds = mutualCredentials("p256");
    const provider = laterProvider(nextTurn);
    const store = new MemorySessionStore();
    const sc: ServerConfig = { ...serverConfig(creds, { provider }), tickets: 1, maxEarlyData: 1024 };
    const cc = (extra: Partial<ClientConfig>): ClientConfig => ({ ...clientConfig(creds, { provider }), sessionStore: store, ...extra });
    const first = await pumpMemory(new ClientConnection(cc({})), new ServerConnection(sc));
    expect(first.errors).toEqual([]);

    const client = new ClientConnection(cc({ earlyData: new TextEncoder().encode("early") }));
    await client.pending;
    const { records } = splitRecords(client.takeOutput()!);
    // ClientHello (0x0301), the §D.4 change_cipher_spec, then the early data under the early key.
    expect(records.map((r) => hex(r.subarray(0, 3)))).toEqual(["160301", "140303", "170303"]);
    const server = new ServerConnection(sc);
    for (const r of records) server.receive(r);
    const { errors } = await pumpMemory(client, server);
    expect(errors).toEqual([]);
    expect(server.handshake?.earlyData).toBe("accepted");
    expect(new TextDecoder().decode(server.read()!)).toBe("early");
  });

  it("holds the server's flight while the client derives, then processes it in order", async () => {
    const creds = mutualCredentials("p256");
    const gate = new Gate();
    const client = new ClientConnection(clientConfig(creds, { provider: laterProvider(gate.later) }));
    const server = new ServerConnection(serverConfig(creds, { provider: pureProvider }));
    gate.release();
    await client.pending;
    server.receive(client.takeOutput()!);
    const flight = server.takeOutput()!;

    // The ServerHello record starts the derivation; every later byte must wait, one at a time.
    const { records } = splitRecords(flight);
    client.receive(records[0]);
    expect(client.pending).not.toBeNull();
    expect(gate.waiting).toBe(1);
    const rest = flight.subarray(records[0].length);
    for (const byte of rest) client.receive(new Uint8Array([byte]));
    expect(client.takeOutput()).toBeNull();
    expect(client.handshakeComplete).toBe(false);

    // Derivation, then the server's chain and its CertificateVerify, which arrived in the same record
    // and is verified beside the chain (peer-certificate.ts, verifyCertificateVerifyEarly), with our
    // own signature made meanwhile, the server's Finished being here too (client/certificate.ts,
    // signAhead): two waits, and the later steps find their answers ready.
    const waits: number[] = [];
    while (client.pending !== null) {
      waits.push(gate.waiting);
      gate.release();
      await client.pending;
    }
    expect(waits).toEqual([1, 3]);
    expect(client.handshakeComplete).toBe(true);
    server.receive(client.takeOutput()!);
    expect(server.handshakeComplete).toBe(true);
  });

  it("close() while the ClientHello waits: close_notify alone goes out, and a late rejection stays handled", async () => {
    const creds = mutualCredentials("p256");
    const gate = new Gate();
    const failing = laterProvider(gate.later, {
      ...withAsynchronous(pureProvider, pureProvider),
      generateKeyShare: () => {
        throw new Error("the key store went away");
      },
    });
    const client = new ClientConnection(clientConfig(creds, { provider: failing }));
    expect(client.pending).not.toBeNull();
    client.close();
    // A plaintext close_notify (RFC 8446 §6.1), and nothing else.
    expect(hex(client.takeOutput()!)).toBe("15030300020100");
    // Nobody awaits `pending` here: its rejection must not go unhandled (afterEach looks).
    await gate.releaseUntil(() => client.pending === null);
    expect(client.error?.alertName).toBe("internal_error");
    // §6.1: nothing follows close_notify, not even the alert of the step that failed after it.
    expect(client.takeOutput()).toBeNull();
  });

  it("close() while the ClientHello waits on a key share that arrives: no ClientHello after close_notify", async () => {
    const gate = new Gate();
    const client = new ClientConnection(clientConfig(mutualCredentials("p256"), { provider: laterProvider(gate.later) }));
    client.close();
    expect(hex(client.takeOutput()!)).toBe("15030300020100");
    await gate.releaseUntil(() => client.pending === null);
    expect(client.takeOutput()).toBeNull();
    expect(client.error).toBeNull();
  });

  it("a flood while the server's key share is pending fails the connection; the step's late flight is dropped", async () => {
    const creds = mutualCredentials("p256");
    const gate = new Gate();
    const server = new ServerConnection(serverConfig(creds, { provider: laterProvider(gate.later) }));
    const client = new ClientConnection(clientConfig(creds, { provider: pureProvider }));
    server.receive(client.takeOutput()!);
    const pending = server.pending;
    expect(pending).not.toBeNull();
    let thrown: unknown = null;
    try {
      for (let i = 0; i < 20; i++) server.receive(new Uint8Array(1 << 14));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TLSError);
    expect((thrown as TLSError).alertName).toBe("internal_error");
    expect(hex(server.takeOutput()!)).toBe("15030300020250"); // fatal internal_error, in plaintext
    await gate.releaseUntil(() => server.pending === null);
    await expect(pending).rejects.toBe(thrown);
    expect(server.takeOutput()).toBeNull();
    expect(server.error).toBe(thrown);
  });

  it("a rejected verification is what a thrown one is: the same TLSError and alert", async () => {
    const creds = mutualCredentials("p256");
    const broken = new Error("the verifier is gone");
    const operations = (later: boolean): AsyncCryptoOperations => ({
      generateKeyShare: (group) => pureProvider.generateKeyShare(group),
      aead: (algorithm, key) => pureProvider.aead(algorithm, key),
      sign: (algorithm, key, message) => pureProvider.sign(algorithm, key, message),
      verify: () => {
        if (later) return Promise.reject(broken);
        throw broken;
      },
    });
    const outcomes = [];
    for (const later of [false, true]) {
      const server = new ServerConnection(serverConfig(creds, { provider: withAsynchronous(pureProvider, operations(later)) }));
      const client = new ClientConnection(clientConfig(creds, { provider: pureProvider }));
      const { errors } = await pumpMemory(client, server);
      outcomes.push({
        server: { alert: server.error?.alertName, message: server.error?.message, origin: server.error?.origin },
        client: errors.filter((e) => e.side === "a").map((e) => `${e.error.alertName} ${e.error.origin}`),
      });
    }
    expect(outcomes[0].server).toEqual({ alert: "internal_error", message: "internal error: the verifier is gone", origin: "local" });
    expect(outcomes[0].client).toEqual(["internal_error remote"]);
    expect(outcomes[1]).toEqual(outcomes[0]);
  });
});

// ---------------------------------------------------------------------------------------------
// Hostile input: the same alert on both paths
// ---------------------------------------------------------------------------------------------

const fill = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const CLIENT_PINS = { random: [fill(0xc1), fill(0xc2)], keyShares: { secp256r1: [fill(0x11)] } };
const SERVER_PINS = { random: [fill(0x5e)], keyShares: { secp256r1: [fill(0x22)] } };

/** The key_exchange of the first KeyShareEntry in a plaintext ClientHello or ServerHello record, as a view into it. */
function keyExchangeIn(record: Uint8Array, hello: "ClientHello" | "ServerHello"): Uint8Array {
  let at = 5 + 4 + 2 + 32; // record header, handshake header, legacy_version, random
  at += 1 + record[at]; // legacy_session_id
  if (hello === "ClientHello") {
    at += 2 + ((record[at] << 8) | record[at + 1]); // cipher_suites
    at += 1 + record[at]; // legacy_compression_methods
  } else at += 3; // cipher_suite, legacy_compression_method
  const end = at + 2 + ((record[at] << 8) | record[at + 1]);
  for (at += 2; at < end;) {
    const type = (record[at] << 8) | record[at + 1];
    const length = (record[at + 2] << 8) | record[at + 3];
    if (type === 0x0033) {
      // ClientHello: client_shares<..> first; then each entry is group(2), key_exchange<1..2^16-1>.
      const entry = hello === "ClientHello" ? at + 6 : at + 4;
      const keyLength = (record[entry + 2] << 8) | record[entry + 3];
      return record.subarray(entry + 4, entry + 4 + keyLength);
    }
    at += 4 + length;
  }
  throw new Error(`no key_share in the ${hello}`);
}

interface Outcome {
  /** Whether the connection was pending right after receiving: the asynchronous path was taken. */
  waited: boolean;
  alert: string | undefined;
  message: string | undefined;
  /** Everything it sent afterwards (its alert), as hex. */
  output: string;
}

async function outcomeOf(conn: ClientConnection | ServerConnection, bytes: Uint8Array): Promise<Outcome> {
  try {
    conn.receive(bytes);
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
  }
  const waited = conn.pending !== null;
  while (conn.pending !== null) await conn.pending.catch(() => undefined);
  return { waited, alert: conn.error?.alertName, message: conn.error?.message, output: hex(conn.takeOutput() ?? new Uint8Array(0)) };
}

describe("hostile input on both paths (pure provider: synchronous; WebCrypto provider: Promises)", () => {
  let web: WebCryptoProvider;
  const subtle = globalThis.crypto.subtle as unknown as SubtleLike;
  beforeAll(async () => {
    web = await webCryptoProvider();
  });

  it("the WebCrypto provider refuses a private key that does not fit its certificate, as the pure one does", () => {
    const creds = mutualCredentials("p256");
    for (const provider of [pureProvider, web]) {
      expect(() => new ServerConnection({ ...serverConfig(creds, { provider }), privateKey: creds.clientKey })).toThrow(
        /privateKey does not match the certificate/,
      );
      expect(() => new ServerConnection(serverConfig(creds, { provider }))).not.toThrow();
    }
  });

  /** Twin providers: the same pins, one answering synchronously, one on crypto.subtle (pinned keys imported into it). */
  const twins = (pins: typeof CLIENT_PINS): [CryptoProvider, CryptoProvider] => [
    createPinnedProvider(pureProvider, pins),
    createPinnedProvider(web, { ...pins, asyncKeyShare: (group, key) => webCryptoKeyShareFromPrivateKey(subtle, group as EcdheGroup, key) }),
  ];
  const P256_ONLY = { groups: ["secp256r1" as const], keyShareGroups: ["secp256r1" as const] };

  async function twinClientHellos(client: (provider: CryptoProvider) => ClientConfig): Promise<[ClientConnection, ClientConnection, Uint8Array]> {
    const [syncProvider, asyncProvider] = twins(CLIENT_PINS);
    const sync = new ClientConnection(client(syncProvider));
    const later = new ClientConnection(client(asyncProvider));
    expect(sync.pending).toBeNull();
    expect(later.pending).not.toBeNull();
    await later.pending;
    const hello = sync.takeOutput()!;
    expect(hex(later.takeOutput()!)).toBe(hex(hello));
    return [sync, later, hello];
  }

  it("client: a P-256 key share off the curve in the ServerHello is illegal_parameter on both paths", async () => {
    const creds = mutualCredentials("p256");
    const [sync, later, hello] = await twinClientHellos((provider) => clientConfig(creds, { provider, client: P256_ONLY }));
    const server = new ServerConnection(serverConfig(creds, { provider: pureProvider }));
    server.receive(hello);
    const flight = server.takeOutput()!;
    const serverHello = splitRecords(flight).records[0].slice();
    const point = keyExchangeIn(serverHello, "ServerHello");
    expect(point.length).toBe(65);
    point[64] ^= 1; // y changes: the point leaves the curve (SEC 1 §3.2.2 check on import)

    const [a, b] = [await outcomeOf(sync, serverHello), await outcomeOf(later, serverHello)];
    expect(a).toEqual({
      waited: false,
      alert: "illegal_parameter",
      message: "the server's secp256r1 key share is not a valid public key",
      output: "1503030002022f",
    });
    expect(b).toEqual({ ...a, waited: true });
  });

  it("client: a server CertificateVerify that does not verify is decrypt_error on both paths, with the same encrypted alert", async () => {
    const creds = mutualCredentials("p256");
    const [sync, later, hello] = await twinClientHellos((provider) => clientConfig(creds, { provider, client: P256_ONLY }));
    const server = new ServerConnection({
      ...serverConfig(creds, { provider: pureProvider }),
      privateKey: undefined,
      signer: memoizedSigner(creds.serverKey, true),
    });
    server.receive(hello);
    const flight = server.takeOutput()!;

    const [a, b] = [await outcomeOf(sync, flight), await outcomeOf(later, flight)];
    expect(a.alert).toBe("decrypt_error");
    expect(a.message).toMatch(/the server's CertificateVerify signature is invalid/);
    expect(a.output).toMatch(/170303[0-9a-f]+$/); // under the client's handshake key
    expect(b).toEqual({ ...a, waited: true });
  });

  /** Twin servers, one synchronous and one on crypto.subtle, with a memoized signer so both send the same flight. */
  function twinServers(creds: ReturnType<typeof mutualCredentials>): [ServerConnection, ServerConnection] {
    const [syncProvider, asyncProvider] = twins(SERVER_PINS);
    const signer = memoizedSigner(creds.serverKey);
    const config = (provider: CryptoProvider): ServerConfig => ({ ...serverConfig(creds, { provider }), privateKey: undefined, signer });
    return [new ServerConnection(config(syncProvider)), new ServerConnection(config(asyncProvider))];
  }

  it("server: a P-256 key share off the curve in the ClientHello is illegal_parameter on both paths", async () => {
    const creds = mutualCredentials("p256");
    const [sync, later] = twinServers(creds);
    const client = new ClientConnection(clientConfig(creds, { provider: pureProvider, client: P256_ONLY }));
    const hello = client.takeOutput()!.slice();
    const point = keyExchangeIn(hello, "ClientHello");
    expect(point.length).toBe(65);
    point[64] ^= 1;

    const [a, b] = [await outcomeOf(sync, hello), await outcomeOf(later, hello)];
    expect(a).toEqual({
      waited: false,
      alert: "illegal_parameter",
      message: "the client's secp256r1 key share is malformed or not a valid public key",
      output: "1503030002022f",
    });
    expect(b).toEqual({ ...a, waited: true });
  });

  it("server: a client CertificateVerify that does not verify is decrypt_error on both paths, with the same encrypted alert", async () => {
    const creds = mutualCredentials("p256");
    const [sync, later] = twinServers(creds);
    const client = new ClientConnection({
      ...clientConfig(creds, { provider: pureProvider, client: P256_ONLY }),
      privateKey: undefined,
      signer: memoizedSigner(creds.clientKey, true),
    });
    const hello = client.takeOutput()!;
    sync.receive(hello);
    later.receive(hello);
    await later.pending;
    const flight = sync.takeOutput()!;
    expect(hex(later.takeOutput()!)).toBe(hex(flight));
    client.receive(flight);
    const answer = client.takeOutput()!;

    const [a, b] = [await outcomeOf(sync, answer), await outcomeOf(later, answer)];
    expect(a.alert).toBe("decrypt_error");
    expect(a.message).toMatch(/the client's CertificateVerify signature is invalid/);
    expect(a.output).toMatch(/^170303[0-9a-f]+$/); // under the server's application key
    expect(b).toEqual({ ...a, waited: true });
  });
});
