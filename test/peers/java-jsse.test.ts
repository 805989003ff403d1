/**
 * The mutls CLI against Java's JSSE (SunJSSE in OpenJDK 17: the JDK's own TLS 1.3 stack, written
 * in Java on the JDK's own crypto providers, sharing no code with OpenSSL, GnuTLS, NSS or Go), both
 * roles, with mutual authentication. JSSE checks things the others do not in the same way: its
 * PKIX key manager picks a credential from our signature_algorithms and certificate_authorities,
 * its resumption is a stateless ticket server and a client cache keyed by host and port, and it
 * rekeys on its own once a key has protected `jdk.tls.keyLimits` bytes (KeyUpdate, RFC 8446
 * §4.6.3), asking us to rekey too when its read side reaches the limit. The peer is
 * test/peers/java/Peer.java, compiled here with javac; it prints what JSSE negotiated and verified
 * as JSON lines, and those are the oracle: the protocol and suite, our certificate as JSSE verified
 * it, resumption, ALPN, and the errors and alerts JSSE reports for a refusal. Where the peer count
 * of KeyUpdates matters, JSSE's own debug log (javax.net.debug) is read. JSSE 17 has no exporter
 * (RFC 8446 §7.5) API (SSLSession.exportKeyingMaterial is JDK 25), so the exporter is not compared.
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
  startMutlsClient,
  startMutlsEchoServer,
  startProcess,
  stopAllProcesses,
} from "./process.js";
import { KEY_PAIRS, TLS13_SUITES, jsonEvents, ourClientEchoesMiB, ourClientExchange, ourClientResendsEarlyData } from "./cases.js";

afterEach(stopAllProcesses);

// Both are needed: javac compiles the peer once, java runs it (a JVM start per peer is ~0.5 s).
const probe = spawnSync("javac", ["-version"], { encoding: "utf8" });
const javaProbe = spawnSync("java", ["-version"], { encoding: "utf8" });
const JAVA_MISSING =
  probe.status === 0 && javaProbe.status === 0 ? null : (probe.error?.message ?? javaProbe.error?.message ?? `${probe.stderr}${javaProbe.stderr}`).trim();
if (JAVA_MISSING) console.log(`skipping Java JSSE interop: a JDK is not installed (apt-get install -y openjdk-17-jdk-headless): ${JAVA_MISSING}`);
const JAVA_VERSION = JAVA_MISSING ? "missing" : (/version "([^"]+)"/.exec(javaProbe.stderr)?.[1] ?? "unknown");

const dir = mkdtempSync(join(tmpdir(), "mutls-java-peer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  if (JAVA_MISSING) return;
  const source = fileURLToPath(new URL("./java/Peer.java", import.meta.url));
  const build = spawnSync("javac", ["-d", dir, source], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  if (build.status !== 0) throw new Error(`javac failed:\n${build.stdout}${build.stderr}`);
}, 130_000);

/** One event the Java peer printed (Peer.java's `emit`). */
interface JavaEvent {
  event: "listening" | "handshake" | "echo" | "closed" | "error";
  address?: string;
  protocol?: string;
  suite?: string;
  resumed?: boolean;
  alpn?: string;
  localCertificate?: string | null;
  peer?: { subject: string; issuer: string; keyAlgorithm: string; dns: string[]; uris: string[]; ips: string[]; chainLength: number };
  line?: string;
  bytes?: number;
  firstMismatch?: number;
  stage?: string;
  type?: string;
  error?: string;
}

const events = (peer: Peer): JavaEvent[] => jsonEvents<JavaEvent>(peer);

const handshakes = (peer: Peer): JavaEvent[] => events(peer).filter((e) => e.event === "handshake");
const firstError = (peer: Peer): string | undefined => events(peer).find((e) => e.event === "error")?.error;

const javaCert = (role: "server" | "client", type: KeyType): string[] => ["-cert", cert(`${role}-${type}`), "-key", key(`${role}-${type}`)];

/** `java Peer ...`; `jvm` are JVM options (system properties) before the class name. */
function java(name: string, args: readonly string[], jvm: readonly string[] = []): Peer {
  // Serial GC and C1 only: a short-lived peer starts faster on the shared 2-core machine.
  return startProcess(name, "java", ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", ...jvm, "-cp", dir, "Peer", ...args]);
}

/** The JSSE client against our server: its connections run, then it exits. */
async function javaClient(port: number, args: readonly string[], jvm: readonly string[] = []): Promise<Peer> {
  const client = java("java client", ["client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-ca", CA, ...args], jvm);
  await client.waitForExit(30_000);
  return client;
}

/** The JSSE echo server, listening on an ephemeral port. */
async function javaServer(args: readonly string[], jvm: readonly string[] = []): Promise<{ server: Peer; port: number }> {
  const server = java("java server", ["server", "-listen", "127.0.0.1:0", "-ca", CA, ...args], jvm);
  const match = await server.waitFor(/"address":"127\.0\.0\.1:(\d+)"/);
  return { server, port: Number(match[1]) };
}

/** Lines of JSSE's handshake debug log (stderr) that say it sent or took a KeyUpdate. */
const DEBUG = ["-Djavax.net.debug=ssl:handshake"];
const keyUpdatesProduced = (peer: Peer): number => (peer.stderr.match(/Produced KeyUpdate post-handshake message/g) ?? []).length;
const keyUpdatesConsumed = (peer: Peer): number => (peer.stderr.match(/Consuming KeyUpdate post-handshake message/g) ?? []).length;
/**
 * JSSE rekeys after this many bytes under one key (checked after each write call, and on its read
 * side after each read). Our endpoint allows 32 KeyUpdates at once, then one per 128 KiB of data
 * (limits.maxKeyUpdates), and refuses a peer that rekeys faster. JSSE, once its read key is past
 * the limit, sends another update_requested after every record it reads until our answer arrives,
 * so with much echo in flight it exceeds that; the KeyUpdate tests therefore echo in lockstep
 * (16 KiB at a time), as request and response traffic does.
 */
const KEY_LIMIT = String(128 * 1024);

/** JSSE's name for each of our groups (jdk.tls.namedGroups). */
const GROUPS = [
  ["x25519", "x25519"],
  ["secp256r1", "secp256r1"],
  ["secp384r1", "secp384r1"],
] as const;

// Skipped, with the reason printed, only where no JDK is installed (.ci/run installs openjdk-17-jdk-headless).
describe.skipIf(JAVA_MISSING !== null)(`mutls server <- Java JSSE client (${JAVA_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--ciphers", suite]);
      const client = await javaClient(port, [...javaCert("client", "p256"), "-ciphers", suite]);
      expect(
        handshakes(client).map((e) => [e.protocol, e.suite]),
        client.report(),
      ).toEqual([["TLSv1.3", suite]]);
      expect(events(client).find((e) => e.event === "echo")?.line).toBe("ping");
      await server.waitFor(/closed cleanly/);
      expect(server.stderr).toContain(suite);
    });
  }

  for (const [group, javaGroup] of GROUPS) {
    it(`agrees on ${group} when JSSE offers only ${javaGroup}`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = await javaClient(port, [...javaCert("client", "p256"), "-groups", javaGroup]);
      expect(handshakes(client), client.report()).toHaveLength(1);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`group ${group},`);
      expect(server.stderr).not.toContain("HelloRetryRequest");
    });
  }

  it("asks again (HelloRetryRequest) for a group JSSE supports but sent no share for", async () => {
    // JSSE sends one key share per kind of group, for its first preference of each: x25519 (XDH)
    // and secp256r1 (ECDHE) here, none for secp384r1.
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1"]);
    const client = await javaClient(port, [...javaCert("client", "p256"), "-groups", "x25519,secp256r1,secp384r1"]);
    expect(handshakes(client), client.report()).toHaveLength(1);
    expect(events(client).find((e) => e.event === "echo")?.line).toBe("ping");
    await server.waitFor(/accepted: /);
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${serverType} server to JSSE and a ${clientType} JSSE client to us`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", serverType));
      const client = await javaClient(port, javaCert("client", clientType));
      const [handshake] = handshakes(client);
      expect(handshake?.peer, client.report()).toMatchObject({
        subject: `CN=localhost (${serverType}),O=mutls tests`,
        issuer: "CN=mutls test root CA,O=mutls tests",
        dns: ["localhost"],
        ips: ["127.0.0.1"],
      });
      expect(handshake?.localCertificate).toBe(`CN=client ${clientType},O=mutls tests`);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`client "CN=client ${clientType}, O=mutls tests"; URI spiffe://mutls.test/client/${clientType}`);
    });
  }

  it("is resumed by JSSE with the ticket it sent, keeping the client's identity", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1"]);
    const client = await javaClient(port, [...javaCert("client", "p256"), "-connections", "2"]);
    expect(
      handshakes(client).map((e) => e.resumed),
      client.report(),
    ).toEqual([false, true]);
    // The resumed session still carries the server certificate JSSE verified the first time.
    expect(handshakes(client)[1]?.peer?.subject).toBe("CN=localhost (p256),O=mutls tests");
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
  });

  it("echoes 1 MiB from JSSE, in order and intact", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await javaClient(port, [...javaCert("client", "p256"), "-bytes", String(1 << 20)]);
    expect(
      events(client).find((e) => e.event === "echo"),
      client.report(),
    ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
    expect(events(client).some((e) => e.event === "closed")).toBe(true);
    await server.waitFor(/closed cleanly/);
  });

  for (const suite of TLS13_SUITES) {
    it(`follows JSSE's own KeyUpdates (jdk.tls.keyLimits) through 1 MiB echoed, ${suite}`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = await javaClient(
        port,
        [...javaCert("client", "p256"), "-ciphers", suite, "-bytes", String(1 << 20), "-lockstep", "-key-limit", KEY_LIMIT],
        DEBUG,
      );
      expect(
        events(client).find((e) => e.event === "echo"),
        client.report().slice(-4000),
      ).toMatchObject({ bytes: 1 << 20, firstMismatch: -1 });
      expect(events(client).filter((e) => e.event === "error")).toEqual([]);
      // JSSE's KeyUpdates all carry update_requested: we decrypted its records under each new key,
      // and it read our answering KeyUpdate (§4.6.3) before the next echo, except perhaps the last.
      const produced = keyUpdatesProduced(client);
      expect(produced, client.stderr.slice(-4000)).toBeGreaterThanOrEqual(8);
      expect(keyUpdatesConsumed(client)).toBeGreaterThanOrEqual(produced - 1);
      await server.waitFor(/closed cleanly/);
    });
  }

  it("agrees with JSSE on ALPN (RFC 7301), and refuses JSSE with no_application_protocol when nothing matches", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--alpn", "h2,http/1.1"]);
    const agreed = await javaClient(port, [...javaCert("client", "p256"), "-alpn", "http/1.1"]);
    expect(handshakes(agreed)[0]?.alpn, agreed.report()).toBe("http/1.1");
    await server.waitFor(/ALPN http\/1\.1/);
    const refused = await javaClient(port, [...javaCert("client", "p256"), "-alpn", "imap"]);
    expect(firstError(refused), refused.report()).toContain("no_application_protocol");
    await server.waitFor(/refused: no_application_protocol/);
  });

  it("refuses a JSSE client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await javaClient(port, []);
    // TLS 1.3: JSSE's handshake ends with its Finished; our alert comes on its first read.
    expect(firstError(client), client.report()).toBe("Received fatal alert: certificate_required");
    await server.waitFor(/refused: certificate_required/);
  });

  it("names its CA in the CertificateRequest: JSSE withholds a certificate from another CA", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    // JSSE's key manager offers only a certificate whose issuer our certificate_authorities (§4.2.4) name.
    const client = await javaClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client")]);
    expect(handshakes(client)[0]?.localCertificate, client.report()).toBeNull();
    expect(firstError(client)).toBe("Received fatal alert: certificate_required");
    await server.waitFor(/refused: certificate_required/);
  });

  it("refuses a JSSE client whose certificate leads to another CA with unknown_ca", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await javaClient(port, ["-cert", cert("untrusted-client"), "-key", key("untrusted-client"), "-send-cert-anyway"]);
    await server.waitFor(/refused: unknown_ca/);
    // JSSE flushes its Certificate, CertificateVerify and Finished in separate writes; we refuse on
    // the Certificate and close our side (§6.2), then read and drop JSSE's later writes until its
    // FIN (net-transport.ts), so that they meet no reset and JSSE reads our alert.
    const error = events(client).find((e) => e.event === "error");
    expect(error?.error, client.report()).toBe("Received fatal alert: unknown_ca");
    expect(events(client).some((e) => e.event === "echo")).toBe(false);
  });

  it("is refused by JSSE when our certificate leads to a CA JSSE does not trust", async () => {
    const { server, port } = await startMutlsEchoServer(["--cert", cert("untrusted-server"), "--key", key("untrusted-server")]);
    const client = await javaClient(port, javaCert("client", "p256"));
    const error = events(client).find((e) => e.event === "error");
    expect(error, client.report()).toMatchObject({ stage: "handshake", type: "SSLHandshakeException" });
    expect(error?.error).toContain("unable to find valid certification path");
    // JSSE answers a failed PKIX path with certificate_unknown (not the more specific unknown_ca).
    await server.waitFor(/refused: certificate_unknown \(alert from the peer\)/);
  });
  it("signs with the one RSA-PSS scheme JSSE offers (signature_algorithms, RFC 8446 §4.4.3)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "rsa2048"), "--json"]);
    // JSSE verifies our CertificateVerify only under a scheme it offered; the CA signs with ECDSA P-256.
    const client = await javaClient(port, [...javaCert("client", "p256"), "-sigschemes", "rsa_pss_rsae_sha384,ecdsa_secp256r1_sha256"]);
    expect(handshakes(client)[0]?.peer?.subject, client.report()).toBe("CN=localhost (rsa2048),O=mutls tests");
    await server.waitFor(/"peerSignatureScheme"/);
    expect(server.stdout).toContain('"peerSignatureScheme":"ecdsa_secp256r1_sha256"');
  });

  it("refuses with handshake_failure a JSSE client that offers no scheme our key can make", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = await javaClient(port, [...javaCert("client", "p256"), "-sigschemes", "ed25519"]);
    expect(firstError(client), client.report()).toBe("Received fatal alert: handshake_failure");
    await server.waitFor(/refused: handshake_failure .*none of the signature schemes our key can make \(ecdsa_secp256r1_sha256\)/);
  });
});

describe.skipIf(JAVA_MISSING !== null)(`mutls client -> Java JSSE server (${JAVA_VERSION})`, () => {
  for (const suite of TLS13_SUITES) {
    it(`negotiates ${suite}`, async () => {
      const { server, port } = await javaServer([...javaCert("server", "p256"), "-ciphers", suite]);
      const client = await ourClientExchange(port, certAndKeyArgs("client", "p256"));
      await server.waitFor(/"event":"closed"/);
      expect(
        handshakes(server).map((e) => [e.protocol, e.suite]),
        server.report(),
      ).toEqual([["TLSv1.3", suite]]);
      expect(client.stderr).toContain(suite);
      expect(client.stderr).toContain("closed cleanly");
    });
  }

  for (const [group, javaGroup] of GROUPS) {
    it(`agrees on ${group} when the JSSE server takes only ${javaGroup}`, async () => {
      const { server, port } = await javaServer([...javaCert("server", "p256"), "-groups", javaGroup]);
      const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", group]);
      expect(handshakes(server), server.report()).toHaveLength(1);
      expect(client.stderr).toContain(`group ${group},`);
      expect(client.stderr).not.toContain("HelloRetryRequest");
    });
  }

  it("answers JSSE's HelloRetryRequest when JSSE takes only secp384r1", async () => {
    const { server, port } = await javaServer([...javaCert("server", "p256"), "-groups", "secp384r1"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"]);
    expect(handshakes(server), server.report()).toHaveLength(1);
    expect(client.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of KEY_PAIRS) {
    it(`authenticates a ${clientType} client to JSSE and a ${serverType} JSSE server to us`, async () => {
      const { server, port } = await javaServer(javaCert("server", serverType));
      const client = await ourClientExchange(port, certAndKeyArgs("client", clientType));
      const [handshake] = handshakes(server);
      expect(handshake?.peer, server.report()).toMatchObject({
        subject: `CN=client ${clientType},O=mutls tests`,
        issuer: "CN=mutls test root CA,O=mutls tests",
        uris: [`spiffe://mutls.test/client/${clientType}`],
        dns: ["client.mutls.test"],
      });
      expect(handshake?.localCertificate).toBe(`CN=localhost (${serverType}),O=mutls tests`);
      expect(client.stderr).toContain(`server "CN=localhost (${serverType}), O=mutls tests"`);
      expect(client.stderr).toContain(`client certificate sent (CN=client ${clientType}, O=mutls tests)`);
    });
  }

  it("resumes with the ticket JSSE's server sent (--sess-out, then --sess-in)", async () => {
    const { server, port } = await javaServer(javaCert("server", "p256"));
    const session = join(dir, "java.session");
    const first = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-out", session]);
    const second = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--sess-in", session]);
    expect(first.stderr).toContain("resumed: no");
    expect(second.stderr).toContain("resumed: yes");
    await server.waitFor(/"resumed":true/);
    expect(
      handshakes(server).map((e) => e.resumed),
      server.report(),
    ).toEqual([false, true]);
    // JSSE keeps the client identity it verified in the first handshake.
    expect(handshakes(server)[1]?.peer?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
  });

  it("resumes after JSSE's HelloRetryRequest: JSSE checks our second ClientHello's binder", async () => {
    const { server, port } = await javaServer([...javaCert("server", "p256"), "-groups", "secp384r1"]);
    const session = join(dir, "java-retry.session");
    const args = [...certAndKeyArgs("client", "p256"), "--groups", "x25519,secp384r1"];
    await ourClientExchange(port, [...args, "--sess-out", session]);
    const second = await ourClientExchange(port, [...args, "--sess-in", session]);
    expect(second.stderr).toContain("after a HelloRetryRequest");
    expect(second.stderr).toContain("resumed: yes");
    await server.waitFor(/"resumed":true/);
  });

  it("does not send 0-RTT on a JSSE ticket (JSSE has no early data), and sends the data after the handshake", async () => {
    const { server, port } = await javaServer(javaCert("server", "p256"));
    await ourClientResendsEarlyData(port, dir);
    await server.waitFor(/"resumed":true/);
  });

  it("agrees with JSSE on ALPN, and hears JSSE's no_application_protocol when nothing matches", async () => {
    const { server, port } = await javaServer([...javaCert("server", "p256"), "-alpn", "h2,http/1.1"]);
    const agreed = await ourClientExchange(port, [...certAndKeyArgs("client", "p256"), "--alpn", "http/1.1"]);
    expect(agreed.stderr).toContain("ALPN http/1.1");
    await server.waitFor(/"alpn":"http\/1\.1"/);
    const refused = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), "--alpn", "imap"]);
    await refused.waitFor(/no_application_protocol \(alert from the peer\)/);
    expect((await refused.waitForExit()).code).not.toBe(0);
    await server.waitFor(/"event":"error"/);
    expect(firstError(server)).toContain("No matching application layer protocol values");
  });

  it("sends 1 MiB to JSSE and reads it back intact", async () => {
    const { server, port } = await javaServer(javaCert("server", "p256"));
    await ourClientEchoesMiB(port);
    await server.waitFor(/"event":"closed"/);
    expect(events(server).find((e) => e.event === "closed")?.bytes).toBe(1 << 20);
  });

  it("updates its keys with JSSE (KeyUpdate with update_requested, RFC 8446 §4.6.3) and keeps exchanging data", async () => {
    const { server, port } = await javaServer(javaCert("server", "p256"), DEBUG);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")]);
    await client.waitFor(/connected to/);
    client.write("before\n");
    await client.waitFor(/^before$/m);
    // JSSE decrypts the next line only if it followed our update, and we read its echo only if we
    // followed the KeyUpdate JSSE sends back for update_requested.
    client.write("^keyupdate^\nafter the key update\n");
    await client.waitFor(/^after the key update$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    await server.waitFor(/"event":"closed"/);
    expect(keyUpdatesConsumed(server)).toBe(1);
    expect(keyUpdatesProduced(server)).toBe(1);
    expect(
      events(server).filter((e) => e.event === "error"),
      server.report(),
    ).toEqual([]);
  });

  it("follows the JSSE server's own KeyUpdates (jdk.tls.keyLimits) through 1 MiB", async () => {
    const { server, port } = await javaServer([...javaCert("server", "p256"), "-key-limit", KEY_LIMIT], DEBUG);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")]);
    await client.waitFor(/connected to/);
    // 64 chunks of 16 KiB, each echoed before the next is sent (bounded: each wait has its timeout).
    const lines = Array.from({ length: 16384 }, (_, i) => `${String(i).padStart(6, "0")} ${"y".repeat(56)}\n`);
    for (let chunk = 0; chunk < 64; chunk++) {
      client.write(lines.slice(chunk * 256, (chunk + 1) * 256).join(""));
      await client.waitFor(new RegExp(`^${String(chunk * 256 + 255).padStart(6, "0")} y+$`, "m"));
    }
    client.endStdin();
    expect((await client.waitForExit()).code, client.report().slice(-2000)).toBe(0);
    expect(client.stdout === lines.join("")).toBe(true);
    await server.waitFor(/"event":"closed"/);
    expect(events(server).filter((e) => e.event === "error")).toEqual([]);
    // JSSE rekeyed its writes every 128 KiB (each KeyUpdate with update_requested), and read our
    // answer to each (§4.6.3), except perhaps the last.
    const produced = keyUpdatesProduced(server);
    expect(produced, server.stderr.slice(-4000)).toBeGreaterThanOrEqual(8);
    expect(keyUpdatesConsumed(server)).toBeGreaterThanOrEqual(produced - 1);
  });

  it("goes without a certificate when JSSE only requests one", async () => {
    const { server, port } = await javaServer([...javaCert("server", "p256"), "-client-auth", "request"]);
    const client = await ourClientExchange(port, []);
    expect(client.stderr).toContain("client certificate not sent");
    await server.waitFor(/"event":"closed"/);
    const [handshake] = handshakes(server);
    expect(handshake, server.report()).toBeDefined();
    expect(handshake?.peer).toBeUndefined();
  });

  it("reports JSSE's certificate_required when it has no certificate to send", async () => {
    const { server, port } = await javaServer(javaCert("server", "p256"));
    // Nothing written: JSSE closes after its alert, and a write then could fail (EPIPE) before we read the alert.
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost"]);
    // RFC 8446 §4.4.2.4 names certificate_required; JSSE before JDK-8311644 (fixed in JDK 22,
    // backported to some updates) sends bad_certificate. Either way we report the alert JSSE sent.
    await client.waitFor(/connection failed: (bad_certificate|certificate_required) \(alert from the peer\)/);
    expect((await client.waitForExit()).code).not.toBe(0);
    expect(client.stderr).toContain("client certificate not sent");
    await server.waitFor(/"event":"error"/);
    expect(firstError(server)).toBe("Empty client certificate chain");
  });

  it("withholds a certificate from another CA when JSSE's CertificateRequest names its CA", async () => {
    const { server, port } = await javaServer(javaCert("server", "p256"));
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", "--cert", cert("untrusted-client"), "--key", key("untrusted-client")]);
    client.write("ping\n");
    await client.waitFor(/connection failed: .*\(alert from the peer\)/);
    expect((await client.waitForExit()).code).not.toBe(0);
    // JSSE's CertificateRequest names its trust anchors in certificate_authorities (RFC 8446 §4.2.4).
    expect(client.stderr).toContain(
      "client certificate held back: none of the 1 configured client certificate(s) is issued by a CA the server accepts (certificate_authorities: CN=mutls test root CA, O=mutls tests)",
    );
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toBe("Empty client certificate chain");
  });

  it("refuses a JSSE server whose certificate leads to another CA, and JSSE hears unknown_ca", async () => {
    const { server, port } = await javaServer(["-cert", cert("untrusted-server"), "-key", key("untrusted-server")]);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")]);
    await client.waitFor(/unknown_ca/);
    expect((await client.waitForExit()).code).not.toBe(0);
    await server.waitFor(/"event":"error"/);
    // As above: our close lingers until JSSE's FIN, so JSSE reads our alert.
    expect(firstError(server), server.report()).toBe("Received fatal alert: unknown_ca");
  });
  it("signs for JSSE with the scheme its CertificateRequest allows, and reports the one JSSE chose", async () => {
    const { server, port } = await javaServer([...javaCert("server", "rsa2048"), "-sigschemes", "rsa_pss_rsae_sha512,ecdsa_secp256r1_sha256"]);
    const client = await ourClientExchange(port, [...certAndKeyArgs("client", "rsa2048"), "--json"]);
    const ours = JSON.parse(client.stdout.split("\n")[0] ?? "{}") as { peerSignatureScheme?: string; clientCertificate?: { sent?: boolean } };
    expect(ours, client.report()).toMatchObject({ peerSignatureScheme: "rsa_pss_rsae_sha512", clientCertificate: { sent: true } });
    await server.waitFor(/"event":"closed"/);
    expect(handshakes(server)[0]?.peer?.uris, server.report()).toEqual(["spiffe://mutls.test/client/rsa2048"]);
  });

  it("holds back a client key that cannot sign with any scheme JSSE's CertificateRequest lists", async () => {
    const { server, port } = await javaServer([...javaCert("server", "rsa2048"), "-sigschemes", "rsa_pss_rsae_sha512,ecdsa_secp256r1_sha256"]);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p384")]);
    await client.waitFor(/connection failed: (bad_certificate|certificate_required) \(alert from the peer\)/);
    expect(client.stderr).toContain(
      "client certificate held back: none of the 1 configured client certificate(s) has a key that signs with one of the server's signature_algorithms",
    );
    await server.waitFor(/"event":"error"/);
    expect(firstError(server), server.report()).toBe("Empty client certificate chain");
  });
});
