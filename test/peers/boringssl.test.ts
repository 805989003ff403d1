/**
 * The mutls CLI against BoringSSL, both roles, with mutual authentication. BoringSSL is Google's
 * TLS stack (Chrome, Android, Cloudflare's edge, gRPC): forked from OpenSSL, but with a TLS 1.3
 * handshake, record layer and defaults of its own, and strict about what it accepts. The peer is
 * test/peers/boringssl/peer.c, compiled here with gcc against Debian's android-libboringssl-dev
 * (BoringSSL from Android 13); it prints what BoringSSL negotiated and verified as JSON lines, and
 * those are the oracle: the suite and group (SSL_get_curve_id), resumption, 0-RTT, the SHA-256 of
 * the leaf certificate BoringSSL verified and the signature algorithm it checked, ALPN, SNI, the
 * RFC 8446 §7.5 exporter (SSL_export_keying_material), and the alerts BoringSSL sends and
 * receives. Its message callback shows each handshake message in plaintext, encrypted or not: the
 * hellos (key shares, HelloRetryRequest, cookie), each KeyUpdate with its request_update, each
 * NewSessionTicket with its early data limit, and EndOfEarlyData.
 *
 * Where BoringSSL differs, and what the peer does about it:
 * - its TLS 1.3 cipher suites cannot be chosen (SSL_CTX_set_cipher_list applies to TLS 1.2 and
 *   below), so every suite is chosen on our side: our server's --ciphers, or our client offering
 *   one suite;
 * - its client sends a key share for the first group of its list only (x25519 by default), so a
 *   server that takes another group must ask again with a HelloRetryRequest; its own
 *   HelloRetryRequest carries no cookie (a stateful server needs none, RFC 8446 §4.2.2);
 * - Ed25519 is not in its default signature_algorithms, so by default it neither offers nor
 *   verifies Ed25519 (davidben in openssl/openssl#3585: BoringSSL's client needed a flag for it;
 *   cloudflare/quiche#2186: supported, not a default). The peer adds it with
 *   SSL_CTX_set_verify_algorithm_prefs; with -default-verify-prefs it keeps the default, and two
 *   cases show what we do then: our server with only an Ed25519 key refuses the BoringSSL client
 *   with handshake_failure, and our client holds back its Ed25519 certificate, which BoringSSL's
 *   server answers with certificate_required (PEER_DID_NOT_RETURN_A_CERTIFICATE, as Envoy's users
 *   met it in envoyproxy/envoy#25727). Signing with an Ed25519 key needs no setting;
 * - it answers a KeyUpdate with update_requested that arrives after its own close_notify by
 *   queueing the answer (its message callback sees it), but never writes it: nothing reaches the
 *   socket after the close_notify (the peer counts the bytes, BIO_number_written). davidben
 *   described BoringSSL processing a KeyUpdate in shutdown without answering it in
 *   openssl/openssl#7058: the answer is owed only before the next application data, which never
 *   comes;
 * - in TLS 1.3 its client ends the handshake with its own Finished, so a refusal of its
 *   certificate by our server (certificate_required, unknown_ca) reaches it on its first read;
 * - SSL_get1_session at the end of a TLS 1.3 handshake gives a session that cannot resume (the
 *   tickets come after it), so the client keeps the sessions of SSL_CTX_sess_set_new_cb; its
 *   server sends two tickets per connection by default, allowing 14336 bytes of early data;
 * - its 0-RTT runs through SSL_do_handshake returning early (SSL_in_early_data), SSL_write of the
 *   early data, and SSL_ERROR_EARLY_DATA_REJECTED with SSL_reset_early_data_reject when refused;
 *   it offers 0-RTT only on a ticket whose early_data extension allows it;
 * - like Chrome, it can send GREASE values (RFC 8701) in its lists and extensions, an
 *   encrypted_client_hello extension of random bytes (ECH GREASE), and its ClientHello extensions
 *   in a random order (SSL_CTX_set_grease_enabled, SSL_set_enable_ech_grease,
 *   SSL_CTX_set_permute_extensions); this Android build also offers CECPQ2, the X25519+HRSS hybrid
 *   of Chrome's first post-quantum experiment. Its server puts a GREASE extension in its NewSessionTickets;
 * - its client offers 0-RTT only when the ticket's ALPN protocol is among those it offers
 *   (ssl_early_data_alpn_mismatch), and its server declines 0-RTT under another protocol. Our
 *   client used to offer 0-RTT then, checking only the ticket's early data limit; BoringSSL's
 *   server reported alpn_mismatch. Our client now keeps to the ticket's protocol as §4.2.10
 *   requires (and refuses a server that accepts 0-RTT under another one,
 *   test/session/early-data-pair.test.ts), so BoringSSL reports peer_declined: no early_data
 *   was offered;
 * - SSL_alert_desc_string_long names alerts in words ("unknown CA", "certificate required"), which
 *   the test matches, not the RFC 8446 names.
 *
 * Not covered, and why: post-handshake client authentication (BoringSSL has none, in either role:
 * davidben in openssl/openssl#7058); an external PSK (BoringSSL's PSK callbacks are RFC 4279's, for
 * TLS 1.2 cipher suites; covered with OpenSSL, GnuTLS and NSS).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CA,
  type KeyType,
  type Peer,
  ROOT,
  cert,
  certAndKeyArgs,
  key,
  ourExport,
  startMutlsClient,
  startMutlsEchoServer,
  startProcess,
  stopAllProcesses,
} from "./process.js";
import {
  KEY_PAIRS,
  TLS13_SUITES,
  jsonEvents,
  leafSha256,
  ourClientEchoesMiB,
  ourClientExchange,
  ourClientRefused,
  ourClientTwoSteps,
  withKeyUpdatingEchoServer,
} from "./cases.js";

afterEach(stopAllProcesses);

const INCLUDE = "/usr/include/android";
const LIB = "/usr/lib/x86_64-linux-gnu/android";
const HEADER = `${INCLUDE}/openssl/ssl.h`;
const gcc = spawnSync("gcc", ["--version"], { encoding: "utf8" });
/** Why the BoringSSL peer cannot be built here, or null; .ci/run installs gcc and android-libboringssl-dev. */
const BORINGSSL_MISSING =
  gcc.status !== 0
    ? `gcc is not installed (apt-get install -y gcc): ${(gcc.error?.message ?? gcc.stderr).trim()}`
    : !existsSync(HEADER)
      ? `${HEADER} is missing (apt-get install -y android-libboringssl-dev)`
      : null;
if (BORINGSSL_MISSING) console.log(`skipping BoringSSL interop: ${BORINGSSL_MISSING}`);
const BASE_H = `${INCLUDE}/openssl/base.h`;
const BORINGSSL_VERSION = `BoringSSL API ${existsSync(BASE_H) ? (/#define BORINGSSL_API_VERSION (\d+)/.exec(readFileSync(BASE_H, "utf8"))?.[1] ?? "?") : "missing"}`;

const SOURCE = fileURLToPath(new URL("./boringssl/peer.c", import.meta.url));
/** Under node_modules/.cache, rebuilt only when peer.c is newer than the binary. */
const BUILD = join(ROOT, "node_modules", ".cache", "boringssl-peer");
const PEER = join(BUILD, "boringssl-peer");

const dir = mkdtempSync(join(tmpdir(), "mutls-boringssl-peer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (BORINGSSL_MISSING) return;
  if (existsSync(PEER) && statSync(PEER).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  mkdirSync(BUILD, { recursive: true });
  // -I before the system's include path, so <openssl/ssl.h> is BoringSSL's (peer.c checks
  // OPENSSL_IS_BORINGSSL), and -L with an rpath, so the system OpenSSL's libraries are not linked.
  const args = [
    "-std=c11",
    "-D_GNU_SOURCE",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    `-I${INCLUDE}`,
    "-o",
    PEER,
    SOURCE,
    `-L${LIB}`,
    "-lssl",
    "-lcrypto",
    `-Wl,-rpath,${LIB}`,
  ];
  const build = spawnSync("gcc", args, { encoding: "utf8", timeout: 60_000 });
  if (build.status !== 0) throw new Error(`gcc could not build the BoringSSL peer:\n${build.stdout}${build.stderr}${build.error?.message ?? ""}`);
}, 70_000);

/** One event the BoringSSL peer printed (peer.c's `begin`/`end`). */
interface BoringEvent {
  event:
    "listening" | "hello" | "ticket" | "endOfEarlyData" | "earlyDataWritten" | "keyUpdate" | "alert" | "verify" | "handshake" | "echo" | "closed" | "error";
  address?: string;
  direction?: "sent" | "received";
  message?: "ClientHello" | "ServerHello" | "HelloRetryRequest";
  keyShares?: number[];
  group?: number;
  groupName?: string;
  cookie?: string | null;
  earlyData?: boolean;
  psk?: boolean;
  extensions?: number[];
  lifetime?: number;
  maxEarlyData?: number;
  requested?: boolean;
  level?: string;
  code?: number;
  description?: string;
  depth?: number;
  ok?: boolean;
  reason?: string;
  sha256?: string;
  version?: string;
  suite?: string;
  resumed?: boolean;
  alpn?: string;
  serverName?: string;
  peerSignatureAlgorithm?: string;
  peerLeafSha256?: string;
  earlyDataAccepted?: boolean;
  earlyDataReason?: string;
  export?: string | null;
  line?: string;
  bytes?: number;
  firstMismatch?: number;
  bytesAfterCloseNotify?: number;
  echoed?: number;
  earlyBytes?: number;
  stage?: string;
  sslError?: number;
  error?: string;
  alertReceived?: string;
  alertSent?: string;
}

const events = (peer: Peer): BoringEvent[] => jsonEvents<BoringEvent>(peer);
const handshakes = (peer: Peer): BoringEvent[] => events(peer).filter((e) => e.event === "handshake");
const hellos = (peer: Peer): BoringEvent[] => events(peer).filter((e) => e.event === "hello");
/** KeyUpdates and alerts in the order BoringSSL handled them: "sent update_requested", "received close notify". */
const timeline = (peer: Peer): string[] =>
  events(peer).flatMap((e) =>
    e.event === "keyUpdate"
      ? [`${e.direction} ${e.requested ? "update_requested" : "update_not_requested"}`]
      : e.event === "alert"
        ? [`${e.direction} ${e.description}`]
        : [],
  );
const firstError = (peer: Peer): BoringEvent | undefined => events(peer).find((e) => e.event === "error");
const echoes = (peer: Peer): (string | undefined)[] =>
  events(peer)
    .filter((e) => e.event === "echo")
    .map((e) => e.line);

/** The groups under test: our name, the TLS code point (RFC 8446 §4.2.7), and BoringSSL's name for it. */
const GROUPS = [
  ["x25519", 29, "X25519"],
  ["secp256r1", 23, "P-256"],
  ["secp384r1", 24, "P-384"],
] as const;

/** The TLS 1.3 signature scheme (RFC 8446 §4.2.3) each fixture key type signs with, by BoringSSL's name. */
const SIGNATURE_SCHEME: Record<KeyType, string> = {
  p256: "ecdsa_secp256r1_sha256",
  p384: "ecdsa_secp384r1_sha384",
  ed25519: "ed25519",
  rsa2048: "rsa_pss_rsae_sha256",
};

/** A GREASE value (RFC 8701 §2): 0x0A0A, 0x1A1A, .. 0xFAFA. */
const isGrease = (value: number): boolean => (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);
/** The encrypted_client_hello extension (draft-ietf-tls-esni-13), which BoringSSL sends as GREASE. */
const ECH = 0xfe0d;
/** Chrome's 2019-2022 post-quantum hybrid (X25519 with HRSS), which this BoringSSL still offers on request. */
const CECPQ2 = 16696;

const boringCert = (role: "server" | "client", type: KeyType): string[] => ["-cert", cert(`${role}-${type}`), "-key", key(`${role}-${type}`)];

/** The BoringSSL client against our server: its connections run, then it exits. */
async function boringClient(port: number, args: readonly string[]): Promise<Peer> {
  const client = startProcess("boringssl client", PEER, ["client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-ca", CA, ...args]);
  await client.waitForExit();
  return client;
}

/** The BoringSSL echo server, listening on an ephemeral port of 127.0.0.1. */
async function boringServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const server = startProcess("boringssl server", PEER, ["server", "-listen", "127.0.0.1:0", "-ca", CA, ...args]);
  const match = await server.waitFor(/"address":"127\.0\.0\.1:(\d+)"/);
  return { server, port: Number(match[1]) };
}

// Skipped, with the reason printed, only where gcc or android-libboringssl-dev is missing (.ci/run installs them).
describe.skipIf(BORINGSSL_MISSING !== null)(`mutls server <- BoringSSL client (${BORINGSSL_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}, chosen by our server`, async () => {
      const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--ciphers", suite]);
      const client = await boringClient(port, boringCert("client", "p256"));
      expect(
        handshakes(client).map((e) => [e.version, e.suite]),
        client.report(),
      ).toEqual([["TLSv1.3", suite]]);
      expect(echoes(client)).toEqual(["ping"]);
      expect(events(client).some((e) => e.event === "closed")).toBe(true);
      await server.waitFor(/closed cleanly/);
      expect(server.stderr).toContain(suite);
    });
  }

  for (const [group, code, theirs] of GROUPS) {
    it(`agrees on ${group} when BoringSSL offers only it`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = await boringClient(port, [...boringCert("client", "p256"), "-groups", group]);
      expect(
        handshakes(client).map((e) => [e.group, e.groupName]),
        client.report(),
      ).toEqual([[code, theirs]]);
      expect(hellos(client).map((e) => [e.direction, e.message, e.keyShares, e.group])).toEqual([
        ["sent", "ClientHello", [code], undefined],
        ["received", "ServerHello", [], code],
      ]);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`group ${group},`);
    });
  }

  it("asks again (HelloRetryRequest, without a cookie) when BoringSSL's one key share is for a group we do not take", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-groups", "x25519,secp384r1"]);
    expect(echoes(client), client.report()).toEqual(["ping"]);
    expect(handshakes(client)[0]?.group).toBe(24);
    const [hello1, retry, hello2, serverHello] = hellos(client);
    // BoringSSL sends a share for its first group only, so our server must ask for the second.
    expect(hello1).toMatchObject({ direction: "sent", message: "ClientHello", keyShares: [29], cookie: null });
    expect(retry).toMatchObject({ direction: "received", message: "HelloRetryRequest", group: 24, cookie: null });
    expect(hello2).toMatchObject({ direction: "sent", message: "ClientHello", keyShares: [24], cookie: null });
    expect(serverHello).toMatchObject({ direction: "received", message: "ServerHello", group: 24 });
    await server.waitFor(/accepted: /);
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${serverType} server to BoringSSL and a ${clientType} BoringSSL client to us`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", serverType));
      const client = await boringClient(port, boringCert("client", clientType));
      expect(handshakes(client)[0]?.peerLeafSha256, client.report()).toBe(leafSha256(`server-${serverType}`));
      expect(handshakes(client)[0]?.peerSignatureAlgorithm).toBe(SIGNATURE_SCHEME[serverType]);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
      await server.waitFor(/closed cleanly/);
    });
  }

  it("completes with a Chrome-like BoringSSL client (GREASE, ECH GREASE, permuted extensions, a CECPQ2 share) and resumes", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1"]);
    const client = await boringClient(port, [
      ...boringCert("client", "p256"),
      "-grease",
      "-permute-extensions",
      "-groups",
      "cecpq2,x25519",
      "-connections",
      "2",
    ]);
    expect(
      handshakes(client).map((e) => [e.groupName, e.resumed]),
      client.report(),
    ).toEqual([
      ["X25519", false],
      ["X25519", true],
    ]);
    const clientHellos = hellos(client).filter((e) => e.message === "ClientHello");
    expect(clientHellos).toHaveLength(2);
    for (const hello of clientHellos) {
      // A GREASE share first, then CECPQ2's, which we do not know, then x25519's, which we take.
      expect(hello.keyShares?.map((group) => (isGrease(group) ? "GREASE" : group))).toEqual(["GREASE", CECPQ2, 29]);
      expect(hello.extensions?.some(isGrease)).toBe(true);
      expect(hello.extensions).toContain(ECH);
    }
    // Permuted or not, pre_shared_key stays the last extension (RFC 8446 §4.2.11).
    expect(clientHellos[1]?.extensions?.at(-1)).toBe(41);
    expect(echoes(client)).toEqual(["ping", "ping"]);
    await server.waitFor(/accepted: .*group x25519,.*resumed/);
    // Our ServerHello names only what the client offered and we know.
    expect(
      hellos(client)
        .filter((e) => e.message === "ServerHello")
        .flatMap((e) => e.extensions ?? [])
        .some(isGrease),
    ).toBe(false);
  });

  it("exports the same keying material as SSL_export_keying_material (RFC 8446 §7.5)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--export", "EXPERIMENTAL-mutls:48"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-export", "EXPERIMENTAL-mutls:48"]);
    await server.waitFor(/exporter /);
    const theirs = handshakes(client)[0]?.export;
    expect(theirs, client.report()).toHaveLength(96);
    expect(ourExport(server.stderr)).toBe(theirs);
  });

  it("is resumed by BoringSSL with the ticket it sent, keeping the client's identity", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-connections", "2"]);
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    // The second ClientHello offers the ticket (pre_shared_key), and our ServerHello takes it.
    expect(hellos(client).map((e) => `${e.message} psk ${e.psk}`)).toEqual([
      "ClientHello psk false",
      "ServerHello psk false",
      "ClientHello psk true",
      "ServerHello psk true",
    ]);
    // A resumed handshake carries no certificate: both sides keep the one they verified.
    expect(handshakes(client)[1]?.peerLeafSha256).toBe(leafSha256("server-p256"));
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
  });

  it("is resumed by BoringSSL with a ticket from a connection after a HelloRetryRequest", async () => {
    // The ticket's PSK comes from a resumption secret over a transcript that starts with
    // message_hash (§4.4.1): BoringSSL's binder matches ours only if both derived the same one.
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1", "--tickets", "1"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-groups", "x25519,secp384r1", "-connections", "2"]);
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: .*group secp384r1 after a HelloRetryRequest,(?!.*resumed)/);
  });

  it("takes BoringSSL's 0-RTT data (RFC 8446 §4.2.10) on a ticket that allows it", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1", "--early-data"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-connections", "2", "-early-data", "early line"]);
    expect(
      handshakes(client).map((e) => [e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      client.report(),
    ).toEqual([
      [false, false, "no_session_offered"],
      [true, true, "accepted"],
    ]);
    // Our ticket allowed 16384 bytes of early data; BoringSSL offered it, and ended it.
    expect(events(client).find((e) => e.event === "ticket")).toMatchObject({ direction: "received", maxEarlyData: 16384 });
    expect(
      hellos(client)
        .filter((e) => e.message === "ClientHello")
        .map((e) => e.earlyData),
    ).toEqual([false, true]);
    expect(events(client).filter((e) => e.event === "endOfEarlyData")).toEqual([{ event: "endOfEarlyData", direction: "sent" }]);
    expect(events(client).filter((e) => e.event === "earlyDataWritten")).toEqual([{ event: "earlyDataWritten", bytes: "early line\n".length }]);
    expect(echoes(client)).toEqual(["ping", "early line", "ping"]);
    await server.waitFor(/accepted: .*resumed, 0-RTT data accepted/);
  });

  it("gives BoringSSL tickets without early_data when 0-RTT is off, and BoringSSL sends none", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-connections", "2", "-early-data", "early line"]);
    expect(
      handshakes(client).map((e) => [e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      client.report(),
    ).toEqual([
      [false, false, "no_session_offered"],
      [true, false, "unsupported_for_session"],
    ]);
    expect(events(client).find((e) => e.event === "ticket")).toMatchObject({ maxEarlyData: -1 });
    expect(hellos(client).some((e) => e.earlyData)).toBe(false);
    expect(events(client).some((e) => e.event === "earlyDataWritten")).toBe(false);
    // The peer sends the early line after the handshake instead.
    expect(echoes(client)).toEqual(["ping", "early line", "ping"]);
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).not.toContain("0-RTT");
  });

  it("skips BoringSSL's 0-RTT record when it answers with a HelloRetryRequest (RFC 8446 §4.2.10)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1", "--early-data", "--groups", "secp384r1"]);
    const client = await boringClient(port, [...boringCert("client", "p256"), "-groups", "x25519,secp384r1", "-connections", "2", "-early-data", "early line"]);
    expect(
      handshakes(client).map((e) => [e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      client.report(),
    ).toEqual([
      [false, false, "no_session_offered"],
      [true, false, "hello_retry_request"],
    ]);
    // BoringSSL wrote its early line right after its first ClientHello, before our HelloRetryRequest
    // came; we skip that record, and BoringSSL sends the line again after the handshake.
    expect(events(client).filter((e) => e.event === "earlyDataWritten")).toEqual([{ event: "earlyDataWritten", bytes: "early line\n".length }]);
    expect(hellos(client).map((e) => `${e.message}${e.earlyData ? " early_data" : ""}`)).toEqual([
      "ClientHello",
      "HelloRetryRequest",
      "ClientHello",
      "ServerHello",
      "ClientHello early_data",
      "HelloRetryRequest",
      "ClientHello",
      "ServerHello",
    ]);
    expect(echoes(client)).toEqual(["ping", "early line", "ping"]);
    await server.waitFor(/accepted: .*after a HelloRetryRequest.*resumed/);
    await server.waitFor(/closed cleanly[^]*closed cleanly/);
    expect(server.stderr).not.toContain("0-RTT");
  });

  it("declines BoringSSL's 0-RTT when it selects an ALPN protocol other than the ticket's (RFC 8446 §4.2.10)", async () => {
    // Our server prefers http/1.1; the ticket's connection offered only h2, the resuming one both.
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1", "--early-data", "--alpn", "http/1.1,h2"]);
    const client = await boringClient(port, [
      ...boringCert("client", "p256"),
      "-alpn",
      "h2",
      "-alpn-after",
      "h2,http/1.1",
      "-connections",
      "2",
      "-early-data",
      "early line",
    ]);
    expect(
      handshakes(client).map((e) => [e.alpn, e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      client.report(),
    ).toEqual([
      ["h2", false, false, "no_session_offered"],
      ["http/1.1", true, false, "peer_declined"],
    ]);
    expect(events(client).filter((e) => e.event === "earlyDataWritten")).toHaveLength(1);
    expect(echoes(client)).toEqual(["ping", "early line", "ping"]);
    await server.waitFor(/accepted: .*ALPN http\/1\.1.*resumed/);
    await server.waitFor(/closed cleanly[^]*closed cleanly/);
    expect(server.stderr).not.toContain("0-RTT");
  });

  it("echoes 1 MiB from BoringSSL, in order and intact", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await boringClient(port, [...boringCert("client", "p256"), "-bytes", String(1 << 20)]);
    expect(
      events(client).find((e) => e.event === "echo"),
      client.report(),
    ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
    await server.waitFor(/closed cleanly/);
  });

  it("agrees with BoringSSL on ALPN (RFC 7301), and refuses BoringSSL with no_application_protocol when nothing matches", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--alpn", "h2,http/1.1"]);
    const agreed = await boringClient(port, [...boringCert("client", "p256"), "-alpn", "imap,http/1.1"]);
    expect(handshakes(agreed)[0]?.alpn, agreed.report()).toBe("http/1.1");
    await server.waitFor(/ALPN http\/1\.1/);
    const refused = await boringClient(port, [...boringCert("client", "p256"), "-alpn", "imap"]);
    expect(firstError(refused), refused.report()).toMatchObject({ stage: "handshake", alertReceived: "no application protocol" });
    await server.waitFor(/refused: no_application_protocol/);
  });

  it("answers BoringSSL's KeyUpdate with update_requested (RFC 8446 §4.6.3) and keeps echoing", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await boringClient(port, [...boringCert("client", "p256"), "-key-update"]);
    expect(echoes(client), client.report()).toEqual(["ping", "ping-after-key-update"]);
    // Our answer updates our keys without asking BoringSSL to update again.
    expect(timeline(client)).toEqual(["sent update_requested", "received update_not_requested", "sent close notify", "received close notify"]);
    await server.waitFor(/closed cleanly/);
  });

  for (const providerName of ["native", "webcrypto"] as const) {
    it(`updates its keys towards BoringSSL while echoing 1 MiB, asking BoringSSL to update too (createMtlsServer, ${providerName} provider)`, async () => {
      // RFC 8446 §4.6.3: every 128 KiB a KeyUpdate asking BoringSSL to update its own keys too.
      let client: Peer | undefined;
      const [session] = await withKeyUpdatingEchoServer(providerName, async (port) => {
        client = await boringClient(port, [...boringCert("client", "p256"), "-bytes", String(1 << 20)]);
        expect(
          events(client).find((e) => e.event === "echo"),
          client.report(),
        ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
        expect(firstError(client)).toBeUndefined();
        expect(events(client).some((e) => e.event === "closed")).toBe(true);
      });
      expect(session).toEqual({ updates: 8, echoed: 1 << 20, provider: providerName });
      // BoringSSL saw each of our 8 KeyUpdates; it answers each with its next write, and after
      // the last echo its next write is its close_notify, so the eighth goes unanswered.
      // BoringSSL saw each of our 8 KeyUpdates and queued an answer to each. The eighth comes
      // after the last echo, when BoringSSL has sent its close_notify: its answer stays queued,
      // and nothing reaches the socket after the close_notify (RFC 8446 §6.1).
      const seen = timeline(client as Peer);
      expect(seen.filter((e) => e.startsWith("received update"))).toEqual(Array(8).fill("received update_requested"));
      expect(seen.filter((e) => e.startsWith("sent update"))).toEqual(Array(8).fill("sent update_not_requested"));
      expect(seen.slice(-4)).toEqual(["sent close notify", "received update_requested", "sent update_not_requested", "received close notify"]);
      expect(events(client as Peer).find((e) => e.event === "closed")).toMatchObject({ bytesAfterCloseNotify: 0 });
    });
  }

  it("refuses with handshake_failure a BoringSSL client whose default signature_algorithms leave out our Ed25519 key", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "ed25519"));
    const client = await boringClient(port, [...boringCert("client", "p256"), "-default-verify-prefs"]);
    expect(firstError(client), client.report()).toMatchObject({ stage: "handshake", alertReceived: "handshake failure" });
    expect(handshakes(client)).toEqual([]);
    await server.waitFor(/refused: handshake_failure \(detected locally\): the client accepts none of the signature schemes our key can make \(ed25519\)/);
  });

  it("refuses a BoringSSL client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await boringClient(port, []);
    // TLS 1.3: BoringSSL's handshake ends with its Finished; our alert comes on its first read.
    expect(firstError(client), client.report()).toMatchObject({ stage: "read", alertReceived: "certificate required" });
    expect(echoes(client)).toEqual([]);
    await server.waitFor(/refused: certificate_required/);
  });

  it("refuses a BoringSSL client whose certificate leads to another CA with unknown_ca", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await boringClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client")]);
    expect(firstError(client), client.report()).toMatchObject({ stage: "read", alertReceived: "unknown CA" });
    await server.waitFor(/refused: unknown_ca/);
  });

  it("is refused by BoringSSL when its certificate leads to another CA, and hears BoringSSL's alert", async () => {
    const { server, port } = await startMutlsEchoServer(["--cert", cert("untrusted-server"), "--key", key("untrusted-server")]);
    const client = await boringClient(port, boringCert("client", "p256"));
    expect(firstError(client), client.report()).toMatchObject({ stage: "handshake", alertSent: "unknown CA", reason: "CERTIFICATE_VERIFY_FAILED" });
    // BoringSSL's verify callback saw our leaf, and saw it fail.
    expect(events(client).filter((e) => e.event === "verify")).toEqual([
      { event: "verify", depth: 0, ok: false, reason: "unable to get local issuer certificate", sha256: leafSha256("untrusted-server") },
    ]);
    await server.waitFor(/refused: unknown_ca \(alert from the peer\)/);
  });
});

describe.skipIf(BORINGSSL_MISSING !== null)(`mutls client -> BoringSSL server (${BORINGSSL_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}, the one suite our client offers`, async () => {
      const { server, port } = await boringServer(boringCert("server", "p256"));
      const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--ciphers", suite]);
      await server.waitFor(/"event":"closed"/);
      expect(
        handshakes(server).map((e) => [e.version, e.suite]),
        server.report(),
      ).toEqual([["TLSv1.3", suite]]);
      expect(client.stderr).toContain(suite);
      expect(client.stderr).toContain("closed cleanly");
    });
  }

  for (const [group, code, theirs] of GROUPS) {
    it(`agrees on ${group} with a BoringSSL server that takes only it`, async () => {
      const { server, port } = await boringServer([...boringCert("server", "p256"), "-groups", group]);
      const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", group]);
      await server.waitFor(/"event":"closed"/);
      expect(
        handshakes(server).map((e) => [e.group, e.groupName]),
        server.report(),
      ).toEqual([[code, theirs]]);
      expect(hellos(server).map((e) => [e.direction, e.message, e.keyShares, e.group])).toEqual([
        ["received", "ClientHello", [code], undefined],
        ["sent", "ServerHello", [], code],
      ]);
      expect(client.stderr).toContain(`group ${group},`);
    });
  }

  it("answers BoringSSL's HelloRetryRequest, which carries no cookie", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-groups", "secp384r1"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"]);
    expect(client.stderr).toContain("group secp384r1 after a HelloRetryRequest");
    await server.waitFor(/"event":"closed"/);
    const [hello1, retry, hello2, serverHello] = hellos(server);
    expect(hello1, server.report()).toMatchObject({ direction: "received", message: "ClientHello", keyShares: [29], cookie: null });
    expect(retry).toMatchObject({ direction: "sent", message: "HelloRetryRequest", group: 24, cookie: null });
    expect(hello2).toMatchObject({ direction: "received", message: "ClientHello", keyShares: [24], cookie: null });
    expect(serverHello).toMatchObject({ direction: "sent", message: "ServerHello", group: 24 });
    expect(handshakes(server)[0]?.group).toBe(24);
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${clientType} client to BoringSSL and a ${serverType} BoringSSL server to us`, async () => {
      const { server, port } = await boringServer(boringCert("server", serverType));
      const client = await ourClientExchange(port, certAndKeyArgs("client", clientType));
      await server.waitFor(/"event":"closed"/);
      expect(handshakes(server)[0]?.peerLeafSha256, server.report()).toBe(leafSha256(`client-${clientType}`));
      expect(handshakes(server)[0]?.peerSignatureAlgorithm).toBe(SIGNATURE_SCHEME[clientType]);
      expect(client.stderr).toContain(`server "CN=localhost (${serverType}), O=mutls tests"`);
      expect(client.stderr).toContain(`client certificate sent (CN=client ${clientType}, O=mutls tests)`);
    });
  }

  it("exports the same keying material as SSL_export_keying_material (RFC 8446 §7.5)", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-export", "EXPERIMENTAL-mutls:40"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--export", "EXPERIMENTAL-mutls:40"]);
    await server.waitFor(/"event":"handshake"/);
    const theirs = handshakes(server)[0]?.export;
    expect(theirs, server.report()).toHaveLength(80);
    expect(ourExport(client.stderr)).toBe(theirs);
  });

  it("resumes with the ticket BoringSSL's server sent (--sess-out, then --sess-in)", async () => {
    const { server, port } = await boringServer(boringCert("server", "p256"));
    const session = join(dir, "boringssl.session");
    const first = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-out", session]);
    const second = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-in", session]);
    expect(first.stderr).toContain("resumed: no");
    expect(second.stderr).toContain("resumed: yes");
    await server.waitFor(/"resumed":true/);
    expect(
      handshakes(server).map((e) => [e.resumed, e.peerLeafSha256]),
      server.report(),
    ).toEqual([
      [false, leafSha256("client-p256")],
      [true, leafSha256("client-p256")],
    ]);
  });

  it("sends 0-RTT data that BoringSSL's server takes (RFC 8446 §4.2.10)", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-early-data"]);
    const session = join(dir, "boringssl-early.session");
    const early = join(dir, "boringssl-early.txt");
    writeFileSync(early, "early line\n");
    await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-out", session]);
    const client = startMutlsClient(port, [
      "--ca",
      CA,
      "--servername",
      "localhost",
      ...certAndKeyArgs("client", "p256"),
      "--sess-in",
      session,
      "--early-data",
      early,
    ]);
    await client.waitFor(/^early line$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    expect(client.stderr).toContain("early data: accepted");
    await server.waitFor(/"event":"closed"[^]*"event":"closed"/);
    expect(
      handshakes(server).map((e) => [e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      server.report(),
    ).toEqual([
      [false, false, "no_session_offered"],
      [true, true, "accepted"],
    ]);
    expect(events(server).filter((e) => e.event === "endOfEarlyData")).toEqual([{ event: "endOfEarlyData", direction: "received" }]);
    expect(events(server).filter((e) => e.event === "closed")[1]).toMatchObject({ earlyBytes: "early line\n".length, echoed: "early line\n".length });
  });

  it("ignores the GREASE extension in BoringSSL's tickets (RFC 8701 §4) and resumes with 0-RTT on them", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-grease", "-early-data"]);
    const session = join(dir, "boringssl-grease.session");
    const early = join(dir, "boringssl-grease-early.txt");
    writeFileSync(early, "early line\n");
    await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-out", session]);
    const client = startMutlsClient(port, [
      "--ca",
      CA,
      "--servername",
      "localhost",
      ...certAndKeyArgs("client", "p256"),
      "--sess-in",
      session,
      "--early-data",
      early,
    ]);
    await client.waitFor(/^early line$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    expect(client.stderr).toContain("resumed: yes");
    expect(client.stderr).toContain("early data: accepted");
    await server.waitFor(/"event":"closed"[^]*"event":"closed"/);
    const tickets = events(server).filter((e) => e.event === "ticket");
    expect(tickets.length, server.report()).toBeGreaterThan(0);
    for (const ticket of tickets) {
      expect(ticket.direction).toBe("sent");
      expect(ticket.extensions?.some(isGrease)).toBe(true);
    }
    expect(handshakes(server).map((e) => [e.resumed, e.earlyDataAccepted])).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it("offers no 0-RTT on a ticket whose ALPN protocol it no longer offers (RFC 8446 §4.2.10), and sends the line after the handshake", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-alpn", "h2,http/1.1", "-early-data"]);
    const session = join(dir, "boringssl-alpn.session");
    const early = join(dir, "boringssl-alpn-early.txt");
    writeFileSync(early, "early line\n");
    await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--alpn", "h2", "--sess-out", session]);
    const args = [
      "--ca",
      CA,
      "--servername",
      "localhost",
      ...certAndKeyArgs("client", "p256"),
      "--alpn",
      "http/1.1",
      "--sess-in",
      session,
      "--early-data",
      early,
    ];
    const client = startMutlsClient(port, args);
    await client.waitFor(/^early line$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    expect(client.stderr).toContain("resumed: yes");
    expect(client.stderr).toContain("early data: none");
    await server.waitFor(/"event":"closed"[^]*"event":"closed"/);
    // No early_data offered (peer_declined, not alpn_mismatch): the line came once, after the
    // handshake, under http/1.1.
    expect(
      handshakes(server).map((e) => [e.alpn, e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      server.report(),
    ).toEqual([
      ["h2", false, false, "no_session_offered"],
      ["http/1.1", true, false, "peer_declined"],
    ]);
    expect(events(server).filter((e) => e.event === "closed")[1]).toMatchObject({ earlyBytes: 0, echoed: "early line\n".length });
  });

  it("does not resend 0-RTT data that BoringSSL rejected for choosing another ALPN protocol than the ticket's (RFC 8446 §4.2.10)", async () => {
    // BoringSSL prefers http/1.1; the ticket is for h2, which our second client still offers, so
    // it sends its early data, and BoringSSL rejects it (alpn_mismatch) as it selects http/1.1.
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-alpn", "http/1.1,h2", "-early-data"]);
    const session = join(dir, "boringssl-alpn-rejected.session");
    const early = join(dir, "boringssl-alpn-rejected-early.txt");
    writeFileSync(early, "h2 early line\n");
    await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--alpn", "h2", "--sess-out", session]);
    const args = ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), "--alpn", "h2,http/1.1"];
    const client = startMutlsClient(port, [...args, "--sess-in", session, "--early-data", early]);
    await client.waitFor(/early data: rejected/);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    expect(client.stderr).toContain("early data: rejected, not sent again: written for ALPN h2, and the server chose http/1.1");
    expect(client.stdout).not.toContain("h2 early line");
    await server.waitFor(/"event":"closed"[^]*"event":"closed"/);
    expect(
      handshakes(server).map((e) => [e.alpn, e.resumed, e.earlyDataAccepted, e.earlyDataReason]),
      server.report(),
    ).toEqual([
      ["h2", false, false, "no_session_offered"],
      ["http/1.1", true, false, "alpn_mismatch"],
    ]);
    expect(events(server).filter((e) => e.event === "closed")[1]).toMatchObject({ earlyBytes: 0, echoed: 0 });
  });

  it("updates its keys with BoringSSL (KeyUpdate with update_requested, RFC 8446 §4.6.3) and keeps exchanging data", async () => {
    const { server, port } = await boringServer(boringCert("server", "p256"));
    // BoringSSL decrypts the next line only if it followed our update, and we read its echo only
    // if we followed the KeyUpdate BoringSSL sends back for update_requested.
    await ourClientTwoSteps(port, certAndKeyArgs("client", "p256"), "before\n", "^keyupdate^\nafter the key update\n", /^after the key update$/m);
    await server.waitFor(/"event":"closed"/);
    expect(firstError(server), server.report()).toBeUndefined();
    expect(timeline(server)).toEqual(["received update_requested", "sent update_not_requested", "received close notify", "sent close notify"]);
    expect(events(server).find((e) => e.event === "closed")).toMatchObject({ bytesAfterCloseNotify: 0 });
  });

  it("follows BoringSSL's KeyUpdate and answers its update_requested", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-key-update"]);
    // BoringSSL updates its keys after echoing the first line; the second echo needs our new read keys.
    await ourClientTwoSteps(port, certAndKeyArgs("client", "p256"), "before\n", "after\n", /^after$/m);
    await server.waitFor(/"event":"closed"/);
    expect(firstError(server), server.report()).toBeUndefined();
    // Our KeyUpdate in answer came in before the close, and asked for nothing back.
    expect(timeline(server)).toEqual(["sent update_requested", "received update_not_requested", "received close notify", "sent close notify"]);
  });

  it("sends the server name as SNI, and none for an IP address (RFC 6066 §3)", async () => {
    const { server, port } = await boringServer(boringCert("server", "p256"));
    await ourClientExchange(port, certAndKeyArgs("client", "p256"));
    const byAddress = startMutlsClient(port, ["--ca", CA, ...certAndKeyArgs("client", "p256")]);
    await byAddress.waitFor(/connected to/);
    byAddress.endStdin();
    expect((await byAddress.waitForExit()).code, byAddress.report()).toBe(0);
    await server.waitFor(/"event":"closed"[^]*"event":"closed"/);
    expect(
      handshakes(server).map((e) => e.serverName),
      server.report(),
    ).toEqual(["localhost", ""]);
  });

  it("agrees with BoringSSL on ALPN, and hears BoringSSL's alert when nothing matches", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-alpn", "h2,http/1.1"]);
    const agreed = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--alpn", "imap,http/1.1"]);
    expect(agreed.stderr).toContain("ALPN http/1.1");
    await server.waitFor(/"alpn":"http\/1\.1"/);
    await ourClientRefused(port, [...certAndKeyArgs("client", "p256"), "--alpn", "imap"], /failed: no_application_protocol \(alert from the peer\)/);
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({ stage: "handshake", alertSent: "no application protocol" });
  });

  it("sends 1 MiB to BoringSSL and reads it back intact", async () => {
    const { server, port } = await boringServer(boringCert("server", "p256"));
    await ourClientEchoesMiB(port);
    await server.waitFor(/"event":"closed"/);
    expect(events(server).find((e) => e.event === "closed")?.echoed).toBe(1 << 20);
  });

  it("holds back an Ed25519 client certificate from a BoringSSL server whose default signature_algorithms leave it out", async () => {
    const { server, port } = await boringServer([...boringCert("server", "p256"), "-default-verify-prefs"]);
    const client = await ourClientRefused(port, certAndKeyArgs("client", "ed25519"), /connection failed: certificate_required \(alert from the peer\)/);
    expect(client.stderr).toContain(
      "client certificate held back: none of the 1 configured client certificate(s) has a key that signs with one of the server's signature_algorithms",
    );
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({
      stage: "handshake",
      alertSent: "certificate required",
      reason: "PEER_DID_NOT_RETURN_A_CERTIFICATE",
    });
  });

  it("reports BoringSSL's certificate_required when it has no certificate to send", async () => {
    const { server, port } = await boringServer(boringCert("server", "p256"));
    const client = await ourClientRefused(port, [], /connection failed: certificate_required \(alert from the peer\)/);
    expect(client.stderr).toContain("client certificate not sent");
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({ stage: "handshake", alertSent: "certificate required" });
  });

  it("refuses a BoringSSL server whose certificate leads to another CA, and BoringSSL hears unknown_ca", async () => {
    const { server, port } = await boringServer(["-cert", cert("untrusted-server"), "-key", key("untrusted-server")]);
    await ourClientRefused(port, certAndKeyArgs("client", "p256"), /unknown_ca/);
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({ stage: "handshake", alertReceived: "unknown CA" });
  });
});
