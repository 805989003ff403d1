/**
 * The early exporter secret (RFC 8446 §7.1 early_exporter_master_secret) against OpenSSL, both
 * ways. OpenSSL is the oracle: with -keylogfile it writes `EARLY_EXPORTER_SECRET <client_random>
 * <secret>` when 0-RTT data is sent (s_client) or accepted (s_server), and our side must log the
 * same line for the same connection.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CA, type Peer, cert, certAndKeyArgs, freePort, key, startMutlsClient, startMutlsEchoServer, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

const OPENSSL_VERSION = execFileSync("openssl", ["version"], { encoding: "utf8" }).trim();
const dir = mkdtempSync(join(tmpdir(), "mutls-early-exporter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The EARLY_EXPORTER_SECRET lines of an NSS key-log file. */
const earlyExporterLines = (file: string): string[] =>
  readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("EARLY_EXPORTER_SECRET "));

describe(`EARLY_EXPORTER_SECRET matches OpenSSL's (${OPENSSL_VERSION})`, () => {
  it("mutls client --early-data to s_server -early_data", async () => {
    const session = join(dir, "client-session");
    const early = join(dir, "client-early.txt");
    const ourLog = join(dir, "mutls-client.keylog");
    const theirLog = join(dir, "s_server.keylog");
    execFileSync("sh", ["-c", `printf 'EARLY-REQUEST\\n' > '${early}'`]);
    const port = await freePort();
    const server = startProcess("openssl s_server", "openssl", [
      "s_server", "-accept", `127.0.0.1:${port}`, "-naccept", "2", "-CAfile", CA, "-Verify", "2", "-verify_return_error", "-tls1_3",
      "-cert", cert("server-p256"), "-key", key("server-p256"), "-early_data", "-keylogfile", theirLog,
    ]);
    await server.waitFor(/ACCEPT/);
    const clientArgs = ["--ca", CA, "--servername", "localhost", ...certAndKeyArgs("client", "p256")];

    const first = startMutlsClient(port, [...clientArgs, "--sess-out", session]);
    await first.waitFor(/connected to/);
    first.write("first\n");
    await server.waitFor(/^first$/m);
    server.write("reply first\n");
    await first.waitFor(/^reply first$/m);
    first.endStdin();
    expect((await first.waitForExit()).code, first.report()).toBe(0);

    const second = startMutlsClient(port, [...clientArgs, "--sess-in", session, "--early-data", early, "--keylog", ourLog]);
    await second.waitFor(/early data: accepted/);
    await server.waitFor(/End of early data/);
    second.endStdin();
    expect((await second.waitForExit()).code, second.report()).toBe(0);
    await server.waitForExit();

    const ours = earlyExporterLines(ourLog);
    expect(ours).toHaveLength(1);
    // s_server logged the first (full) handshake too, which has no early exporter.
    expect(earlyExporterLines(theirLog)).toEqual(ours);
  });

  it("s_client -early_data to mutls server --early-data", async () => {
    const session = join(dir, "server-session");
    const early = join(dir, "server-early.txt");
    const ourLog = join(dir, "mutls-server.keylog");
    const theirLog = join(dir, "s_client.keylog");
    execFileSync("sh", ["-c", `printf 'echo-EARLY\\n' > '${early}'`]);
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "1", "--early-data", "--keylog", ourLog]);
    const sClient = (args: string[]): Peer =>
      startProcess("openssl s_client", "openssl", [
        "s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error",
        "-cert", cert("client-p256"), "-key", key("client-p256"), ...args,
      ]);
    const first = sClient(["-sess_out", session]);
    await first.waitFor(/New Session Ticket arrived/);
    first.endStdin();
    await first.waitForExit();

    const second = sClient(["-sess_in", session, "-early_data", early, "-keylogfile", theirLog]);
    await second.waitFor(/Early data was accepted/);
    await second.waitFor(/echo-EARLY$/m);
    second.endStdin();
    await second.waitForExit();
    await server.waitFor(/resumed, 0-RTT data accepted/);

    const theirs = earlyExporterLines(theirLog);
    expect(theirs).toHaveLength(1);
    expect(earlyExporterLines(ourLog)).toEqual(theirs);
  });
});
