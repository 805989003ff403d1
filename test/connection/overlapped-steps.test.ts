/**
 * Independent handshake work overlapped on a provider that answers later (issue 13):
 * - the server's (EC)DHE secret and its CertificateVerify signature are asked for together
 *   (server/handshake.ts, sendServerFlightOverlapped), and nothing of its flight goes out until the
 *   secret is known: a client share that gives none is illegal_parameter with the alert alone on
 *   the wire, whatever the signer does; a signer that fails after a good secret gives the bytes of
 *   the synchronous path (our flight up to the Certificate, then the alert);
 * - a client whose signer answers later holds its Certificate until the CertificateVerify is
 *   signed, so both leave in one record as from a synchronous signer (client/certificate.ts), and
 *   the server verifies the client's chain and CertificateVerify together
 *   (peer-certificate.ts, verifyCertificateVerifyEarly).
 * The client's side of the latter is in async-provider.test.ts ("holds the server's flight"), and
 * bad chains and forged CertificateVerify messages on both sides in async-chain.test.ts and
 * async-provider.test.ts (same alert, message and bytes as the synchronous path).
 */
import { createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ClientConfig, ClientConnection, ServerConnection, TLSError, type CryptoProvider, type Signer } from "../../src/index.js";
import { toHex } from "../../src/bytes/index.js";
import { ClientConnection as CoreClientConnection, asyncChainVerification } from "../../src/core.js";
import { asyncChainVerification as chainVerificationOnly } from "../../src/x509/async-verify.js";
import { createPinnedProvider, pureProvider } from "../../src/crypto/pure.js";
import { mutualCredentials } from "../helpers/fixtures.js";
import { splitRecords } from "../helpers/framing.js";
import { Gate, laterProvider, memoizedSigner } from "../helpers/later.js";
import { clientConfig, serverConfig } from "../helpers/pair.js";

const hex = toHex;

/** Lets every settled Promise run its handlers. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** `signer`'s signatures, answered later. */
const answeringLater = (signer: Signer): Signer => ({ schemes: signer.schemes, sign: (scheme, message) => Promise.resolve(signer.sign(scheme, message)) });

const P256_ONLY = { groups: ["secp256r1" as const], keyShareGroups: ["secp256r1" as const] };
const fill = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const SERVER_PINS = { random: [fill(0x5e)], keyShares: { secp256r1: [fill(0x22)] } };
const CLIENT_PINS = { random: [fill(0xc1), fill(0xc2)], keyShares: { secp256r1: [fill(0x11)] } };

/** The key_exchange of the P-256 share in a plaintext ClientHello record, as a view into it (its 65 bytes end the share). */
function p256ShareIn(clientHello: Uint8Array): Uint8Array {
  const marker = [0x00, 0x17, 0x00, 0x41, 0x04]; // group secp256r1, length 65, uncompressed point
  for (let at = 0; at + marker.length <= clientHello.length; at++) {
    if (marker.every((b, i) => clientHello[at + i] === b)) return clientHello.subarray(at + 4, at + 4 + 65);
  }
  throw new Error("no P-256 key share in the ClientHello");
}

async function failureOf(conn: ServerConnection): Promise<{ alert: string | undefined; message: string | undefined; output: string }> {
  while (conn.pending !== null) await conn.pending.catch(() => undefined);
  return { alert: conn.error?.alertName, message: conn.error?.message, output: hex(conn.takeOutput() ?? new Uint8Array(0)) };
}

describe("the server's secret and signature in flight together", () => {
  it("both are asked for at once; nothing goes out until both answer; the flight then completes a pure client's handshake", async () => {
    const creds = mutualCredentials("p256");
    const gate = new Gate();
    const server = new ServerConnection(serverConfig(creds, { provider: laterProvider(gate.later) }));
    const client = new ClientConnection(clientConfig(creds, { provider: pureProvider }));
    server.receive(client.takeOutput()!);
    expect(gate.waiting).toBe(1); // our key share
    gate.release();
    await settle();
    // The Diffie-Hellman and the CertificateVerify signature.
    expect(gate.waiting).toBe(2);
    expect(server.takeOutput()).toBeNull();
    gate.release();
    await server.pending;
    // The pure client checks the flight: the signature covers the transcript it computes.
    client.receive(server.takeOutput()!);
    expect(client.error).toBeNull();
    expect(client.handshakeComplete).toBe(true);
    server.receive(client.takeOutput()!);
    for (let i = 0; i < 10 && !server.handshakeComplete; i++) {
      gate.release();
      await settle();
    }
    expect(server.handshakeComplete).toBe(true);
    expect(server.handshake?.peerIdentity?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
  });

  const signers: [string, () => Promise<Uint8Array>][] = [
    ["a signature that answers after the secret", () => Promise.resolve(new Uint8Array(70))],
    ["a signer that rejects", () => Promise.reject(new Error("the key store is unavailable"))],
  ];
  it.each(signers)("a client share that gives no secret is illegal_parameter with the alert alone on the wire, beside %s", async (_name, sign) => {
    const creds = mutualCredentials("p256");
    const gate = new Gate();
    const signer: Signer = { schemes: ["ecdsa_secp256r1_sha256"], sign: () => sign() };
    const server = new ServerConnection({ ...serverConfig(creds, { provider: laterProvider(gate.later) }), privateKey: undefined, signer });
    const hello = new ClientConnection(clientConfig(creds, { provider: pureProvider, client: P256_ONLY })).takeOutput()!.slice();
    p256ShareIn(hello)[64] ^= 1; // off the curve
    server.receive(hello);
    for (let i = 0; i < 10 && server.pending !== null; i++) {
      gate.release();
      await settle();
    }
    expect(await failureOf(server)).toEqual({
      alert: "illegal_parameter",
      message: "the client's secp256r1 key share is malformed or not a valid public key",
      output: "1503030002022f",
    });
  });

  it("a signer that fails after a good secret: the synchronous path's bytes (our flight to the Certificate, then the alert)", async () => {
    const creds = mutualCredentials("p256");
    const failing = (later: boolean): Signer => ({
      schemes: ["ecdsa_secp256r1_sha256"],
      sign: () => {
        if (later) return Promise.reject(new TLSError(80, "the key store is unavailable"));
        throw new TLSError(80, "the key store is unavailable");
      },
    });
    const gate = new Gate();
    const sync = new ServerConnection({
      ...serverConfig(creds, { provider: createPinnedProvider(pureProvider, SERVER_PINS) }),
      privateKey: undefined,
      signer: failing(false),
    });
    const later = new ServerConnection({
      ...serverConfig(creds, { provider: laterProvider(gate.later, createPinnedProvider(pureProvider, SERVER_PINS)) }),
      privateKey: undefined,
      signer: failing(true),
    });
    const hello = new ClientConnection(clientConfig(creds, { provider: pureProvider, client: P256_ONLY })).takeOutput()!;
    try {
      sync.receive(hello);
    } catch (e) {
      expect(e).toBeInstanceOf(TLSError);
    }
    later.receive(hello);
    for (let i = 0; i < 10 && later.pending !== null; i++) {
      gate.release();
      await settle();
    }
    const [a, b] = [await failureOf(sync), await failureOf(later)];
    expect(a.alert).toBe("internal_error");
    // ServerHello, the change_cipher_spec, the encrypted flight to the Certificate, the encrypted alert.
    expect(splitRecords(Uint8Array.from(Buffer.from(a.output, "hex"))).records.map((r) => r[0])).toEqual([0x16, 0x14, 0x17, 0x17]);
    expect(b).toEqual(a);
  });
});

describe("the client's Certificate and CertificateVerify in one record", () => {
  it("a signer that answers later sends the same bytes as a synchronous one, and the server verifies chain and signature together", async () => {
    const creds = mutualCredentials("p256");
    const flights: Uint8Array[] = [];
    const clientSigner = memoizedSigner(creds.clientKey);
    const serverSigner = memoizedSigner(creds.serverKey);
    for (const later of [false, true]) {
      const client = new ClientConnection({
        ...clientConfig(creds, { provider: createPinnedProvider(pureProvider, CLIENT_PINS), client: P256_ONLY }),
        privateKey: undefined,
        signer: later ? answeringLater(clientSigner) : clientSigner,
      });
      const server = new ServerConnection({
        ...serverConfig(creds, { provider: createPinnedProvider(pureProvider, SERVER_PINS) }),
        privateKey: undefined,
        signer: serverSigner,
      });
      server.receive(client.takeOutput()!);
      client.receive(server.takeOutput()!);
      // While it signs, only the §D.4 change_cipher_spec may go out: the Certificate waits.
      const before = client.takeOutput();
      if (later) {
        expect(client.pending).not.toBeNull();
        expect(splitRecords(before!).records.map((r) => r[0])).toEqual([0x14]);
        await client.pending;
      }
      const after = client.takeOutput();
      flights.push(later ? concatTwo(before!, after!) : before!);
      expect(client.handshakeComplete).toBe(true);
    }
    expect(hex(flights[1])).toBe(hex(flights[0]));
    // The change_cipher_spec, then Certificate, CertificateVerify and Finished in one record.
    expect(splitRecords(flights[1]).records.map((r) => r[0])).toEqual([0x14, 0x17]);

    // A server that verifies later asks for the chain's signature and the CertificateVerify's together.
    const gate = new Gate();
    const client = new ClientConnection({ ...clientConfig(creds, { provider: pureProvider }), privateKey: undefined, signer: answeringLater(clientSigner) });
    const server = new ServerConnection(serverConfig(creds, { provider: laterProvider(gate.later) }));
    server.receive(client.takeOutput()!);
    for (let i = 0; i < 10 && server.pending !== null; i++) {
      gate.release();
      await settle();
    }
    client.receive(server.takeOutput()!);
    await client.pending;
    server.receive(client.takeOutput()!);
    // The client's leaf, signed by the CA, and its CertificateVerify.
    expect(gate.waiting).toBe(2);
    gate.release();
    await server.pending;
    expect(server.pending).toBeNull();
    expect(server.handshakeComplete).toBe(true);
  });
});

describe("the client's CertificateVerify signed while the server's signatures are verified", () => {
  const creds = mutualCredentials("p256");
  /** One server signer for every test here, so that twin servers send the same flight. */
  const serverSigner = memoizedSigner(creds.serverKey);

  /** A client on `provider` (its own key unless `config` says otherwise) and a pure server with pinned randomness. */
  function clientAndServer(provider: CryptoProvider, config: Partial<ClientConfig> = {}) {
    const client = new ClientConnection({ ...clientConfig(creds, { provider, client: P256_ONLY }), ...config });
    const server = new ServerConnection({
      ...serverConfig(creds, { provider: createPinnedProvider(pureProvider, SERVER_PINS) }),
      privateKey: undefined,
      signer: serverSigner,
    });
    return { client, server };
  }

  /** Moves `client` on through `gate` until it waits no more; its output. */
  async function drain(client: ClientConnection, gate: Gate): Promise<Uint8Array> {
    const out: Uint8Array[] = [];
    for (let i = 0; i < 20 && client.pending !== null; i++) {
      out.push(client.takeOutput() ?? new Uint8Array(0));
      gate.release();
      await settle();
    }
    out.push(client.takeOutput() ?? new Uint8Array(0));
    return out.reduce(concatTwo, new Uint8Array(0));
  }

  it("asks for the signature beside the two verifications, and sends the bytes of the synchronous path in one record", async () => {
    // The synchronous client (pure provider, pinned randomness) is the reference; both clients'
    // ECDSA signatures are made once per message, so both send the same bytes.
    const signatures = new Map<string, Uint8Array>();
    const pinned = (): CryptoProvider => {
      const provider = createPinnedProvider(pureProvider, CLIENT_PINS);
      const sign: CryptoProvider["sign"] = (algorithm, key, message) => {
        if (!signatures.has(hex(message))) signatures.set(hex(message), provider.sign(algorithm, key, message));
        return signatures.get(hex(message))!;
      };
      return { ...provider, sign };
    };
    const sync = clientAndServer(pinned());
    sync.server.receive(sync.client.takeOutput()!);
    sync.client.receive(sync.server.takeOutput()!);
    const expected = sync.client.takeOutput()!;
    expect(sync.client.handshakeComplete).toBe(true);

    const gate = new Gate();
    const { client, server } = clientAndServer(laterProvider(gate.later, pinned()));
    const hello = await drain(client, gate);
    server.receive(hello);
    client.receive(server.takeOutput()!);
    gate.release(); // the Diffie-Hellman
    await settle();
    // The server's chain, its CertificateVerify and our own CertificateVerify, all at once.
    expect(gate.waiting).toBe(3);
    const flight = await drain(client, gate);
    expect(client.error).toBeNull();
    expect(client.handshakeComplete).toBe(true);
    expect(hex(flight)).toBe(hex(expected));
    // The change_cipher_spec, then Certificate, CertificateVerify and Finished in one record.
    expect(splitRecords(flight).records.map((r) => r[0])).toEqual([0x14, 0x17]);
    server.receive(flight);
    expect(server.handshakeComplete).toBe(true);
  });

  const notAhead: [string, (creds: ReturnType<typeof mutualCredentials>, signs: { count: number }) => Partial<ClientConfig>][] = [
    [
      "a signer the configuration gave",
      (creds, signs) => {
        const signer = memoizedSigner(creds.clientKey);
        return { privateKey: undefined, signer: { schemes: signer.schemes, sign: (scheme, m) => (signs.count++, signer.sign(scheme, m)) } };
      },
    ],
    [
      "a certificate hook",
      (creds, signs) => ({
        certificateChain: undefined,
        privateKey: undefined,
        selectClientCertificate: () => {
          signs.count++;
          return { certificateChain: creds.clientCert, privateKey: creds.clientKey };
        },
      }),
    ],
  ];
  it.each(notAhead)("%s is not asked before the server's signatures hold", async (_name, configure) => {
    const gate = new Gate();
    const signs = { count: 0 };
    const { client: configured, server } = clientAndServer(laterProvider(gate.later), configure(creds, signs));
    server.receive(await drain(configured, gate));
    configured.receive(server.takeOutput()!);
    gate.release(); // the Diffie-Hellman
    await settle();
    expect(gate.waiting).toBe(2);
    expect(signs.count).toBe(0);
    await drain(configured, gate);
    expect(signs.count).toBe(1);
    expect(configured.handshakeComplete).toBe(true);
  });

  it("mutls/core: only with the entry's asyncChainVerification module, which carries signAhead", async () => {
    const waitsWith = async (module: ClientConfig["asyncChainVerification"]): Promise<number> => {
      const gate = new Gate();
      const { server } = clientAndServer(pureProvider);
      const provider = laterProvider(gate.later);
      const client = new CoreClientConnection({
        ...clientConfig(creds, { client: P256_ONLY }),
        provider,
        privateKey: { kind: "ec", curve: "P-256", d: p256PrivateScalar(creds.clientKey) },
        asyncChainVerification: module,
      });
      server.receive(await drain(client, gate));
      client.receive(server.takeOutput()!);
      gate.release(); // the Diffie-Hellman
      await settle();
      return gate.waiting;
    };
    expect(await waitsWith(asyncChainVerification)).toBe(3);
    // The chain verification alone (x509's module): the verifications only.
    expect(await waitsWith(chainVerificationOnly)).toBe(2);
  });

  it("a server CertificateVerify that does not verify: the signature made meanwhile is dropped, the alert is the synchronous path's", async () => {
    const flightFrom = (hello: Uint8Array): Uint8Array => {
      const server = new ServerConnection({
        ...serverConfig(creds, { provider: createPinnedProvider(pureProvider, SERVER_PINS) }),
        privateKey: undefined,
        signer: memoizedSigner(creds.serverKey, true),
      });
      server.receive(hello);
      return server.takeOutput()!;
    };
    const sync = new ClientConnection(clientConfig(creds, { provider: createPinnedProvider(pureProvider, CLIENT_PINS), client: P256_ONLY }));
    const syncFlight = flightFrom(sync.takeOutput()!);
    expect(() => sync.receive(syncFlight)).toThrow(TLSError);

    const gate = new Gate();
    const signs: Uint8Array[] = [];
    const base = laterProvider(gate.later, createPinnedProvider(pureProvider, CLIENT_PINS));
    const counting: CryptoProvider = { ...base, asynchronous: { ...base.asynchronous!, sign: (a, k, m) => (signs.push(m), base.asynchronous!.sign(a, k, m)) } };
    const later = new ClientConnection(clientConfig(creds, { provider: counting, client: P256_ONLY }));
    later.receive(flightFrom(await drain(later, gate)));
    const output = await drain(later, gate);
    expect(signs.length).toBe(1); // made ahead, never sent
    expect(later.error?.alertName).toBe("decrypt_error");
    expect(later.error?.message).toBe(sync.error?.message);
    expect(hex(output)).toBe(hex(sync.takeOutput()!));
  });
});

function concatTwo(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The private scalar of a PEM P-256 key, by node:crypto (the core reads no PEM without its module). */
function p256PrivateScalar(pem: string): Uint8Array {
  const jwk = createPrivateKey(pem).export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.d!, "base64url"));
}
