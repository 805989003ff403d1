/**
 * Features of an established connection, through the mutls CLI against OpenSSL's `s_client` and
 * `s_server`: KeyUpdate we send (`^keyupdate^` on stdin), exporters (`-keymatexport`), the key log
 * (`-keylogfile`), post-handshake client authentication, max_fragment_length (`-maxfraglen`) and
 * record_size_limit. OpenSSL is the oracle:
 * its `-msg` trace, its exporter values and its own key-log lines must agree with ours.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CA, type Peer, cert, certAndKeyArgs, freePort, key, ourExport, startMutlsClient, startMutlsEchoServer, startMutlsServer, startProcess, stopAllProcesses } from "./process.js";

const dirs: string[] = [];
afterEach(async () => {
  await stopAllProcesses();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const OPENSSL_VERSION = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mutls-openssl-connection-features-"));
  dirs.push(dir);
  return dir;
}

/** `openssl s_server` requiring a client certificate, on a free port, its stdin kept open. */
async function sServer(args: readonly string[], verify: string[] = ["-Verify", "2", "-verify_return_error"]): Promise<{ server: Peer; port: number }> {
  const port = await freePort();
  const server = startProcess("openssl s_server", "openssl", [
    "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "1", "-CAfile", CA, ...verify, "-tls1_3",
    "-cert", cert("server-p256"), "-key", key("server-p256"), ...args,
  ]);
  await server.waitFor(/ACCEPT/);
  return { server, port };
}

function sClient(port: number, args: readonly string[]): Peer {
  return startProcess("openssl s_client", "openssl", [
    "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error",
    "-cert", cert("client-p256"), "-key", key("client-p256"), ...args,
  ]);
}

const ourClient = (port: number, extra: string[]): Peer =>
  startMutlsClient(port, ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256"), ...extra]);

/** "HEX" from our "exporter LABEL (N bytes): HEX" line. */
/** "HEX" from OpenSSL's "Keying material: HEX" line. */
const opensslExport = (output: string): string => /Keying material: ([0-9A-Fa-f]+)/.exec(output)?.[1]?.toLowerCase() ?? "missing from OpenSSL";

/** Key-log lines as a sorted list (label, client random, secret). */
const keyLogLines = (path: string): string[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l))
    .sort();

describe(`session features, mutls client -> openssl s_server (${OPENSSL_VERSION})`, () => {
  it("sends a KeyUpdate on ^keyupdate^; OpenSSL follows it, answers it, and data flows both ways after", async () => {
    const { server, port } = await sServer(["-msg"]);
    const client = ourClient(port, []);
    await client.waitFor(/connected to/);
    client.write("before\n");
    await server.waitFor(/^before$/m);
    client.write("^keyupdate^\n");
    // s_server's trace: our KeyUpdate arrives (<<<) with request_update = 1 (the last byte).
    await server.waitFor(/<<< TLS 1.3, Handshake \[length 0005\], KeyUpdate\s+18 00 00 01 01/);
    client.write("after our update\n");
    await server.waitFor(/^after our update$/m);
    // OpenSSL answers update_requested before its next application data (RFC 8446 §4.6.3).
    server.write("after its update\n");
    await server.waitFor(/>>> TLS 1.3, Handshake \[length 0005\], KeyUpdate\s+18 00 00 01 00/);
    await client.waitFor(/^after its update$/m);
    expect(server.stdout).not.toMatch(/^\^keyupdate\^$/m); // the command line is not data
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
  });

  it("exports the same keying material as s_server -keymatexport", async () => {
    const { server, port } = await sServer(["-keymatexport", "EXPERIMENTAL-mutls", "-keymatexportlen", "48"]);
    const client = ourClient(port, ["--export", "EXPERIMENTAL-mutls:48"]);
    await client.waitFor(/exporter /);
    await server.waitFor(/Keying material: /);
    expect(ourExport(client.stderr)).toHaveLength(96);
    expect(ourExport(client.stderr)).toBe(opensslExport(server.stdout));
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
  });

  it("writes the same key-log lines as s_server -keylogfile", async () => {
    const dir = tempDir();
    const { server, port } = await sServer(["-keylogfile", join(dir, "openssl.keys")]);
    const client = ourClient(port, ["--keylog", join(dir, "mutls.keys")]);
    await client.waitFor(/connected to/);
    client.write("hello\n");
    await server.waitFor(/^hello$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
    const theirs = keyLogLines(join(dir, "openssl.keys"));
    expect(theirs.map((l) => l.split(" ")[0]).sort()).toEqual([
      "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0",
    ]);
    expect(keyLogLines(join(dir, "mutls.keys"))).toEqual(theirs);
  });
});

describe(`post-handshake client authentication, mutls client -> openssl s_server (${OPENSSL_VERSION})`, () => {
  it("answers s_server's post-handshake CertificateRequest ('c'), which OpenSSL verifies", async () => {
    // No certificate request during the handshake: s_server asks only when 'c' is typed.
    const { server, port } = await sServer(["-msg"], []);
    const client = ourClient(port, ["--post-handshake-auth"]);
    await client.waitFor(/connected to/);
    client.write("before\n");
    await server.waitFor(/^before$/m);
    expect(server.stdout).not.toMatch(/CertificateRequest/);
    server.write("c\n"); // s_server: SSL_verify_client_post_handshake
    await server.waitFor(/>>> TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest/);
    await server.waitFor(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], Certificate\b/);
    await server.waitFor(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateVerify/);
    // OpenSSL checked our chain and our Finished, then goes on. Its verify callback prints on stderr,
    // which may trail the -msg trace on stdout, so wait for it rather than read it at once.
    await server.waitFor(/depth=0 O = mutls tests, CN = client p256\s+verify return:1/);
    client.write("after\n");
    await server.waitFor(/^after$/m);
    server.write("from openssl\n");
    await client.waitFor(/^from openssl$/m);
    client.endStdin();
    expect((await client.waitForExit()).code, client.report()).toBe(0);
  });
});

describe(`session features, mutls server <- openssl s_client (${OPENSSL_VERSION})`, () => {
  it("asks s_client -enable_pha for its certificate after the handshake and learns its identity", async () => {
    const { server, port } = await startMutlsServer(["--cert", cert("server-p256"), "--key", key("server-p256"), "--ca", CA, "--echo", "--post-handshake-auth"]);
    const client = startProcess("openssl s_client", "openssl", [
      "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error",
      "-cert", cert("client-p384"), "-key", key("client-p384"), "-enable_pha", "-msg",
    ]);
    await server.waitFor(/accepted: client no certificate/);
    await client.waitFor(/<<< TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateRequest/);
    client.write("ping\n"); // s_client reads (and answers the request) in its loop
    await server.waitFor(/post-handshake authentication: client "CN=client p384, O=mutls tests"; URI spiffe:\/\/mutls\.test\/client\/p384/);
    expect(client.stdout).toMatch(/>>> TLS 1\.3, Handshake \[length [0-9a-f]+\], CertificateVerify/);
    await client.waitFor(/^ping$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
  });

  it("reports a client that did not offer post_handshake_auth instead of asking it", async () => {
    const { server, port } = await startMutlsServer(["--cert", cert("server-p256"), "--key", key("server-p256"), "--ca", CA, "--echo", "--post-handshake-auth"]);
    const client = sClient(port, []);
    await server.waitFor(/post-handshake authentication failed: the client did not offer post_handshake_auth/);
    client.write("ping\n");
    await client.waitFor(/^ping$/m);
  });

  it("exports the same keying material as s_client -keymatexport", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--export", "EXPORTER-Channel-Binding:32"]);
    const client = sClient(port, ["-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32"]);
    await client.waitFor(/Keying material: /);
    await server.waitFor(/exporter /);
    expect(ourExport(server.stderr)).toBe(opensslExport(client.stdout));
  });

  it("writes the same key-log lines as s_client -keylogfile", async () => {
    const dir = tempDir();
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--keylog", join(dir, "mutls.keys")]);
    const client = sClient(port, ["-keylogfile", join(dir, "openssl.keys")]);
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    client.write("ping\n");
    await client.waitFor(/^ping$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
    const theirs = keyLogLines(join(dir, "openssl.keys"));
    expect(theirs).toHaveLength(5);
    expect(keyLogLines(join(dir, "mutls.keys"))).toEqual(theirs);
  });

  for (const [length, code] of [[512, 1], [2048, 3]] as const) {
    it(`answers s_client -maxfraglen ${length} and keeps its records within it (RFC 6066 §4)`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = sClient(port, ["-maxfraglen", String(length), "-msg"]);
      await client.waitFor(/Verify return code: 0 \(ok\)/);
      // Our EncryptedExtensions echoes the code: type 00 01, length 00 01, the code.
      expect(client.stdout).toMatch(new RegExp(`EncryptedExtensions\\s+08 [0-9a-f ]*00 01 00 01 0${code}`));
      const line = "y".repeat(3 * length + 100);
      client.write(line + "\n");
      // OpenSSL refuses records above the negotiated length (record_overflow); it must get the whole
      // echo, which -msg interleaves with its trace, one record's worth at a time.
      const echoed = (): string => (client.stdout.match(/y+/g) ?? []).join("");
      for (let i = 0; i < 150 && !echoed().includes(line); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(echoed()).toContain(line);
      // Every protected record s_client received after the handshake: at most length + type + tag.
      const headers = [...client.stdout.matchAll(/<<< TLS 1\.2, RecordHeader \[length 0005\]\s+17 03 03 ([0-9a-f]{2}) ([0-9a-f]{2})/g)];
      expect(headers.length).toBeGreaterThan(3);
      for (const h of headers) expect(parseInt(h[1] + h[2], 16)).toBeLessThanOrEqual(length + 1 + 16);
      client.endStdin();
      await server.waitFor(/closed cleanly/);
    });
  }
});
