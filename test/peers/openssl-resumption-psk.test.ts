/**
 * Resumption with tickets (RFC 8446 §2.2, §4.6.1) against OpenSSL, both ways, with mutual
 * authentication. OpenSSL is the oracle: `s_server` counts a session cache hit and prints
 * "Reused session-id" only when our binder verified and it accepted our PSK; `s_client -sess_in`
 * prints "Reused" only when our server accepted its ticket. Also external PSKs (with and without
 * (EC)DHE, and RFC 8773 PSK-with-certificates facing an OpenSSL that lacks it) and 0-RTT early data
 * (RFC 8446 §2.3), accepted once and a replay rejected.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ClientConnection } from "../../src/index.js";
import { ExtensionType } from "../../src/handshake/codec/constants.js";
import type { Extension } from "../../src/handshake/codec/extensions.js";
import { decodeServerHello } from "../../src/handshake/codec/messages.js";
import { rawConnect, relay } from "../helpers/scripted-peer.js";
import { splitHandshakes, splitRecords } from "../helpers/framing.js";
import { CA, type Peer, cert, certAndKeyArgs, freePort, key, startMutlsClient, startMutlsEchoServer, startMutlsServer, startProcess, stopAllProcesses } from "./process.js";
import { withTestHooks } from "../../src/handshake/config/test-hooks.js";

afterEach(stopAllProcesses);

const OPENSSL_VERSION = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
const dir = mkdtempSync(join(tmpdir(), "mutls-openssl-resumption-psk-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `openssl s_server` for `accepts` connections, requiring a client certificate; stdin kept open (EOF would stop it). */
async function sServer(accepts: number, args: readonly string[]): Promise<{ server: Peer; port: number }> {
  const port = await freePort();
  const server = startProcess("openssl s_server", "openssl", [
    "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", String(accepts), "-CAfile", CA, "-Verify", "2", "-verify_return_error", "-tls1_3",
    "-cert", cert("server-p256"), "-key", key("server-p256"), ...args,
  ]);
  await server.waitFor(/ACCEPT/);
  return { server, port };
}

/** `mutls client` to s_server: one line each way, then close. */
async function mutlsClientExchange(server: Peer, port: number, args: readonly string[], line: string): Promise<Peer> {
  const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), ...args]);
  await client.waitFor(/connected to/);
  client.write(`${line}\n`);
  await server.waitFor(new RegExp(`^${line}$`, "m"));
  server.write(`reply ${line}\n`);
  await client.waitFor(new RegExp(`^reply ${line}$`, "m"));
  client.endStdin();
  const exit = await client.waitForExit();
  expect(exit.code, client.report()).toBe(0);
  return client;
}

describe(`mutls client resumes with openssl s_server (${OPENSSL_VERSION})`, () => {
  const cases = [
    { name: "TLS_AES_128_GCM_SHA256", serverArgs: [], clientArgs: [] },
    { name: "TLS_AES_256_GCM_SHA384 (a SHA-384 PSK)", serverArgs: ["-ciphersuites", "TLS_AES_256_GCM_SHA384"], clientArgs: [] },
    // We send an x25519 share first; s_server takes only P-256 and asks again, so the binder must cover the HelloRetryRequest.
    { name: "after a HelloRetryRequest", serverArgs: ["-groups", "P-256"], clientArgs: ["--groups", "x25519,P-256"] },
  ];
  for (const c of cases) {
    it(`stores s_server's ticket with --sess-out and resumes with --sess-in: ${c.name}`, async () => {
      const file = join(dir, `session-${c.name.replace(/\W+/g, "-")}`);
      const { server, port } = await sServer(2, c.serverArgs);
      const first = await mutlsClientExchange(server, port, [...c.clientArgs, "--sess-out", file], "first");
      expect(first.stderr).toContain("resumed: no");
      const second = await mutlsClientExchange(server, port, [...c.clientArgs, "--sess-in", file], "second");
      expect(second.stderr).toContain("resumed: yes");
      await server.waitForExit();
      // Exactly the second connection was a resumption.
      expect(server.stdout.match(/Reused session-id/g)).toHaveLength(1);
      if (c.name.includes("SHA384")) expect(server.stdout).toContain("CIPHER is TLS_AES_256_GCM_SHA384");
      if (c.name.includes("HelloRetry")) expect(second.stderr).toContain("after a HelloRetryRequest");
    });
  }

  it("does a full handshake when s_server does not know the ticket", async () => {
    const file = join(dir, "session-unknown");
    const first = await sServer(1, []);
    await mutlsClientExchange(first.server, first.port, ["--sess-out", file], "first");
    // A new s_server has new ticket keys: it must decline our PSK, and we must fall back.
    const second = await sServer(1, []);
    const client = await mutlsClientExchange(second.server, second.port, ["--sess-in", file], "second");
    expect(client.stderr).toContain("resumed: no");
    await second.server.waitForExit();
    expect(second.server.stdout).not.toContain("Reused session-id");
  });
});

describe(`openssl s_client resumes with mutls server --tickets (${OPENSSL_VERSION})`, () => {
  function sClient(port: number, args: readonly string[]): Peer {
    return startProcess("openssl s_client", "openssl", [
      "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error",
      "-cert", cert("client-p256"), "-key", key("client-p256"), ...args,
    ]);
  }

  async function echo(client: Peer, line: string): Promise<void> {
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    client.write(`echo-${line}\n`);
    // Not anchored at the line start: s_client prints a ticket's hex dump without a final newline.
    await client.waitFor(new RegExp(`echo-${line}$`, "m"));
    client.endStdin();
    await client.waitForExit();
  }

  for (const suite of ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"]) {
    it(`is resumed by s_client -sess_in, keeping the client's identity: ${suite}`, async () => {
      const file = join(dir, `openssl-session-${suite}`);
      const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "2"]);
      const first = sClient(port, ["-ciphersuites", suite, "-sess_out", file]);
      await echo(first, "one");
      expect(first.stdout).toContain(`New, TLSv1.3, Cipher is ${suite}`);
      const second = sClient(port, ["-ciphersuites", suite, "-sess_in", file]);
      await echo(second, "two");
      expect(second.stdout).toContain(`Reused, TLSv1.3, Cipher is ${suite}`);
      await server.waitFor(/accepted: .*resumed/);
      expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
    });
  }

  it("issues no tickets without --tickets", async () => {
    const { port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = sClient(port, []);
    // The echo comes after anything the server sent right after the handshake.
    await echo(client, "one");
    expect(client.stdout).toContain("New, TLSv1.3");
    expect(client.stdout).not.toContain("New Session Ticket arrived");
  });
});

describe(`external PSK with OpenSSL (${OPENSSL_VERSION})`, () => {
  const PSK = "7f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

  it("mutls client with --psk authenticates s_server -nocert -psk (no certificates at all)", async () => {
    const { server, port } = await (async () => {
      const port = await freePort();
      const server = startProcess("openssl s_server", "openssl", [
        "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-nocert", "-tls1_3", "-psk_identity", "sensor-7", "-psk", PSK,
      ]);
      await server.waitFor(/ACCEPT/);
      return { server, port };
    })();
    const client = startMutlsClient(port, ["--psk-identity", "sensor-7", "--psk", PSK]);
    await client.waitFor(/server authenticated by PSK identity "sensor-7"/);
    client.write("reading 42\n");
    await server.waitFor(/^reading 42$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    // OpenSSL reports a PSK handshake as a resumption of the PSK's session.
    expect(server.stdout).toContain("Reused session-id");
  });

  // RFC 8446 §9.2, §4.2.9: a ClientHello offering a PSK with psk_ke alone needs no supported_groups or
  // key_share. Our engine's client, hooked to send exactly that, against s_server -allow_no_dhe_kex:
  // the outside oracle that our server answers the same ClientHello rightly (test/negative/rfc8446-musts.test.ts).
  it("s_server -allow_no_dhe_kex answers a psk_ke ClientHello without supported_groups and key_share, and sends no key_share", async () => {
    const port = await freePort();
    const server = startProcess("openssl s_server", "openssl", [
      "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-nocert", "-tls1_3", "-allow_no_dhe_kex", "-psk_identity", "sensor-7", "-psk", PSK,
    ]);
    await server.waitFor(/ACCEPT/);
    const withoutGroups = (_m: string, exts: Extension[]) => exts.filter((e) => e.type !== ExtensionType.supported_groups && e.type !== ExtensionType.key_share);
    const client = new ClientConnection(
      withTestHooks(
        {
          serverName: "localhost",
          externalPsk: { identity: "sensor-7", key: new Uint8Array(Buffer.from(PSK, "hex")) },
          pskKeyExchangeModes: ["psk_ke"],
        },
        { extensions: withoutGroups },
      ),
    );
    const socket = await rawConnect(port);
    const { ourError, fromPeer } = await relay(client, socket, (b) => b, () => client.handshakeComplete);
    expect(ourError).toBeNull();
    expect(client.handshake!.group).toBe("none (psk_ke)");
    const serverHello = decodeServerHello(splitHandshakes(splitRecords(fromPeer).records[0].subarray(5)).messages[0].subarray(4));
    const types = serverHello.extensions.map((e) => e.type);
    expect(types).toContain(ExtensionType.pre_shared_key);
    expect(types).not.toContain(ExtensionType.key_share);
  });

  it("mutls client with the wrong key is refused by s_server", async () => {
    const port = await freePort();
    const server = startProcess("openssl s_server", "openssl", [
      "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-nocert", "-tls1_3", "-psk_identity", "sensor-7", "-psk", PSK,
    ]);
    await server.waitFor(/ACCEPT/);
    const client = startMutlsClient(port, ["--psk-identity", "sensor-7", "--psk", PSK.replace(/^7f/, "00")]);
    expect((await client.waitForExit()).code).toBe(1);
    // OpenSSL 3.0 answers a binder that does not verify with illegal_parameter, later versions with decrypt_error.
    expect(client.stderr).toMatch(/(decrypt_error|illegal_parameter) \(alert from the peer\)/);
  });

  it("s_client -psk authenticates to mutls server --psk without certificates", async () => {
    const { server, port } = await startMutlsServer(["--psk-identity", "sensor-7", "--psk", PSK, "--echo"]);
    const client = startProcess("openssl s_client", "openssl", [
      "s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-psk_identity", "sensor-7", "-psk", PSK,
    ]);
    await client.waitFor(/Cipher is TLS_AES_128_GCM_SHA256/);
    client.write("echo-psk\n");
    await client.waitFor(/echo-psk$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
    expect(server.stderr).toContain('accepted: client PSK identity "sensor-7"');
    expect(client.stdout).not.toContain("Server certificate");
  });
});

// RFC 8773 (an external PSK combined with certificates) has no implementation in OpenSSL 3.0 or
// GnuTLS 3.7. What a real peer can show is that one without it never gets the PSK alone from a
// side configured for the combination, and the combination between our own CLI processes.
describe(`RFC 8773 --psk-with-certs facing OpenSSL, which lacks it (${OPENSSL_VERSION})`, () => {
  const PSK = "7f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

  it("mutls client --psk-with-certs refuses s_server's PSK-only answer with handshake_failure", async () => {
    const port = await freePort();
    const server = startProcess("openssl s_server", "openssl", [
      "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-tls1_3", "-cert", cert("server-p256"), "-key", key("server-p256"),
      "-psk_identity", "sensor-7", "-psk", PSK,
    ]);
    await server.waitFor(/ACCEPT/);
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", "--psk-identity", "sensor-7", "--psk", PSK, "--psk-with-certs"]);
    expect((await client.waitForExit()).code, client.report()).toBe(1);
    expect(client.stderr).toMatch(/handshake_failure.*without certificates/);
  });

  it("s_client -psk gets a certificate handshake from mutls server --psk-with-certs, never the PSK alone", async () => {
    const { server, port } = await startMutlsServer([...certAndKeyArgs("server", "p256"), "--echo", "--psk-identity", "sensor-7", "--psk", PSK, "--psk-with-certs"]);
    const client = startProcess("openssl s_client", "openssl", [
      "s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", "-servername", "localhost", "-CAfile", CA, "-verify_return_error", "-psk_identity", "sensor-7", "-psk", PSK,
    ]);
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    client.write("echo-fallback\n");
    await client.waitFor(/echo-fallback$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
    expect(client.stdout).toContain("New, TLSv1.3");
    expect(client.stdout).toContain("Server certificate");
    expect(server.stderr).toContain("accepted: client no certificate");
  });

  it("mutls client and server --psk-with-certs combine the PSK with mutual certificates over TCP", async () => {
    const { server, port } = await startMutlsEchoServer([
      ...certAndKeyArgs("server", "p256"), "--ca", CA, "--require-client-cert", "--psk-identity", "sensor-7", "--psk", PSK, "--psk-with-certs",
    ]);
    const client = startMutlsClient(port, [
      "--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "ed25519"), "--psk-identity", "sensor-7", "--psk", PSK, "--psk-with-certs",
    ]);
    await client.waitFor(/and PSK identity "sensor-7" \(RFC 8773\)/);
    client.write("both\n");
    await client.waitFor(/^both$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    await server.waitFor(/accepted: client "CN=client ed25519.* and PSK identity "sensor-7" \(RFC 8773\)/);
  });
});

describe(`0-RTT early data with OpenSSL (${OPENSSL_VERSION})`, () => {
  it("mutls client --early-data is accepted by s_server -early_data", async () => {
    const file = join(dir, "early-session");
    const early = join(dir, "early-request.txt");
    execFileSync("sh", ["-c", `printf 'EARLY-REQUEST\\n' > '${early}'`]);
    const { server, port } = await sServer(2, ["-early_data"]);
    await mutlsClientExchange(server, port, ["--sess-out", file], "first");
    const client = startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), "--sess-in", file, "--early-data", early]);
    await client.waitFor(/early data: accepted/);
    // s_server prints the 0-RTT data (stdout) between "Early data received:" and "End of early data" (stderr).
    await server.waitFor(/EARLY-REQUEST/);
    await server.waitFor(/End of early data/);
    expect(server.output.match(/Early data received:/g)).toHaveLength(1);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
  });

  it("s_client -early_data is accepted once by mutls server --early-data, and a replay is rejected", async () => {
    const file = join(dir, "early-openssl-session");
    const early = join(dir, "early-openssl.txt");
    execFileSync("sh", ["-c", `printf 'echo-EARLY\\n' > '${early}'`]);
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1", "--early-data"]);
    const sClient = (args: string[]): Peer =>
      startProcess("openssl s_client", "openssl", [
        "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error",
        "-cert", cert("client-p256"), "-key", key("client-p256"), ...args,
      ]);
    const first = sClient(["-sess_out", file]);
    await first.waitFor(/New Session Ticket arrived/);
    first.endStdin();
    await first.waitForExit(); // s_client's stdout is block-buffered into the pipe: complete only at exit
    expect(first.stdout).toContain("Max Early Data: 16384"); // the ticket allows 0-RTT

    const second = sClient(["-sess_in", file, "-early_data", early]);
    await second.waitFor(/Early data was accepted/);
    await second.waitFor(/echo-EARLY$/m); // our server echoed the 0-RTT data
    second.endStdin();
    await second.waitForExit();
    await server.waitFor(/resumed, 0-RTT data accepted/);

    // The same ticket again (a replay of its 0-RTT): resumed, but the early data is refused.
    const replay = sClient(["-sess_in", file, "-early_data", early]);
    await replay.waitFor(/Early data was rejected/);
    replay.endStdin();
    await replay.waitForExit();
    expect(server.stderr.match(/0-RTT data accepted/g)).toHaveLength(1);
  });
});

describe(`external PSK with psk_ke (no (EC)DHE) against OpenSSL (${OPENSSL_VERSION})`, () => {
  it("our client in psk_ke mode completes a handshake with s_server -allow_no_dhe_kex", async () => {
    const { connectTcp } = await import("../../src/node/index.js");
    const { TLSError } = await import("../../src/index.js");
    const PSK = "5a".repeat(32);
    const port = await freePort();
    const server = startProcess("openssl s_server", "openssl", [
      "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-nocert", "-tls1_3", "-allow_no_dhe_kex", "-psk_identity", "meter-3", "-psk", PSK,
    ]);
    await server.waitFor(/ACCEPT/);
    const connection = await connectTcp({
      host: "127.0.0.1",
      port,
      config: {
        externalPsk: { identity: "meter-3", key: Uint8Array.from(Buffer.from(PSK, "hex")) },
        pskKeyExchangeModes: ["psk_ke"],
        // Only the PSK may authenticate this server; a certificate answer would be refused.
        verifyPeer: () => {
          throw new TLSError(42, "no certificate expected");
        },
      },
    });
    try {
      expect(connection.handshake.pskIdentity).toBe("meter-3");
      expect(connection.handshake.group).toBe("none (psk_ke)");
      await connection.write(new TextEncoder().encode("kWh 12.5\n"));
      await server.waitFor(/^kWh 12\.5$/m);
    } finally {
      await connection.close().catch(() => undefined);
    }
  });
});
