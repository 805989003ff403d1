/**
 * Resumption and external PSKs against GnuTLS: `gnutls-cli --resume` connects twice and prints
 * "This is a resumed session" only when our server accepted its ticket; `gnutls-cli --pskusername
 * --pskkey` prints "PSK authentication" only when our server accepted its external PSK.
 */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { CA, type Peer, cert, certAndKeyArgs, key, startMutlsEchoServer, startMutlsServer, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

function probe(command: string): string | null {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
const GNUTLS_MISSING = probe("gnutls-cli");
// Skipped only when gnutls-cli is not installed (apt-get install -y gnutls-bin).
const GNUTLS_VERSION = GNUTLS_MISSING ? "missing" : execFileSync("gnutls-cli", ["--version"], { encoding: "utf8" }).split("\n")[0];
const TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
const PSK = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

function gnutlsCli(port: number, args: string[]): Peer {
  return startProcess("gnutls-cli", "gnutls-cli", [...args, "-p", String(port), "localhost"]);
}

// Skipped, with the reason printed, only where gnutls-bin is not installed (.ci/run installs it).
describe.skipIf(GNUTLS_MISSING !== null)(`mutls server <- gnutls-cli (${GNUTLS_VERSION}): sessions`, () => {
  it("is resumed by gnutls-cli --resume with the client's identity kept", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--tickets", "2"]);
    const client = gnutlsCli(port, [
      "--x509cafile", CA, "--x509certfile", cert("client-p256"), "--x509keyfile", key("client-p256"), "--priority", TLS13, "--resume", "--waitresumption",
    ]);
    await client.waitFor(/This is a resumed session/);
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
    client.endStdin();
  });

  it("is not resumed without --tickets", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    const client = gnutlsCli(port, [
      "--x509cafile", CA, "--x509certfile", cert("client-p256"), "--x509keyfile", key("client-p256"), "--priority", TLS13, "--resume",
    ]);
    await client.waitFor(/Resume Handshake was completed|Handshake was completed[\s\S]*Handshake was completed/);
    expect(client.output).not.toContain("This is a resumed session");
    expect(server.stderr).not.toContain("resumed");
    client.endStdin();
  });

  it("accepts an external PSK from gnutls-cli --pskusername/--pskkey without certificates", async () => {
    const { server, port } = await startMutlsServer(["--psk-identity", "sensor-7", "--psk", PSK, "--echo"]);
    const client = gnutlsCli(port, ["--pskusername", "sensor-7", "--pskkey", PSK, "--priority", `${TLS13}:+ECDHE-PSK:+DHE-PSK:+PSK`]);
    await client.waitFor(/Handshake was completed/);
    expect(client.output).toContain("PSK authentication. Connected as 'sensor-7'");
    client.write("echo-psk\n");
    await client.waitFor(/^echo-psk$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
    expect(server.stderr).toContain('accepted: client PSK identity "sensor-7"');
  });
});
