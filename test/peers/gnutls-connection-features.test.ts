/**
 * Features of an established connection, through the mutls CLI against GnuTLS: exporters
 * (`--keymatexport`), the key log (GnuTLS writes SSLKEYLOGFILE), KeyUpdate we send, post-handshake
 * client authentication and record_size_limit. gnutls-serv
 * binds every address, so it runs with our client inside `unshare -n` (loopback only); where that
 * is impossible those tests are skipped with the reason printed (as in gnutls.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GNUTLS_MISSING, GNUTLS_VERSION, NAMESPACE_MISSING, TLS13, againstGnutlsServ } from "./gnutls.js";
import { CA, type Peer, cert, certAndKeyArgs, key, ourExport, startMutlsEchoServer, startMutlsServer, startProcess, stopAllProcesses } from "./process.js";

const dirs: string[] = [];
afterEach(async () => {
  await stopAllProcesses();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mutls-gnutls-connection-features-"));
  dirs.push(dir);
  return dir;
}

const keyLogLines = (path: string): string[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l))
    .sort();

const gnutlsExport = (output: string): string => /Key material: ([0-9A-Fa-f]+)/.exec(output)?.[1]?.toLowerCase() ?? "missing from GnuTLS";

function gnutlsCli(port: number, extra: string[], env: NodeJS.ProcessEnv = {}): Peer {
  const args = ["--x509cafile", CA, "--x509certfile", cert("client-p256"), "--x509keyfile", key("client-p256"), "--priority", TLS13, ...extra, "-p", String(port), "localhost"];
  if (Object.keys(env).length === 0) return startProcess("gnutls-cli", "gnutls-cli", args);
  // env(1) sets the variable for gnutls-cli only; startProcess inherits our environment.
  return startProcess("gnutls-cli", "env", [...Object.entries(env).map(([k, v]) => `${k}=${v}`), "gnutls-cli", ...args]);
}

// Skipped, with the reason printed, only where gnutls-bin is not installed (.ci/run installs it).
describe.skipIf(GNUTLS_MISSING !== null)(`session features, mutls server <- gnutls-cli (${GNUTLS_VERSION})`, () => {
  it("exports the same keying material as gnutls-cli --keymatexport", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--export", "EXPERIMENTAL-mutls:40"]);
    const client = gnutlsCli(port, ["--keymatexport=EXPERIMENTAL-mutls", "--keymatexportsize=40"]);
    await client.waitFor(/Key material: /);
    await server.waitFor(/exporter /);
    expect(ourExport(server.stderr)).toHaveLength(80);
    expect(ourExport(server.stderr)).toBe(gnutlsExport(client.output));
  });

  it("negotiates record_size_limit 512 with gnutls-cli and keeps our records within it (RFC 8449)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--record-size-limit", "512"]);
    // -d 5: GnuTLS logs the negotiated limit and the length of every record it receives.
    const client = gnutlsCli(port, ["-d", "5"]);
    await client.waitFor(/Handshake was completed/);
    // GnuTLS counts the content type: our 512 content bytes are 513 (RFC 8449 §4).
    expect(client.output).toContain("record_size_limit 513 negotiated");
    const line = "z".repeat(511); // gnutls-cli sends one record per line; with the newline, 512 bytes
    client.write(line + "\n");
    await client.waitFor(new RegExp(`^${line}$`, "m"));
    client.endStdin();
    await server.waitFor(/closed cleanly/);
    const received = [...client.output.matchAll(/Application Data packet received\. Epoch 2, length: (\d+)/g)].map((m) => Number(m[1]));
    expect(received.length).toBeGreaterThan(0);
    // 512 content bytes + content type + AEAD tag.
    for (const length of received) expect(length).toBeLessThanOrEqual(512 + 1 + 16);
  });

  it("asks gnutls-cli --post-handshake-auth for its certificate after the handshake (RFC 8446 §4.6.2)", async () => {
    const { server, port } = await startMutlsServer(["--cert", cert("server-p256"), "--key", key("server-p256"), "--ca", CA, "--echo", "--post-handshake-auth"]);
    const client = startProcess("gnutls-cli", "gnutls-cli", [
      "--x509cafile", CA, "--x509certfile", cert("client-ed25519"), "--x509keyfile", key("client-ed25519"), "--priority", TLS13,
      "--post-handshake-auth", "-p", String(port), "localhost",
    ]);
    await server.waitFor(/accepted: client no certificate/);
    client.write("ping\n"); // gnutls-cli answers the request when it next reads
    await server.waitFor(/post-handshake authentication: client "CN=client ed25519, O=mutls tests"; URI spiffe:\/\/mutls\.test\/client\/ed25519/);
    await client.waitFor(/^ping$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
  });

  it("writes the same key-log lines as GnuTLS's SSLKEYLOGFILE", async () => {
    const dir = tempDir();
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--keylog", join(dir, "mutls.keys")]);
    const client = gnutlsCli(port, [], { SSLKEYLOGFILE: join(dir, "gnutls.keys") });
    await client.waitFor(/Handshake was completed/);
    client.write("ping\n");
    await client.waitFor(/^ping$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
    const theirs = keyLogLines(join(dir, "gnutls.keys"));
    expect(theirs).toHaveLength(5);
    expect(keyLogLines(join(dir, "mutls.keys"))).toEqual(theirs);
  });
});

/** gnutls-serv requiring and verifying our client's P-256 certificate, and `mutls client` presenting it; the client must succeed. */
async function mutualAgainstGnutlsServ(servArgs: string[], clientArgs: string[], input: string): Promise<{ client: string; server: string }> {
  const serverCredentials = ["--x509certfile", cert("server-p256"), "--x509keyfile", key("server-p256"), "--require-client-cert", "--verify-client-cert", "--priority", TLS13];
  const run = await againstGnutlsServ([...serverCredentials, ...servArgs], [...certAndKeyArgs("client", "p256"), ...clientArgs], input);
  expect(run.exitCode, run.client).toBe(0);
  return run;
}

// gnutls-serv binds every address, so it runs inside `unshare -n`; skipped where namespaces are not allowed.
describe.skipIf(NAMESPACE_MISSING !== null)(`session features, mutls client -> gnutls-serv (${GNUTLS_VERSION})`, () => {
  it("sends a KeyUpdate on ^keyupdate^ and keeps exchanging data with GnuTLS", async () => {
    const { client } = await mutualAgainstGnutlsServ([], [], "before\n^keyupdate^\nafter\n");
    // gnutls-serv echoes: "after" went out under our updated key and came back under the key
    // GnuTLS switched to when answering update_requested.
    expect(client).toMatch(/^before$/m);
    expect(client).toMatch(/^after$/m);
    expect(client).not.toContain("^keyupdate^");
    expect(client).toContain("closed cleanly");
  });

  it("exports the same keying material as gnutls-serv --keymatexport", async () => {
    const { client, server } = await mutualAgainstGnutlsServ(["--keymatexport=EXPERIMENTAL-mutls", "--keymatexportsize=32"], ["--export", "EXPERIMENTAL-mutls:32"], "ping\n");
    expect(ourExport(client)).toHaveLength(64);
    expect(ourExport(client)).toBe(gnutlsExport(server));
  });

  it("negotiates record_size_limit 512 with gnutls-serv --recordsize 512 over a 100 KB echo (RFC 8449)", async () => {
    const line = "w".repeat(100_000);
    const { client, server } = await mutualAgainstGnutlsServ(["--recordsize=512", "-d", "4"], ["--record-size-limit", "512"], `${line}\n`);
    expect(server).toContain("record_size_limit 513 negotiated");
    // GnuTLS refuses records above its limit with record_overflow and we refuse above ours: the
    // whole line going out and coming back proves both directions.
    expect(client).toContain(line);
  });
});
