// Replays the RFC 8448 example handshakes against the engine, in both roles, and requires every
// handshake record, change_cipher_spec, application data and alert record to equal the RFC byte for
// byte, plus the traffic secrets (through the NSS key log). Sections: 3 (simple 1-RTT, including
// the server's NewSessionTicket), 5 (HelloRetryRequest), 6 (client authentication), 7
// (compatibility mode). Section 4's resumption arithmetic (ticket PSK, binder) is checked in
// test/session/resumption-rfc8448.test.ts.
//
// How the replay is pinned (randomness and ephemeral keys come from the provider, so a test can fix them):
// - Randomness and ephemeral keys: createPinnedProvider hands the engine the RFC's random values and
//   private keys. The client draws randomBytes(32) for its random, then (middleboxCompat only,
//   section 7) randomBytes(32) for legacy_session_id; the server draws randomBytes(32) for its random.
// - Signatures: RSA-PSS and ECDSA are randomised, so the test signer returns the RFC's recorded
//   CertificateVerify signature. The signer also checks, with the RFC certificate's public key, that
//   the recorded signature verifies over the content the engine asked it to sign, and the peer
//   engine verifies the recorded signature itself.
// - Tickets: the NewSessionTicket's age_add, nonce and opaque ticket are the RFC server's own
//   choices; the newSessionTicket test hook pins them, so byte equality proves its lifetime, the
//   early_data extension, the encoding and the record (application key, sequence 0).
// - Providers: each section replays twice, on the pure provider (every step synchronous: `pending`
//   is never set) and on the WebCrypto provider (Node's crypto.subtle), whose key shares are the
//   RFC's private keys imported into crypto.subtle (the pinned provider's asyncKeyShare), so the
//   key exchanges and the CertificateVerify checks wait on Promises; the bytes must not change.
// - Certificates: the RFC's certificates are self-signed with no SAN, so each side pins the peer's
//   exact DER (verifyPeer) and the clock is set inside their validity (2016-2026).
// - Extensions: the RFC's peers send extensions this engine does not produce itself
//   (renegotiation_info, session_ticket, record_size_limit, psk_key_exchange_modes, padding, and
//   supported_groups / signature_algorithms lists naming groups and schemes we do not implement;
//   supported_groups and record_size_limit in EncryptedExtensions). the extensions test hook rewrites
//   the extension list of our outgoing ClientHello, EncryptedExtensions and CertificateRequest to
//   the RFC's: the order and every other entry come from the RFC message, but the entries that are
//   semantically ours — key_share, supported_versions, server_name, cookie — are the ones the engine
//   generated. So byte equality still proves our encoding of key_share, supported_versions, SNI and
//   the cookie echo, and everything derived from them (secrets, Finished, records). An "ours" entry
//   the engine failed to generate (or generated where the RFC has none) is reported by its own test
//   rather than hidden. ServerHello and HelloRetryRequest extensions are entirely the engine's.
import { beforeAll, describe, expect, it } from "vitest";
import { ClientConnection, ServerConnection, TLSError } from "../src/index.js";
import { AlertDescription, concatBytes, toHex } from "../src/bytes/index.js";
import { createPinnedProvider, pureProvider } from "../src/crypto/pure.js";
import type { CryptoProvider, GroupName, SignatureAlgorithm } from "../src/crypto/provider.js";
import { keyShareFromPrivateKey } from "../src/crypto/key-share.js";
import { type SubtleLike, webCryptoKeyShareFromPrivateKey, webCryptoProvider } from "../src/crypto/webcrypto/index.js";
import { ExtensionType, extensionName, signatureSchemeByCode, signatureSchemeByName, type SignatureSchemeName } from "../src/handshake/codec/constants.js";
import type { Extension } from "../src/handshake/codec/extensions.js";
import type { PeerIdentity } from "../src/x509/index.js";
import { parseCertificate } from "../src/x509/index.js";
import {
  type Rfc8448Section,
  certificateVerifyOf,
  certificatesOf,
  construct,
  handshakeBytesIn,
  item,
  itemOf,
  loadSection,
  messageExtensions,
  records,
  sealRecord,
  step,
  trafficKeys as traffic,
} from "./helpers/rfc8448.js";
import { withTestHooks } from "../src/handshake/config/test-hooks.js";

type ClientConfig = ConstructorParameters<typeof ClientConnection>[0];
type ServerConfig = ConstructorParameters<typeof ServerConnection>[0];
type Conn = ClientConnection | ServerConnection;
type Section = 3 | 5 | 6 | 7;

const SECTIONS: readonly Section[] = [3, 5, 6, 7];
type ProviderName = "pure" | "webcrypto";
const PROVIDERS: readonly ProviderName[] = ["pure", "webcrypto"];

/** The base provider of a replay and, for WebCrypto, the RFC's private keys imported into crypto.subtle. */
async function replayProvider(name: ProviderName, random: Uint8Array[], keyShares: Partial<Record<GroupName, Uint8Array[]>>): Promise<CryptoProvider> {
  if (name === "pure") return createPinnedProvider(pureProvider, { random, keyShares });
  const subtle = globalThis.crypto.subtle as unknown as SubtleLike;
  return createPinnedProvider(await webCryptoProvider(), {
    random,
    keyShares,
    asyncKeyShare: (group, privateKey) =>
      group === "X25519MLKEM768" ? keyShareFromPrivateKey(group, privateKey) : webCryptoKeyShareFromPrivateKey(subtle, group, privateKey),
  });
}
const hex = toHex;
const NOW = () => new Date("2019-01-01T00:00:00Z");
/** The RFC client offers TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384. */
const RFC_CLIENT_SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"] as const;
/** Extensions whose content the engine decides; everything else in the hooked messages comes from the RFC. */
const OURS: ReadonlySet<number> = new Set([
  ExtensionType.server_name,
  ExtensionType.supported_versions,
  ExtensionType.key_share,
  ExtensionType.cookie,
]);

// ---------------------------------------------------------------------------------------------
// What the RFC says
// ---------------------------------------------------------------------------------------------

const record = (s: Rfc8448Section, actor: "client" | "server", kind: string, occurrence = 0) =>
  itemOf(s, actor, `send ${kind} record`, "complete record", occurrence);
const payload = (s: Rfc8448Section, actor: "client" | "server", kind: string, occurrence = 0) =>
  itemOf(s, actor, `send ${kind} record`, "payload", occurrence);

interface Trace {
  s: Rfc8448Section;
  n: Section;
  clientHello1: Uint8Array | null;
  clientHello: Uint8Array;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  /** The client's legacy_session_id (section 7 only; empty elsewhere). */
  sessionId: Uint8Array;
  clientKeyShares: Partial<Record<GroupName, Uint8Array[]>>;
  serverKeyShares: Partial<Record<GroupName, Uint8Array[]>>;
  serverCertificate: Uint8Array;
  serverSignature: { scheme: SignatureSchemeName; signature: Uint8Array };
  clientCertificate: Uint8Array | null;
  clientSignature: { scheme: SignatureSchemeName; signature: Uint8Array } | null;
  helloRetryCookie: Uint8Array | null;
  keyLog: string[];
}

function signatureOf(message: Uint8Array): { scheme: SignatureSchemeName; signature: Uint8Array } {
  const cv = certificateVerifyOf(message);
  const scheme = signatureSchemeByCode(cv.scheme);
  if (!scheme) throw new Error(`unknown scheme 0x${cv.scheme.toString(16)} in the RFC's CertificateVerify`);
  return { scheme: scheme.name, signature: cv.signature };
}

function trace(n: Section): Trace {
  const s = loadSection(n);
  const hrr = n === 5;
  const clientHello = construct(s, "client", "ClientHello", hrr ? 1 : 0);
  const serverHello = construct(s, "server", "ServerHello", hrr ? 1 : 0);
  // ClientHello: type(1) length(3) legacy_version(2) random(32) legacy_session_id<0..32>.
  const clientRandom = clientHello.subarray(6, 38);
  const sessionId = clientHello.subarray(39, 39 + clientHello[38]!);
  const serverRandom = serverHello.subarray(6, 38);
  const x25519 = (actor: "client" | "server") => item(step(s, actor, "create an ephemeral x25519 key pair"), "private key");
  const p256 = (actor: "client" | "server") => item(step(s, actor, "create an ephemeral P-256 key pair"), "private key");
  const hasClientCert = s.steps.some((x) => x.actor === "client" && x.action === "construct a Certificate handshake message");
  let helloRetryCookie: Uint8Array | null = null;
  if (hrr) {
    const cookie = messageExtensions(construct(s, "server", "ServerHello", 0)).find((e) => e.type === ExtensionType.cookie);
    if (!cookie) throw new Error("section 5 HelloRetryRequest has no cookie");
    helloRetryCookie = cookie.data.subarray(2); // opaque cookie<1..2^16-1>
  }
  const cr = hex(clientRandom);
  const secret = (label: string) => hex(itemOf(s, "server", `derive secret "tls13 ${label}"`, "expanded"));
  return {
    s,
    n,
    clientHello1: hrr ? construct(s, "client", "ClientHello", 0) : null,
    clientHello,
    clientRandom,
    serverRandom,
    sessionId,
    clientKeyShares: hrr ? { x25519: [x25519("client")], secp256r1: [p256("client")] } : { x25519: [x25519("client")] },
    serverKeyShares: hrr ? { secp256r1: [p256("server")] } : { x25519: [x25519("server")] },
    serverCertificate: certificatesOf(construct(s, "server", "Certificate"))[0]!,
    serverSignature: signatureOf(construct(s, "server", "CertificateVerify")),
    clientCertificate: hasClientCert ? certificatesOf(construct(s, "client", "Certificate"))[0]! : null,
    clientSignature: hasClientCert ? signatureOf(construct(s, "client", "CertificateVerify")) : null,
    helloRetryCookie,
    keyLog: [
      `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${cr} ${secret("c hs traffic")}`,
      `SERVER_HANDSHAKE_TRAFFIC_SECRET ${cr} ${secret("s hs traffic")}`,
      `CLIENT_TRAFFIC_SECRET_0 ${cr} ${secret("c ap traffic")}`,
      `SERVER_TRAFFIC_SECRET_0 ${cr} ${secret("s ap traffic")}`,
      `EXPORTER_SECRET ${cr} ${secret("exp master")}`,
    ].sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration: pins, certificates, signers, extension hook
// ---------------------------------------------------------------------------------------------

const subjectOf = (der: Uint8Array) => parseCertificate(der).subject.text;

/** Pins the peer's RFC certificate: anything else is refused with bad_certificate. */
function pinnedVerifier(expected: Uint8Array): (chain: readonly Uint8Array[]) => PeerIdentity {
  return (chain) => {
    if (chain.length !== 1 || hex(chain[0]!) !== hex(expected)) {
      throw new TLSError(AlertDescription.bad_certificate, "peer certificate is not the RFC 8448 certificate");
    }
    return { subject: subjectOf(expected), dnsNames: [], ipAddresses: [], uris: [], emails: [] };
  };
}

/**
 * Returns the RFC's recorded signature, and records whether it verifies (with the certificate's
 * public key) over what the engine asked to sign — i.e. whether the engine built the §4.4.3 content.
 */
function recordedSigner(certificate: Uint8Array, recorded: { scheme: SignatureSchemeName; signature: Uint8Array }, log: string[]) {
  const publicKey = parseCertificate(certificate).publicKey;
  if (!publicKey) throw new Error("RFC certificate has no usable public key");
  const algorithm: SignatureAlgorithm = signatureSchemeByName(recorded.scheme).algorithm;
  return {
    schemes: [recorded.scheme],
    sign(scheme: SignatureSchemeName, message: Uint8Array): Uint8Array {
      const ok = pureProvider.verify(algorithm, publicKey, message, recorded.signature);
      log.push(`${scheme}: recorded signature ${ok ? "verifies" : "does NOT verify"} over the content to sign`);
      return recorded.signature.slice();
    },
  };
}

/** The RFC message whose extension list the hook reproduces. */
function rfcMessageFor(t: Trace, message: "client_hello" | "encrypted_extensions" | "certificate_request", retry: boolean): Uint8Array {
  switch (message) {
    case "client_hello":
      if (retry && !t.clientHello1) throw new Error("the engine sent a second ClientHello outside section 5");
      return retry || !t.clientHello1 ? t.clientHello : t.clientHello1;
    case "encrypted_extensions":
      return construct(t.s, "server", "EncryptedExtensions");
    case "certificate_request":
      return construct(t.s, "server", "CertificateRequest");
  }
}

/**
 * The hook described at the top of this file: RFC order and RFC entries, except that the entries in
 * OURS are the engine's own. Problems (an "ours" entry the engine did not generate, or generated
 * where the RFC has none) go to `problems`; a missing one is filled from the RFC so the rest of the
 * trace can still be checked, but the problems test fails.
 */
function extensionHook(t: Trace, problems: string[]) {
  return (message: "client_hello" | "encrypted_extensions" | "certificate_request", engine: Extension[], retry: boolean): Extension[] => {
    const where = `${message}${retry ? " (retry)" : ""}`;
    const rfc = messageExtensions(rfcMessageFor(t, message, retry));
    for (const e of engine) {
      if (OURS.has(e.type) && !rfc.some((r) => r.type === e.type)) {
        problems.push(`${where}: engine sent ${extensionName(e.type)} (${hex(e.data)}), the RFC's message has none`);
      }
    }
    return rfc.map((r) => {
      if (!OURS.has(r.type)) return r;
      const mine = engine.find((e) => e.type === r.type);
      if (mine) return mine;
      problems.push(`${where}: engine did not send ${extensionName(r.type)}; the RFC's is ${hex(r.data)}`);
      return r;
    });
  };
}

// ---------------------------------------------------------------------------------------------
// Driving a connection through the trace
// ---------------------------------------------------------------------------------------------

/** Takes all output, awaiting a pending step if one runs (bounded); each wait is counted for the replay's current stage. */
async function drain(conn: Conn, r: Replay): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) {
    const out = conn.takeOutput();
    if (out) parts.push(out.slice());
    const pending = conn.pending;
    if (!pending) break;
    r.countWait();
    await pending;
  }
  return concatBytes(...parts);
}

function describeError(e: unknown): string {
  if (e instanceof TLSError) return `TLSError ${e.alertName} (${e.origin}): ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Runs the stages of one replay in order and keeps what each observed. A stage that throws stops
 * the replay; the tests of later stages then fail with "not reached" and the cause.
 */
class Replay {
  private readonly observed = new Map<string, unknown>();
  private failure: string | null = null;
  conn: Conn | null = null;
  readonly keyLog: string[] = [];
  readonly extensionProblems: string[] = [];
  readonly signerLog: string[] = [];
  /** How often each stage found the connection pending (a step waiting on a Promise). */
  readonly waits = new Map<string, number>();
  private current = "";

  countWait(): void {
    this.waits.set(this.current, (this.waits.get(this.current) ?? 0) + 1);
  }

  async stage(name: string, run: () => unknown): Promise<void> {
    if (this.failure) return;
    this.current = name;
    try {
      this.observed.set(name, await run());
    } catch (e) {
      let alert = "";
      if (this.conn) {
        const out = this.conn.takeOutput();
        if (out) alert = `; it then sent ${records(out).join(" ")}`;
      }
      this.failure = `stage "${name}" threw ${describeError(e)}${alert}`;
    }
  }

  get<T>(name: string): T {
    if (!this.observed.has(name)) throw new Error(this.failure ? `not reached: ${this.failure}` : `stage "${name}" never ran`);
    return this.observed.get(name) as T;
  }
}

/** The client engine against the RFC's server records. */
async function replayClient(t: Trace, providerName: ProviderName): Promise<Replay> {
  const { s, n } = t;
  const r = new Replay();
  const config: ClientConfig = withTestHooks<ClientConfig>(
    {
    provider: await replayProvider(providerName, n === 7 ? [t.clientRandom, t.sessionId] : [t.clientRandom], t.clientKeyShares),
    serverName: "server",
    middleboxCompat: n === 7,
    cipherSuites: RFC_CLIENT_SUITES,
    groups: ["x25519", "secp256r1", "secp384r1"],
    keyShareGroups: ["x25519"],
    now: NOW,
    keyLog: (line) => r.keyLog.push(line),
    verifyPeer: pinnedVerifier(t.serverCertificate),
    ...(t.clientCertificate && t.clientSignature
      ? { certificateChain: [t.clientCertificate], signer: recordedSigner(t.clientCertificate, t.clientSignature, r.signerLog) }
      : {}),
    },
    { extensions: extensionHook(t, r.extensionProblems) },
  );

  await r.stage("ClientHello", async () => {
    r.conn = new ClientConnection(config);
    return records(await drain(r.conn, r));
  });
  const conn = () => r.conn!;
  const feed = async (bytes: Uint8Array) => {
    conn().receive(bytes);
    return records(await drain(conn(), r));
  };
  let serverRecord = 0;
  if (n === 5) await r.stage("HelloRetryRequest", () => feed(record(s, "server", "handshake", serverRecord++)));
  await r.stage("ServerHello", () => feed(record(s, "server", "handshake", serverRecord++)));
  if (n === 7) await r.stage("server change_cipher_spec", () => feed(record(s, "server", "change_cipher_spec")));
  await r.stage("server flight", () => feed(record(s, "server", "handshake", serverRecord++)));
  await r.stage("complete", () => ({ complete: conn().handshakeComplete, handshake: conn().handshake }));
  if (n === 3) {
    // The client decrypts and accepts the ticket; this replay has no session store to keep it in.
    await r.stage("NewSessionTicket", () => feed(record(s, "server", "handshake", serverRecord++)));
    await r.stage("write", async () => {
      conn().write(payload(s, "client", "application_data"));
      return records(await drain(conn(), r));
    });
    await r.stage("read", () => {
      conn().receive(record(s, "server", "application_data"));
      const chunks: Uint8Array[] = [];
      for (let chunk = conn().read(); chunk; chunk = conn().read()) chunks.push(chunk.slice());
      return hex(concatBytes(...chunks));
    });
  }
  await r.stage("close", async () => {
    conn().close();
    return records(await drain(conn(), r));
  });
  await r.stage("peer close", async () => {
    conn().receive(record(s, "server", "alert"));
    return { peerClosed: conn().peerClosed, output: records(await drain(conn(), r)) };
  });
  return r;
}

/** The server engine against the RFC's client records. */
async function replayServer(t: Trace, providerName: ProviderName): Promise<Replay> {
  const { s, n } = t;
  const r = new Replay();
  const config: ServerConfig = withTestHooks<ServerConfig>(
    {
    provider: await replayProvider(providerName, [t.serverRandom], t.serverKeyShares),
    // Section 5: the server supports only P-256, so the client's x25519 share forces a HelloRetryRequest.
    groups: n === 5 ? ["secp256r1"] : ["x25519", "secp256r1", "secp384r1"],
    now: NOW,
    keyLog: (line) => r.keyLog.push(line),
    certificateChain: [t.serverCertificate],
    signer: recordedSigner(t.serverCertificate, t.serverSignature, r.signerLog),
    ...(t.clientCertificate ? { clientAuth: "require" as const, verifyPeer: pinnedVerifier(t.clientCertificate) } : {}),
    // Section 3: the RFC server issues one ticket (lifetime 30 s, max_early_data_size 1024) whose
    // age_add, nonce and opaque ticket bytes are its own choice: the hook pins those three.
    ...(n === 3 ? { tickets: 1, ticketLifetime: 30, maxEarlyData: 1024 } : {}),
    },
    {
      extensions: extensionHook(t, r.extensionProblems),
      ...(n === 3 ? { newSessionTicket: () => rfcTicket(s) } : {}),
      // The RFC server's cookie is opaque state of its own; we echo its bytes.
      ...(t.helloRetryCookie ? { helloRetryCookie: () => t.helloRetryCookie!.slice() } : {}),
    },
  );
  await r.stage("construct", async () => {
    r.conn = new ServerConnection(config);
    return records(await drain(r.conn, r));
  });
  const conn = () => r.conn!;
  const feed = async (...bytes: Uint8Array[]) => {
    for (const b of bytes) conn().receive(b);
    return records(await drain(conn(), r));
  };
  let clientRecord = 0;
  if (n === 5) await r.stage("first ClientHello", () => feed(record(s, "client", "handshake", clientRecord++)));
  await r.stage("ClientHello", () => feed(record(s, "client", "handshake", clientRecord++)));
  await r.stage("client flight", () =>
    n === 7 ? feed(record(s, "client", "change_cipher_spec"), record(s, "client", "handshake", clientRecord++)) : feed(record(s, "client", "handshake", clientRecord++)),
  );
  await r.stage("complete", () => ({ complete: conn().handshakeComplete, handshake: conn().handshake }));
  if (n === 3) {
    await r.stage("read", () => {
      conn().receive(record(s, "client", "application_data"));
      const chunks: Uint8Array[] = [];
      for (let chunk = conn().read(); chunk; chunk = conn().read()) chunks.push(chunk.slice());
      return hex(concatBytes(...chunks));
    });
    await r.stage("write", async () => {
      conn().write(payload(s, "server", "application_data"));
      return records(await drain(conn(), r));
    });
  }
  await r.stage("peer close", async () => {
    conn().receive(record(s, "client", "alert"));
    return { peerClosed: conn().peerClosed, output: records(await drain(conn(), r)) };
  });
  await r.stage("close", async () => {
    conn().close();
    return records(await drain(conn(), r));
  });
  return r;
}

/** The RFC 8448 §3 NewSessionTicket's age_add, nonce and ticket (§4.6.1 layout), for the server's test hook. */
function rfcTicket(s: Rfc8448Section): { ticketAgeAdd: number; nonce: Uint8Array; ticket: Uint8Array } {
  const body = construct(s, "server", "NewSessionTicket").subarray(4);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const nonceLength = body[8]!;
  const nonce = body.slice(9, 9 + nonceLength);
  const ticketAt = 9 + nonceLength;
  const ticketLength = view.getUint16(ticketAt);
  return { ticketAgeAdd: view.getUint32(4), nonce, ticket: body.slice(ticketAt + 2, ticketAt + 2 + ticketLength) };
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

const TIMEOUT = 30_000;

describe.each(PROVIDERS.flatMap((p) => SECTIONS.map((n) => [n, p] as const)))("RFC 8448 section %i, %s provider", (n, providerName) => {
  const t = trace(n);
  const { s } = t;
  const hexRecords = (...recs: Uint8Array[]) => recs.map(hex);

  describe("client role", () => {
    let r: Replay;
    beforeAll(async () => {
      r = await replayClient(t, providerName);
    }, TIMEOUT);

    it("first ClientHello record equals the RFC's (record version 0x0301)", () => {
      expect(r.get<string[]>("ClientHello")).toEqual(hexRecords(record(s, "client", "handshake", 0)));
      expect(hex(record(s, "client", "handshake", 0)).slice(0, 6)).toBe("160301");
    });

    if (n === 5) {
      it("answers the HelloRetryRequest with the RFC's second ClientHello (record version 0x0303)", () => {
        expect(r.get<string[]>("HelloRetryRequest")).toEqual(hexRecords(record(s, "client", "handshake", 1)));
        expect(hex(record(s, "client", "handshake", 1)).slice(0, 6)).toBe("160303");
      });
    }

    it("its second flight carries the RFC's handshake messages (decrypted with the RFC's client handshake key)", () => {
      const sent = [...r.get<string[]>("ServerHello"), ...(n === 7 ? r.get<string[]>("server change_cipher_spec") : []), ...r.get<string[]>("server flight")];
      const keys = traffic(s, "server", "derive read traffic keys for handshake data");
      expect(handshakeBytesIn(sent, keys)).toBe(hex(payload(s, "client", "handshake", n === 5 ? 2 : 1)));
    });

    it("sends its second flight, byte for byte (record framing included)", () => {
      const expected =
        n === 7
          ? hexRecords(record(s, "client", "change_cipher_spec"), record(s, "client", "handshake", 1))
          : hexRecords(record(s, "client", "handshake", n === 5 ? 2 : 1));
      // RFC 8446 §D.4 lets the compatibility-mode client send its change_cipher_spec as soon as it
      // has the ServerHello; the wire order is the same either way.
      const sent = [
        ...r.get<string[]>("ServerHello"),
        ...(n === 7 ? r.get<string[]>("server change_cipher_spec") : []),
        ...r.get<string[]>("server flight"),
      ];
      expect(sent).toEqual(expected);
    });

    it("completes the handshake and logs the RFC's traffic secrets", () => {
      const done = r.get<{ complete: boolean; handshake: { peerIdentity: PeerIdentity | null; cipherSuite: string } | null }>("complete");
      expect(done.complete).toBe(true);
      expect(done.handshake?.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
      expect(done.handshake?.peerIdentity?.subject).toBe(subjectOf(t.serverCertificate));
      expect([...r.keyLog].sort()).toEqual(t.keyLog);
    });

    if (n === 6) {
      it("signs the right CertificateVerify content (the RFC's signature verifies over it)", () => {
        r.get("complete");
        expect(r.signerLog).toEqual(["rsa_pss_rsae_sha256: recorded signature verifies over the content to sign"]);
      });
    }

    it("generated every extension the hook treats as its own", () => {
      r.get("ClientHello");
      expect(r.extensionProblems).toEqual([]);
    });

    if (providerName === "pure") {
      it("answers every step synchronously: `pending` is never set", () => {
        r.get("peer close");
        expect(Object.fromEntries(r.waits)).toEqual({});
      });
    } else {
      it("waits on crypto.subtle for its key share(s), the server's key share and the server's CertificateVerify", () => {
        r.get("peer close");
        const waited = [...r.waits.keys()];
        expect(waited).toEqual(expect.arrayContaining(["ClientHello", "ServerHello", "server flight", ...(n === 5 ? ["HelloRetryRequest"] : [])]));
      });
    }

    if (n === 3) {
      it("accepts the NewSessionTicket without sending anything", () => {
        expect(r.get<string[]>("NewSessionTicket")).toEqual([]);
      });

      it("encrypts application data as the RFC's record", () => {
        expect(r.get<string[]>("write")).toEqual(hexRecords(record(s, "client", "application_data")));
      });

      it("decrypts the RFC server's application data", () => {
        expect(r.get<string>("read")).toBe(hex(payload(s, "server", "application_data")));
      });
    }

    it("close() sends the RFC's close_notify record", () => {
      expect(r.get<string[]>("close")).toEqual(hexRecords(record(s, "client", "alert")));
    });

    it("receives the RFC server's close_notify", () => {
      expect(r.get("peer close")).toEqual({ peerClosed: true, output: [] });
    });
  });

  describe("server role", () => {
    let r: Replay;
    beforeAll(async () => {
      r = await replayServer(t, providerName);
    }, TIMEOUT);

    it("sends nothing before the ClientHello", () => {
      expect(r.get<string[]>("construct")).toEqual([]);
    });

    if (n === 5) {
      it("answers the first ClientHello with the RFC's HelloRetryRequest", () => {
        expect(r.get<string[]>("first ClientHello")).toEqual(hexRecords(record(s, "server", "handshake", 0)));
      });
    }

    it("sends the RFC's ServerHello record", () => {
      expect(r.get<string[]>("ClientHello")[0]).toBe(hex(record(s, "server", "handshake", n === 5 ? 1 : 0)));
    });

    it("its encrypted flight carries the RFC's handshake messages (decrypted with the RFC's server handshake key)", () => {
      const keys = traffic(s, "server", "derive write traffic keys for handshake data");
      expect(handshakeBytesIn(r.get<string[]>("ClientHello"), keys)).toBe(hex(payload(s, "server", "handshake", n === 5 ? 2 : 1)));
    });

    it("sends ServerHello, (change_cipher_spec,) and the encrypted flight byte for byte (record framing included)", () => {
      const first = n === 5 ? 1 : 0;
      const expected =
        n === 7
          ? hexRecords(record(s, "server", "handshake", 0), record(s, "server", "change_cipher_spec"), record(s, "server", "handshake", 1))
          : hexRecords(record(s, "server", "handshake", first), record(s, "server", "handshake", first + 1));
      expect(r.get<string[]>("ClientHello")).toEqual(expected);
    });

    it("signs the right CertificateVerify content (the RFC's signature verifies over it)", () => {
      r.get("ClientHello");
      expect(r.signerLog).toEqual([`${t.serverSignature.scheme}: recorded signature verifies over the content to sign`]);
    });

    it("accepts the client's flight, completes, and logs the RFC's traffic secrets", () => {
      // Section 3: the RFC server follows with its NewSessionTicket (sealed under the server
      // application key, sequence 0); sections 5-7 send none.
      expect(r.get<string[]>("client flight")).toEqual(n === 3 ? hexRecords(record(s, "server", "handshake", 2)) : []);
      const done = r.get<{ complete: boolean; handshake: { peerIdentity: PeerIdentity | null; cipherSuite: string } | null }>("complete");
      expect(done.complete).toBe(true);
      expect(done.handshake?.cipherSuite).toBe("TLS_AES_128_GCM_SHA256");
      expect(done.handshake?.peerIdentity?.subject ?? null).toBe(t.clientCertificate ? subjectOf(t.clientCertificate) : null);
      expect([...r.keyLog].sort()).toEqual(t.keyLog);
    });

    it("generated every extension the hook treats as its own", () => {
      r.get("ClientHello");
      expect(r.extensionProblems).toEqual([]);
    });

    if (providerName === "pure") {
      it("answers every step synchronously: `pending` is never set", () => {
        r.get("close");
        expect(Object.fromEntries(r.waits)).toEqual({});
      });
    } else {
      it("waits on crypto.subtle for its key share (and the client's CertificateVerify)", () => {
        r.get("close");
        expect([...r.waits.keys()].sort()).toEqual(["ClientHello", ...(n === 6 ? ["client flight"] : [])].sort());
      });
    }

    if (n === 3) {
      // The RFC server's application data and alert records follow its NewSessionTicket (server
      // application sequence numbers 1 and 2), as ours do. The first test shows the test's own
      // sealer reproduces the RFC's records.
      const serverKeys = () => traffic(s, "server", "derive write traffic keys for application data");

      it("(test's own sealer reproduces the RFC server's application data and alert records)", () => {
        expect(hex(sealRecord(serverKeys(), 1, 23, payload(s, "server", "application_data")))).toBe(hex(record(s, "server", "application_data")));
        expect(hex(sealRecord(serverKeys(), 2, 21, payload(s, "server", "alert")))).toBe(hex(record(s, "server", "alert")));
      });

      it("decrypts the RFC client's application data", () => {
        expect(r.get<string>("read")).toBe(hex(payload(s, "client", "application_data")));
      });

      it("encrypts application data exactly as the RFC's server does (sequence 1, after the ticket)", () => {
        expect(r.get<string[]>("write")).toEqual(hexRecords(record(s, "server", "application_data")));
      });
    }

    it("receives the RFC client's close_notify", () => {
      const got = r.get<{ peerClosed: boolean; output: string[] }>("peer close");
      expect(got.peerClosed).toBe(true);
    });

    it("sends the RFC's close_notify record exactly once", () => {
      const expected = hexRecords(record(s, "server", "alert"));
      // Whether the engine answers close_notify on its own or waits for close(), exactly one alert goes out.
      expect([...r.get<{ output: string[] }>("peer close").output, ...r.get<string[]>("close")]).toEqual(expected);
    });
  });
});
