/**
 * The mutls CLI against Go's crypto/tls, both roles, with mutual authentication: a TLS 1.3 stack
 * written apart from OpenSSL, GnuTLS and Node (which is OpenSSL), and one that follows RFC 8446's
 * SHOULDs closely (it sends no ticket to a client that advertised no psk_key_exchange_modes, which
 * is how it found that ours did not). The peer is test/peers/go/peer.go, built here with Debian's
 * golang-go (Go 1.19); it prints what Go negotiated and verified as JSON lines, and those are the
 * oracle: the suite, the peer's certificate as Go verified it, resumption, the RFC 8446 §7.5
 * exporter, and the alerts Go reports for a refusal.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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
import { KEY_PAIRS, TLS13_SUITES, jsonEvents, ourClientEchoesMiB, ourClientExchange, ourClientResendsEarlyData, withKeyUpdatingEchoServer } from "./cases.js";

afterEach(stopAllProcesses);

const probe = spawnSync("go", ["version"], { encoding: "utf8" });
const GO_MISSING = probe.status === 0 ? null : (probe.error?.message ?? probe.stderr).trim();
if (GO_MISSING) console.log(`skipping Go crypto/tls interop: go is not installed (apt-get install -y golang-go): ${GO_MISSING}`);
const GO_VERSION = GO_MISSING ? "missing" : probe.stdout.trim();
/**
 * golang/go#59424: Go 1.19.6 to 1.19.8 and 1.20.1 to 1.20.3 clients compute the PSK binder of a
 * second ClientHello (after a HelloRetryRequest) over the wrong transcript, so RFC 8446 servers
 * refuse that resumption; Debian bookworm's Go is 1.19.8.
 */
const GO_HRR_BINDER_BUG = /\bgo1\.(19\.[6-8]|20\.[1-3])\b/.test(GO_VERSION);

const dir = mkdtempSync(join(tmpdir(), "mutls-go-peer-"));
const PEER = join(dir, "peer");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (GO_MISSING) return;
  const source = fileURLToPath(new URL("./go/peer.go", import.meta.url));
  // GOFLAGS empty and no module lookups: a standard-library program builds offline.
  const build = spawnSync("go", ["build", "-o", PEER, source], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "", GOPROXY: "off" },
    timeout: 120_000,
  });
  if (build.status !== 0) throw new Error(`go build failed:\n${build.stdout}${build.stderr}`);
}, 130_000);

/** One event the Go peer printed (peer.go's `emit`). */
interface GoEvent {
  event: "listening" | "handshake" | "echo" | "closed" | "error";
  address?: string;
  suite?: string;
  version?: string;
  resumed?: boolean;
  export?: string;
  peer?: { subject: string; dns: string[]; uris: string[] };
  verifiedChains?: number;
  line?: string;
  alpn?: string;
  serverName?: string;
  bytes?: number;
  firstMismatch?: number;
  stage?: string;
  error?: string;
}

const events = (peer: Peer): GoEvent[] => jsonEvents<GoEvent>(peer);

const handshakes = (peer: Peer): GoEvent[] => events(peer).filter((e) => e.event === "handshake");

const goCert = (role: "server" | "client", type: KeyType): string[] => ["-cert", cert(`${role}-${type}`), "-key", key(`${role}-${type}`)];

/** The Go client against our server: its connections run, then it exits. */
async function goClient(port: number, args: readonly string[]): Promise<Peer> {
  const client = startProcess("go client", PEER, ["client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-ca", CA, ...args]);
  await client.waitForExit();
  return client;
}

/** The Go echo server, listening on an ephemeral port. */
async function goServer(args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const server = startProcess("go server", PEER, ["server", "-listen", "127.0.0.1:0", "-ca", CA, ...args]);
  const match = await server.waitFor(/"address":"127\.0\.0\.1:(\d+)"/);
  return { server, port: Number(match[1]) };
}

// Skipped, with the reason printed, only where golang-go is not installed (.ci/run installs it).
describe.skipIf(GO_MISSING !== null)(`mutls server <- Go crypto/tls client (${GO_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--ciphers", suite]);
      const client = await goClient(port, goCert("client", "p256"));
      expect(
        handshakes(client).map((e) => e.suite),
        client.report(),
      ).toEqual([suite]);
      expect(events(client).find((e) => e.event === "echo")?.line).toBe("ping");
      await server.waitFor(/closed cleanly/);
      expect(server.stderr).toContain(suite);
    });
  }

  for (const [group, curve] of [
    ["x25519", "X25519"],
    ["secp256r1", "P256"],
    ["secp384r1", "P384"],
  ] as const) {
    it(`agrees on ${group} when Go offers only ${curve}`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = await goClient(port, [...goCert("client", "p256"), "-curves", curve]);
      expect(handshakes(client), client.report()).toHaveLength(1);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`group ${group},`);
    });
  }

  it("asks again (HelloRetryRequest) for a group Go supports but sent no share for", async () => {
    // Go sends a key share for its first preference only.
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1"]);
    const client = await goClient(port, [...goCert("client", "p256"), "-curves", "X25519,P384"]);
    expect(handshakes(client), client.report()).toHaveLength(1);
    await server.waitFor(/accepted: /);
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${serverType} server to Go and a ${clientType} Go client to us`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", serverType));
      const client = await goClient(port, goCert("client", clientType));
      const [handshake] = handshakes(client);
      expect(handshake?.verifiedChains, client.report()).toBe(1);
      expect(handshake?.peer?.subject).toBe(`CN=localhost (${serverType}),O=mutls tests`);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
    });
  }

  it("exports the same keying material as Go's ExportKeyingMaterial (RFC 8446 §7.5)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--export", "EXPERIMENTAL-mutls:48"]);
    const client = await goClient(port, [...goCert("client", "p256"), "-export", "EXPERIMENTAL-mutls:48"]);
    await server.waitFor(/exporter /);
    const theirs = handshakes(client)[0]?.export;
    expect(theirs, client.report()).toHaveLength(96);
    expect(ourExport(server.stderr)).toBe(theirs);
  });

  it("is resumed by Go with the ticket it sent, keeping the client's identity", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1"]);
    const client = await goClient(port, [...goCert("client", "p256"), "-connections", "2"]);
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
  });

  it("echoes 1 MiB from Go, in order and intact", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await goClient(port, [...goCert("client", "p256"), "-bytes", String(1 << 20)]);
    expect(
      events(client).find((e) => e.event === "echo"),
      client.report(),
    ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
    expect(events(client).some((e) => e.event === "closed")).toBe(true);
    await server.waitFor(/closed cleanly/);
  });

  it("agrees with Go on ALPN (RFC 7301), and refuses Go with no_application_protocol when nothing matches", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--alpn", "h2,http/1.1"]);
    const agreed = await goClient(port, [...goCert("client", "p256"), "-alpn", "http/1.1"]);
    expect(handshakes(agreed)[0]?.alpn, agreed.report()).toBe("http/1.1");
    await server.waitFor(/ALPN http\/1\.1/);
    const refused = await goClient(port, [...goCert("client", "p256"), "-alpn", "imap"]);
    expect(events(refused).find((e) => e.event === "error")?.error, refused.report()).toContain("no application protocol");
    await server.waitFor(/refused: no_application_protocol/);
  });

  it("checks Go's binder after a HelloRetryRequest (§4.2.11.2): resumed, or refused where Go computes it wrongly", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1", "--tickets", "1"]);
    const client = await goClient(port, [...goCert("client", "p256"), "-curves", "X25519,P384", "-connections", "2"]);
    if (GO_HRR_BINDER_BUG) {
      // This Go's second ClientHello carries a binder over the wrong transcript (golang/go#59424);
      // ours is the RFC's, which test/session/resumption-pair.test.ts recomputes with node:crypto.
      expect(
        handshakes(client).map((e) => e.resumed),
        client.report(),
      ).toEqual([false]);
      await server.waitFor(/refused: decrypt_error .*PSK binder is wrong/);
      return;
    }
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    await server.waitFor(/accepted: .*after a HelloRetryRequest.*resumed/);
  });

  for (const providerName of ["native", "webcrypto"] as const) {
    it(`updates its keys towards Go while echoing 1 MiB, asking Go to update too (createMtlsServer, ${providerName} provider)`, async () => {
      // RFC 8446 §4.6.3: every 128 KiB a KeyUpdate asking Go to update its own keys too.
      const [session] = await withKeyUpdatingEchoServer(providerName, async (port) => {
        const client = await goClient(port, [...goCert("client", "p256"), "-bytes", String(1 << 20)]);
        expect(
          events(client).find((e) => e.event === "echo"),
          client.report(),
        ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
        expect(events(client).filter((e) => e.event === "error")).toEqual([]);
      });
      expect(session).toEqual({ updates: 8, echoed: 1 << 20, provider: providerName });
    });
  }

  it("refuses a Go client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await goClient(port, []);
    // TLS 1.3: Go's handshake ends with its Finished; our alert comes on its first read.
    expect(events(client).find((e) => e.event === "error")?.error, client.report()).toContain("certificate required");
    await server.waitFor(/refused: certificate_required/);
  });

  it("names its CA in the CertificateRequest: Go withholds a certificate from another CA", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    // Go sends only a certificate whose issuer our certificate_authorities (§4.2.4) name.
    const client = await goClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client")]);
    expect(events(client).find((e) => e.event === "error")?.error, client.report()).toContain("certificate required");
    await server.waitFor(/refused: certificate_required/);
  });

  it("refuses a Go client whose certificate leads to another CA with unknown_ca", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await goClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client"), "-send-cert-anyway"]);
    expect(events(client).find((e) => e.event === "error")?.error, client.report()).toContain("unknown certificate authority");
    await server.waitFor(/refused: unknown_ca/);
  });
});

describe.skipIf(GO_MISSING !== null)(`mutls client -> Go crypto/tls server (${GO_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, port } = await goServer(goCert("server", "p256"));
      const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--ciphers", suite]);
      await server.waitFor(/"event":"closed"/);
      expect(
        handshakes(server).map((e) => e.suite),
        server.report(),
      ).toEqual([suite]);
      expect(client.stderr).toContain(suite);
      expect(client.stderr).toContain("closed cleanly");
    });
  }

  it("answers Go's HelloRetryRequest when Go takes only P-384", async () => {
    const { server, port } = await goServer([...goCert("server", "p256"), "-curves", "P384"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"]);
    expect(handshakes(server), server.report()).toHaveLength(1);
    expect(client.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${clientType} client to Go and a ${serverType} Go server to us`, async () => {
      const { server, port } = await goServer(goCert("server", serverType));
      const client = await ourClientExchange(port, certAndKeyArgs("client", clientType));
      const [handshake] = handshakes(server);
      expect(handshake?.verifiedChains, server.report()).toBe(1);
      expect(handshake?.peer?.uris).toEqual([`spiffe://mutls.test/client/${clientType}`]);
      expect(client.stderr).toContain(`server "CN=localhost (${serverType}), O=mutls tests"`);
      expect(client.stderr).toContain(`client certificate sent (CN=client ${clientType}, O=mutls tests)`);
    });
  }

  it("exports the same keying material as Go's ExportKeyingMaterial (RFC 8446 §7.5)", async () => {
    const { server, port } = await goServer([...goCert("server", "p256"), "-export", "EXPERIMENTAL-mutls:40"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--export", "EXPERIMENTAL-mutls:40"]);
    const theirs = handshakes(server)[0]?.export;
    expect(theirs, server.report()).toHaveLength(80);
    expect(ourExport(client.stderr)).toBe(theirs);
  });

  it("updates its keys with Go (KeyUpdate with update_requested, RFC 8446 §4.6.3) and keeps exchanging data", async () => {
    const { server, port } = await goServer(goCert("server", "p256"));
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")]);
    await client.waitFor(/connected to/);
    client.write("before\n");
    await client.waitFor(/^before$/m);
    // Go decrypts the next line only if it followed our update, and we read its echo only if we
    // followed the KeyUpdate Go sends back for update_requested.
    client.write("^keyupdate^\nafter the key update\n");
    await client.waitFor(/^after the key update$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    await server.waitFor(/"event":"closed"/);
    expect(
      events(server).filter((e) => e.event === "error"),
      server.report(),
    ).toEqual([]);
  });

  it("resumes with the ticket Go's server sent (--sess-out, then --sess-in)", async () => {
    const { server, port } = await goServer(goCert("server", "p256"));
    const session = join(dir, "go.session");
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

  it("resumes after Go's HelloRetryRequest: Go's server checks our second ClientHello's binder", async () => {
    const { server, port } = await goServer([...goCert("server", "p256"), "-curves", "P384"]);
    const session = join(dir, "go-retry.session");
    const args = [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"];
    await ourClientExchange(port, [...args, "--sess-out", session]);
    const second = await ourClientExchange(port, [...args, "--sess-in", session]);
    expect(second.stderr).toContain("after a HelloRetryRequest");
    expect(second.stderr).toContain("resumed: yes");
    await server.waitFor(/"resumed":true/);
  });

  it("does not send 0-RTT on a Go ticket that does not allow it, and sends the data after the handshake", async () => {
    const { server, port } = await goServer(goCert("server", "p256"));
    await ourClientResendsEarlyData(port, dir);
    await server.waitFor(/"resumed":true/);
  });

  it("sends the server name as SNI, and none for an IP address (RFC 6066 §3)", async () => {
    const { server, port } = await goServer(goCert("server", "p256"));
    await ourClientExchange(port, certAndKeyArgs("client", "p256"));
    // No --servername: the host is 127.0.0.1, checked against the certificate's IP address instead.
    const byAddress = startMutlsClient(port, ["--ca", CA, ...certAndKeyArgs("client", "p256")]);
    await byAddress.waitFor(/connected to/);
    byAddress.endStdin();
    expect((await byAddress.waitForExit()).code, byAddress.report()).toBe(0);
    expect(byAddress.stderr).toContain("IP 127.0.0.1, verified against --ca");
    await server.waitFor(/"event":"closed"[^\n]*\n[^]*"event":"closed"/);
    expect(
      handshakes(server).map((e) => e.serverName),
      server.report(),
    ).toEqual(["localhost", ""]);
  });

  it("agrees with Go on ALPN, and hears Go's no_application_protocol when nothing matches", async () => {
    const { server, port } = await goServer([...goCert("server", "p256"), "-alpn", "h2,http/1.1"]);
    const agreed = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--alpn", "http/1.1"]);
    expect(agreed.stderr).toContain("ALPN http/1.1");
    await server.waitFor(/"alpn":"http\/1\.1"/);
    const refused = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), "--alpn", "imap"]);
    await refused.waitFor(/no_application_protocol \(alert from the peer\)/);
    expect((await refused.waitForExit()).code).not.toBe(0);
  });

  it("sends 1 MiB to Go and reads it back intact", async () => {
    const { server, port } = await goServer(goCert("server", "p256"));
    await ourClientEchoesMiB(port);
    await server.waitFor(/"event":"closed"/);
  });

  it("goes without a certificate when Go only requests one", async () => {
    const { server, port } = await goServer([...goCert("server", "p256"), "-client-auth", "request"]);
    const client = await ourClientExchange(port, []);
    expect(client.stderr).toContain("client certificate not sent");
    await server.waitFor(/"event":"closed"/);
    const [handshake] = handshakes(server);
    expect(handshake, server.report()).toBeDefined();
    expect(handshake?.peer).toBeUndefined();
  });

  it("reports Go's refusal when it has no certificate to send", async () => {
    const { server, port } = await goServer(goCert("server", "p256"));
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost"]);
    client.write("ping\n");
    // Go 1.19 answers a missing certificate with bad_certificate (later Go: certificate_required).
    await client.waitFor(/connection failed: (bad_certificate|certificate_required) \(alert from the peer\)/);
    expect((await client.waitForExit()).code).not.toBe(0);
    expect(client.stderr).toContain("client certificate not sent");
    await server.waitFor(/"event":"error"/);
    expect(events(server).find((e) => e.event === "error")?.error).toContain("didn't provide a certificate");
  });

  it("refuses a Go server whose certificate leads to another CA, and Go hears unknown_ca", async () => {
    const { server, port } = await goServer(["-cert", cert("untrusted-server"), "-key", key("untrusted-server")]);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")]);
    await client.waitFor(/unknown_ca/);
    expect((await client.waitForExit()).code).not.toBe(0);
    await server.waitFor(/"event":"error"/);
    expect(events(server).find((e) => e.event === "error")?.error).toContain("unknown certificate authority");
  });
});
