/**
 * The mutls CLI against wolfSSL, both roles, with mutual authentication. wolfSSL is the TLS stack
 * most embedded devices run (its own state machine, record layer, X.509 path validation and
 * wolfCrypt primitives), so it is a stack apart from OpenSSL, GnuTLS, NSS, Go, rustls, JSSE and
 * OTP, and the one the devices calling a mutls gateway are likeliest to speak. The peer is
 * test/peers/wolfssl/peer.c, compiled here with gcc against Debian 12's libwolfssl-dev (5.5.4);
 * it prints what wolfSSL negotiated and verified as JSON lines, and those are the oracle: the
 * suite and group, resumption, the SHA-256 of the leaf certificate wolfSSL verified, ALPN, SNI,
 * the RFC 8446 §7.5 exporter, KeyUpdate answers, and the alerts wolfSSL sends and receives. It
 * also reads the plaintext hellos on the wire, so the HelloRetryRequest cookie (§4.2.2) is seen
 * going out and coming back: wolfSSL's server (built with WOLFSSL_SEND_HRR_COOKIE, turned on by
 * wolfSSL_send_hrr_cookie) puts one in its HelloRetryRequest, which our client must echo. Our
 * server puts none in its own (it keeps its state between the two ClientHellos, as Go's and
 * rustls's do), and wolfSSL's second ClientHello is seen to carry none.
 *
 * Where wolfSSL 5.5.4 differs, and what the peer does about it:
 * - it names the suites TLS13-AES128-GCM-SHA256 and so on; the peer prints the IANA names;
 * - its client sends a key share for secp256r1 by default, not x25519;
 * - its server refuses a second ClientHello that lacks its cookie ("Cookie does not match one
 *   sent in HelloRetryRequest", HRR_COOKIE_ERROR) but closes without an alert: seen by making our
 *   client drop the cookie, which fails both cookie tests below;
 * - its client echoes a HelloRetryRequest cookie only when built with WOLFSSL_SEND_HRR_COOKIE, as
 *   Debian's is (wolfSSL/wolfssl#11010, split out as WOLFSSL_TLS13_COOKIE and on by default for
 *   clients in wolfSSL/wolfssl#11101). Our server used to put a random cookie in every
 *   HelloRetryRequest and refuse a second ClientHello without it, which locked such clients out
 *   of any handshake that needed a HelloRetryRequest; it now sends none (a stateful server needs
 *   none), so they get through;
 * - its server keeps a client's SNI only when it has a name of its own, so the peer sets
 *   "localhost" and answers on a mismatch (WOLFSSL_SNI_ANSWER_ON_MISMATCH) to see what was sent;
 * - wolfSSL_get_peer_certificate (and wolfSSL_X509_load_certificate_file) give NULL for our
 *   Ed25519 certificates, though the handshake verified them, so the peer hashes the leaf from
 *   the session's chain (wolfSSL_get_peer_chain, SESSION_CERTS). I found no wolfSSL issue for it;
 *   its OpenSSL-compatibility layer's Ed25519 support came later (wolfSSL/wolfssl#10722);
 * - after post-handshake authentication (WOLFSSL_VERIFY_POST_HANDSHAKE, wolfSSL/wolfssl#4346) its
 *   server updates neither that chain nor its peer certificate; the certificate shows only in
 *   the verify callback, whose "verify" events are the oracle there;
 * - wolfSSL_update_keys and wolfSSL_request_certificate return WOLFSSL_SUCCESS (1), not 0, and
 *   wolfSSL_key_update_response says a response is due from our KeyUpdate request until the
 *   peer's KeyUpdate comes in.
 *
 * Not covered, and why: 0-RTT (this build has no early data); an external PSK (the peer would
 * need wolfSSL's PSK callbacks; covered with OpenSSL, GnuTLS and NSS).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
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
  startMutlsServer,
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

const HEADER = "/usr/include/wolfssl/ssl.h";
const gcc = spawnSync("gcc", ["--version"], { encoding: "utf8" });
/** Why the wolfSSL peer cannot be built here, or null; .ci/run installs gcc and libwolfssl-dev. */
const WOLFSSL_MISSING =
  gcc.status !== 0
    ? `gcc is not installed (apt-get install -y gcc): ${(gcc.error?.message ?? gcc.stderr).trim()}`
    : !existsSync(HEADER)
      ? `${HEADER} is missing (apt-get install -y libwolfssl-dev)`
      : null;
if (WOLFSSL_MISSING) console.log(`skipping wolfSSL interop: ${WOLFSSL_MISSING}`);
const VERSION_H = "/usr/include/wolfssl/version.h";
const WOLFSSL_VERSION = `wolfSSL ${existsSync(VERSION_H) ? (/LIBWOLFSSL_VERSION_STRING "([^"]+)"/.exec(readFileSync(VERSION_H, "utf8"))?.[1] ?? "?") : "missing"}`;

const SOURCE = fileURLToPath(new URL("./wolfssl/peer.c", import.meta.url));
/** Under node_modules/.cache, rebuilt only when peer.c is newer than the binary. */
const BUILD = join(ROOT, "node_modules", ".cache", "wolfssl-peer");
const PEER = join(BUILD, "wolfssl-peer");

const dir = mkdtempSync(join(tmpdir(), "mutls-wolfssl-peer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (WOLFSSL_MISSING) return;
  if (existsSync(PEER) && statSync(PEER).mtimeMs >= statSync(SOURCE).mtimeMs) return;
  mkdirSync(BUILD, { recursive: true });
  const build = spawnSync("gcc", ["-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra", "-Werror", "-o", PEER, SOURCE, "-lwolfssl"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (build.status !== 0) throw new Error(`gcc could not build the wolfSSL peer:\n${build.stdout}${build.stderr}${build.error?.message ?? ""}`);
}, 70_000);

/** One event the wolfSSL peer printed (peer.c's `begin`/`end`). */
interface WolfEvent {
  event: "listening" | "hello" | "handshake" | "verify" | "echo" | "closed" | "error" | "keyUpdate" | "certificateRequest";
  address?: string;
  wolfssl?: string;
  direction?: "sent" | "received";
  message?: "ClientHello" | "ServerHello" | "HelloRetryRequest";
  keyShares?: number[];
  group?: string | number;
  cookie?: string | null;
  version?: string;
  suite?: string;
  resumed?: boolean;
  alpn?: string;
  serverName?: string;
  peerLeafSha256?: string;
  depth?: number;
  ok?: boolean;
  sha256?: string;
  export?: string | null;
  line?: string;
  bytes?: number;
  firstMismatch?: number;
  echoed?: number;
  keyUpdateResponseDue?: number;
  result?: number;
  responseDueBefore?: number;
  responseDueAfter?: number;
  stage?: string;
  code?: number;
  error?: string;
  alertReceived?: string;
  alertSent?: string;
}

const events = (peer: Peer): WolfEvent[] => jsonEvents<WolfEvent>(peer);
const handshakes = (peer: Peer): WolfEvent[] => events(peer).filter((e) => e.event === "handshake");
const hellos = (peer: Peer): WolfEvent[] => events(peer).filter((e) => e.event === "hello");
const firstError = (peer: Peer): WolfEvent | undefined => events(peer).find((e) => e.event === "error");
const echoes = (peer: Peer): (string | undefined)[] =>
  events(peer)
    .filter((e) => e.event === "echo")
    .map((e) => e.line);

/** The groups under test: our name, the TLS code point (RFC 8446 §4.2.7), and wolfSSL's name for it. */
const GROUPS = [
  ["x25519", 29, "X25519"],
  ["secp256r1", 23, "SECP256R1"],
  ["secp384r1", 24, "SECP384R1"],
] as const;

const wolfCert = (role: "server" | "client", type: KeyType): string[] => ["-cert", cert(`${role}-${type}`), "-key", key(`${role}-${type}`)];

/** The wolfSSL client against our server: its connections run, then it exits. */
async function wolfClient(port: number, args: readonly string[]): Promise<Peer> {
  const client = startProcess("wolfssl client", PEER, ["client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-ca", CA, ...args]);
  await client.waitForExit();
  return client;
}

/** The wolfSSL echo server, listening on an ephemeral port of 127.0.0.1. */
async function wolfServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const server = startProcess("wolfssl server", PEER, ["server", "-listen", "127.0.0.1:0", "-ca", CA, ...args]);
  const match = await server.waitFor(/"address":"127\.0\.0\.1:(\d+)"/);
  return { server, port: Number(match[1]) };
}

// Skipped, with the reason printed, only where gcc or libwolfssl-dev is missing (.ci/run installs them).
describe.skipIf(WOLFSSL_MISSING !== null)(`mutls server <- wolfSSL client (${WOLFSSL_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--ciphers", suite]);
      const client = await wolfClient(port, wolfCert("client", "p256"));
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
    it(`agrees on ${group} when wolfSSL offers only it`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = await wolfClient(port, [...wolfCert("client", "p256"), "-groups", group]);
      expect(handshakes(client)[0]?.group, client.report()).toBe(theirs);
      expect(hellos(client).map((e) => [e.direction, e.message, e.keyShares])).toEqual([
        ["sent", "ClientHello", [code]],
        ["received", "ServerHello", []],
      ]);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`group ${group},`);
    });
  }

  it("asks again (HelloRetryRequest, without a cookie) when wolfSSL's one key share is for a group we do not take", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1"]);
    const client = await wolfClient(port, [...wolfCert("client", "p256"), "-groups", "x25519,secp384r1", "-share", "x25519"]);
    expect(echoes(client), client.report()).toEqual(["ping"]);
    expect(handshakes(client)[0]?.group).toBe("SECP384R1");
    const [hello1, retry, hello2] = hellos(client);
    expect(hello1).toMatchObject({ direction: "sent", message: "ClientHello", keyShares: [29], cookie: null });
    expect(retry).toMatchObject({ direction: "received", message: "HelloRetryRequest", group: 24 });
    // No cookie from our server, and so none in wolfSSL's second ClientHello (§4.1.2).
    expect(retry?.cookie).toBeNull();
    expect(hello2).toMatchObject({ direction: "sent", message: "ClientHello", keyShares: [24], cookie: null });
    await server.waitFor(/accepted: /);
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${serverType} server to wolfSSL and a ${clientType} wolfSSL client to us`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", serverType));
      const client = await wolfClient(port, wolfCert("client", clientType));
      expect(handshakes(client)[0]?.peerLeafSha256, client.report()).toBe(leafSha256(`server-${serverType}`));
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
      await server.waitFor(/closed cleanly/);
    });
  }

  it("exports the same keying material as wolfSSL_export_keying_material (RFC 8446 §7.5)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--export", "EXPERIMENTAL-mutls:48"]);
    const client = await wolfClient(port, [...wolfCert("client", "p256"), "-export", "EXPERIMENTAL-mutls:48"]);
    await server.waitFor(/exporter /);
    const theirs = handshakes(client)[0]?.export;
    expect(theirs, client.report()).toHaveLength(96);
    expect(ourExport(server.stderr)).toBe(theirs);
  });

  it("is resumed by wolfSSL with the ticket it sent, keeping the client's identity", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1"]);
    const client = await wolfClient(port, [...wolfCert("client", "p256"), "-connections", "2"]);
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    // A resumed handshake carries no certificate; wolfSSL keeps the one it verified with the session.
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
  });

  it("is resumed by wolfSSL with a ticket from a connection after a HelloRetryRequest", async () => {
    // The ticket's PSK comes from a resumption secret over a transcript that starts with
    // message_hash (§4.4.1): wolfSSL's binder matches ours only if both derived the same one.
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1", "--tickets", "1"]);
    const client = await wolfClient(port, [...wolfCert("client", "p256"), "-groups", "x25519,secp384r1", "-share", "x25519", "-connections", "2"]);
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: .*group secp384r1 after a HelloRetryRequest,(?!.*resumed)/);
  });

  it("echoes 1 MiB from wolfSSL, in order and intact", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await wolfClient(port, [...wolfCert("client", "p256"), "-bytes", String(1 << 20)]);
    expect(
      events(client).find((e) => e.event === "echo"),
      client.report(),
    ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
    await server.waitFor(/closed cleanly/);
  });

  it("agrees with wolfSSL on ALPN (RFC 7301), and refuses wolfSSL with no_application_protocol when nothing matches", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--alpn", "h2,http/1.1"]);
    const agreed = await wolfClient(port, [...wolfCert("client", "p256"), "-alpn", "http/1.1"]);
    expect(handshakes(agreed)[0]?.alpn, agreed.report()).toBe("http/1.1");
    await server.waitFor(/ALPN http\/1\.1/);
    const refused = await wolfClient(port, [...wolfCert("client", "p256"), "-alpn", "imap"]);
    expect(firstError(refused), refused.report()).toMatchObject({ stage: "handshake", alertReceived: "no_application_protocol" });
    await server.waitFor(/refused: no_application_protocol/);
  });

  it("answers wolfSSL's KeyUpdate with update_requested (RFC 8446 §4.6.3) and keeps echoing", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await wolfClient(port, [...wolfCert("client", "p256"), "-key-update"]);
    expect(echoes(client), client.report()).toEqual(["ping", "ping-after-key-update"]);
    // wolfSSL owes itself a response from the moment it asks until our KeyUpdate comes in.
    expect(events(client).find((e) => e.event === "keyUpdate")).toMatchObject({ result: 1, responseDueBefore: 1, responseDueAfter: 0 });
    await server.waitFor(/closed cleanly/);
  });

  for (const providerName of ["native", "webcrypto"] as const) {
    it(`updates its keys towards wolfSSL while echoing 1 MiB, asking wolfSSL to update too (createMtlsServer, ${providerName} provider)`, async () => {
      // RFC 8446 §4.6.3: every 128 KiB a KeyUpdate asking wolfSSL to update its own keys too.
      const [session] = await withKeyUpdatingEchoServer(providerName, async (port) => {
        const client = await wolfClient(port, [...wolfCert("client", "p256"), "-bytes", String(1 << 20)]);
        expect(
          events(client).find((e) => e.event === "echo"),
          client.report(),
        ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
        expect(firstError(client)).toBeUndefined();
        expect(events(client).some((e) => e.event === "closed")).toBe(true);
      });
      expect(session).toEqual({ updates: 8, echoed: 1 << 20, provider: providerName });
    });
  }

  it("asks a wolfSSL client for its certificate after the handshake (RFC 8446 §4.6.2)", async () => {
    const { server, port } = await startMutlsServer([...certAndKeyArgs("server", "p256"), "--ca", CA, "--echo", "--post-handshake-auth"]);
    const client = await wolfClient(port, [...wolfCert("client", "ed25519"), "-pha"]);
    expect(echoes(client), client.report()).toEqual(["ping"]);
    await server.waitFor(/accepted: client no certificate/);
    await server.waitFor(/post-handshake authentication: client "CN=client ed25519, O=mutls tests"; URI spiffe:\/\/mutls\.test\/client\/ed25519/);
  });

  it("refuses a wolfSSL client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await wolfClient(port, []);
    // TLS 1.3: wolfSSL's handshake ends with its Finished; our alert comes on its first read.
    expect(firstError(client), client.report()).toMatchObject({ stage: "read", alertReceived: "certificate_required" });
    expect(echoes(client)).toEqual([]);
    await server.waitFor(/refused: certificate_required/);
  });

  it("refuses a wolfSSL client whose certificate leads to another CA with unknown_ca", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await wolfClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client")]);
    expect(firstError(client), client.report()).toMatchObject({ stage: "read", alertReceived: "unknown_ca" });
    await server.waitFor(/refused: unknown_ca/);
  });

  it("is refused by wolfSSL when its certificate leads to another CA, and hears wolfSSL's alert", async () => {
    const { server, port } = await startMutlsEchoServer(["--cert", cert("untrusted-server"), "--key", key("untrusted-server")]);
    const client = await wolfClient(port, wolfCert("client", "p256"));
    expect(firstError(client), client.report()).toMatchObject({ stage: "handshake", alertSent: "unknown_ca" });
    // wolfSSL's verify callback saw our leaf, and saw it fail.
    expect(events(client).filter((e) => e.event === "verify")).toEqual([{ event: "verify", depth: 0, ok: false, sha256: leafSha256("untrusted-server") }]);
    await server.waitFor(/refused: unknown_ca \(alert from the peer\)/);
  });
});

describe.skipIf(WOLFSSL_MISSING !== null)(`mutls client -> wolfSSL server (${WOLFSSL_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-suites", suite]);
      const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256")]);
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
    it(`agrees on ${group} with a wolfSSL server that takes only it`, async () => {
      const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-groups", group]);
      const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", group]);
      expect(handshakes(server)[0]?.group, server.report()).toBe(theirs);
      expect(hellos(server).map((e) => [e.message, e.keyShares ?? e.group])).toEqual([
        ["ClientHello", [code]],
        ["ServerHello", []],
      ]);
      expect(client.stderr).toContain(`group ${group},`);
    });
  }

  it("answers wolfSSL's HelloRetryRequest, echoing its cookie (RFC 8446 §4.2.2)", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-groups", "secp384r1"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"]);
    expect(client.stderr).toContain("group secp384r1 after a HelloRetryRequest");
    await server.waitFor(/"event":"closed"/);
    const [hello1, retry, hello2] = hellos(server);
    expect(hello1, server.report()).toMatchObject({ direction: "received", message: "ClientHello", keyShares: [29], cookie: null });
    expect(retry).toMatchObject({ direction: "sent", message: "HelloRetryRequest", group: 24 });
    expect(retry?.cookie).toMatch(/^[0-9a-f]{2,}$/);
    // Our second ClientHello carries wolfSSL's cookie back byte for byte (§4.2.2), and its new share.
    expect(hello2).toMatchObject({ direction: "received", message: "ClientHello", keyShares: [24], cookie: retry?.cookie });
    expect(handshakes(server)[0]?.group).toBe("SECP384R1");
  });

  it("sends no cookie after a HelloRetryRequest that carried none", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-groups", "secp384r1", "-no-cookie"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"]);
    expect(client.stderr).toContain("after a HelloRetryRequest");
    await server.waitFor(/"event":"closed"/);
    expect(
      hellos(server).map((e) => [e.message, e.cookie]),
      server.report(),
    ).toEqual([
      ["ClientHello", null],
      ["HelloRetryRequest", null],
      ["ClientHello", null],
      ["ServerHello", null],
    ]);
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${clientType} client to wolfSSL and a ${serverType} wolfSSL server to us`, async () => {
      const { server, port } = await wolfServer(wolfCert("server", serverType));
      const client = await ourClientExchange(port, certAndKeyArgs("client", clientType));
      expect(handshakes(server)[0]?.peerLeafSha256, server.report()).toBe(leafSha256(`client-${clientType}`));
      expect(client.stderr).toContain(`server "CN=localhost (${serverType}), O=mutls tests"`);
      expect(client.stderr).toContain(`client certificate sent (CN=client ${clientType}, O=mutls tests)`);
    });
  }

  it("exports the same keying material as wolfSSL_export_keying_material (RFC 8446 §7.5)", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-export", "EXPERIMENTAL-mutls:40"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--export", "EXPERIMENTAL-mutls:40"]);
    const theirs = handshakes(server)[0]?.export;
    expect(theirs, server.report()).toHaveLength(80);
    expect(ourExport(client.stderr)).toBe(theirs);
  });

  it("resumes with the ticket wolfSSL's server sent (--sess-out, then --sess-in)", async () => {
    const { server, port } = await wolfServer(wolfCert("server", "p256"));
    const session = join(dir, "wolfssl.session");
    const first = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-out", session]);
    const second = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-in", session]);
    expect(first.stderr).toContain("resumed: no");
    expect(second.stderr).toContain("resumed: yes");
    await server.waitFor(/"resumed":true/);
    expect(
      handshakes(server).map((e) => e.resumed),
      server.report(),
    ).toEqual([false, true]);
  });

  it("resumes after wolfSSL's HelloRetryRequest with a cookie: wolfSSL checks our second ClientHello's binder (§4.2.11.2)", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-groups", "secp384r1"]);
    const session = join(dir, "wolfssl-retry.session");
    const args = [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"];
    await ourClientExchange(port, [...args, "--sess-out", session]);
    const second = await ourClientExchange(port, [...args, "--sess-in", session]);
    expect(second.stderr).toContain("after a HelloRetryRequest");
    expect(second.stderr).toContain("resumed: yes");
    await server.waitFor(/"resumed":true/);
    expect(
      handshakes(server).map((e) => e.resumed),
      server.report(),
    ).toEqual([false, true]);
    const retries = hellos(server).filter((e) => e.message === "HelloRetryRequest");
    expect(retries).toHaveLength(2);
    expect(
      hellos(server)
        .filter((e) => e.message === "ClientHello" && e.cookie !== null)
        .map((e) => e.cookie),
    ).toEqual(retries.map((e) => e.cookie));
  });

  it("updates its keys with wolfSSL (KeyUpdate with update_requested, RFC 8446 §4.6.3) and keeps exchanging data", async () => {
    const { server, port } = await wolfServer(wolfCert("server", "p256"));
    // wolfSSL decrypts the next line only if it followed our update, and we read its echo only if
    // we followed the KeyUpdate wolfSSL sends back for update_requested.
    await ourClientTwoSteps(port, certAndKeyArgs("client", "p256"), "before\n", "^keyupdate^\nafter the key update\n", /^after the key update$/m);
    await server.waitFor(/"event":"closed"/);
    expect(firstError(server), server.report()).toBeUndefined();
  });

  it("follows wolfSSL's KeyUpdate and answers its update_requested", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-key-update"]);
    // wolfSSL updates its keys after echoing the first line; the second echo needs our new read keys.
    await ourClientTwoSteps(port, certAndKeyArgs("client", "p256"), "before\n", "after\n", /^after$/m);
    await server.waitFor(/"event":"closed"/);
    expect(
      events(server).find((e) => e.event === "keyUpdate"),
      server.report(),
    ).toMatchObject({ result: 1 });
    // Our KeyUpdate in answer came in before the close.
    expect(events(server).find((e) => e.event === "closed")).toMatchObject({ keyUpdateResponseDue: 0 });
  });

  it("sends the server name as SNI, and none for an IP address (RFC 6066 §3)", async () => {
    const { server, port } = await wolfServer(wolfCert("server", "p256"));
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

  it("agrees with wolfSSL on ALPN, and hears wolfSSL's alert when nothing matches", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-alpn", "h2,http/1.1"]);
    const agreed = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--alpn", "http/1.1"]);
    expect(agreed.stderr).toContain("ALPN http/1.1");
    await server.waitFor(/"alpn":"http\/1\.1"/);
    await ourClientRefused(port, [...certAndKeyArgs("client", "p256"), "--alpn", "imap"], /failed: no_application_protocol \(alert from the peer\)/);
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({ stage: "handshake", alertSent: "no_application_protocol" });
  });

  it("sends 1 MiB to wolfSSL and reads it back intact", async () => {
    const { server, port } = await wolfServer(wolfCert("server", "p256"));
    await ourClientEchoesMiB(port);
    await server.waitFor(/"event":"closed"/);
    expect(events(server).find((e) => e.event === "closed")?.echoed).toBe(1 << 20);
  });

  it("answers wolfSSL's post-handshake CertificateRequest (RFC 8446 §4.6.2), which wolfSSL verifies", async () => {
    const { server, port } = await wolfServer([...wolfCert("server", "p256"), "-client-auth", "post"]);
    const client = await ourClientTwoSteps(port, [...certAndKeyArgs("client", "p384"), "--post-handshake-auth"], "before\n", "after\n", /^after$/m);
    await server.waitFor(/"event":"closed"/);
    expect(handshakes(server)[0]?.peerLeafSha256, server.report()).toBeUndefined();
    expect(client.stderr).toContain("client certificate not sent: the server did not ask for one");
    // No certificate before wolfSSL's request; after it, ours, which wolfSSL's verify callback saw pass.
    expect(
      events(server).flatMap((e) =>
        e.event === "certificateRequest" ? [`request ${e.result}`] : e.event === "verify" ? [`verify ${e.depth} ${e.ok} ${e.sha256}`] : [],
      ),
    ).toEqual(["request 1", `verify 0 true ${leafSha256("client-p384")}`]);
  });

  it("reports wolfSSL's certificate_required when it has no certificate to send", async () => {
    const { server, port } = await wolfServer(wolfCert("server", "p256"));
    const client = await ourClientRefused(port, [], /connection failed: certificate_required \(alert from the peer\)/);
    expect(client.stderr).toContain("client certificate not sent");
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({ stage: "handshake", alertSent: "certificate_required" });
  });

  it("refuses a wolfSSL server whose certificate leads to another CA, and wolfSSL hears unknown_ca", async () => {
    const { server, port } = await wolfServer(["-cert", cert("untrusted-server"), "-key", key("untrusted-server")]);
    await ourClientRefused(port, certAndKeyArgs("client", "p256"), /unknown_ca/);
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toMatchObject({ stage: "handshake", alertReceived: "unknown_ca" });
  });
});
