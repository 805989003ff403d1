/**
 * `mutls server --json` against `openssl s_client`, and `mutls server --http` against
 * `curl --cert --key --cacert` (issue 14 §1 and §4): the identity the server reports is the one the
 * client's certificate holds, as OpenSSL reads it.
 */
import { execFile, execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { CA, WAIT_MS, cert, key, startMutlsServer, startProcess, stopAllProcesses } from "../peers/process.js";

afterEach(stopAllProcesses);

const SERVER = ["--cert", cert("server-p256"), "--key", key("server-p256"), "--ca", CA];

function curl(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("curl", ["-sS", "--max-time", String(WAIT_MS / 1000), ...args], { encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** RFC 4514 text as OpenSSL writes it (no space after the comma); mutls writes ", ". */
const rfc4514 = (text: string): string => text.replace(/,\s*/g, ",");
const subjectOf = (file: string): string =>
  execFileSync("openssl", ["x509", "-in", file, "-noout", "-subject", "-nameopt", "RFC2253"], { encoding: "utf8" })
    .replace(/^subject=/, "")
    .trim();

describe("mutls server --json", () => {
  it("prints one JSON object per connection with the client's identity, as openssl s_client presented it", async () => {
    const { server, port } = await startMutlsServer([...SERVER, "--require-client-cert", "--echo", "--json"]);
    const client = startProcess("openssl s_client", "openssl", [
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-CAfile",
      CA,
      "-cert",
      cert("client-p384"),
      "-key",
      key("client-p384"),
      "-ciphersuites",
      "TLS_CHACHA20_POLY1305_SHA256",
    ]);
    const line = await server.waitFor(/^\{"ok":true.*\}$/m);
    const result = JSON.parse(line[0]) as { cipherSuite: string; peer: { subject: string; spiffeId: string } };
    expect(result.cipherSuite).toBe("TLS_CHACHA20_POLY1305_SHA256");
    expect(rfc4514(result.peer.subject)).toBe(subjectOf(cert("client-p384")));
    expect(result.peer.spiffeId).toBe("spiffe://mutls.test/client/p384");
    client.endStdin();
    await client.waitForExit();
  });

  it("prints a refusal as one JSON object too", async () => {
    const { server, port } = await startMutlsServer([...SERVER, "--require-client-cert", "--json"]);
    const client = startProcess("openssl s_client", "openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-CAfile", CA]);
    const line = await server.waitFor(/^\{"ok":false.*\}$/m);
    expect(JSON.parse(line[0])).toMatchObject({ role: "server", error: { alert: "certificate_required", origin: "local" } });
    client.endStdin();
    await client.waitForExit();
  });
});

describe("mutls server --http with curl", () => {
  it("answers with the identity the client proved, on each request of a kept-alive connection", async () => {
    const { server, port } = await startMutlsServer([...SERVER, "--require-client-cert", "--http"]);
    const url = `https://localhost:${port}`;
    const run = await curl(["--cert", cert("client-ed25519"), "--key", key("client-ed25519"), "--cacert", CA, `${url}/one`, `${url}/two?x=1`]);
    expect(run.code, run.stderr).toBe(0);
    // curl printed two JSON bodies back to back over one connection.
    const bodies = run.stdout
      .split(/\n(?=\{)/)
      .map((b) => JSON.parse(b) as { request: { target: string }; client: { subject: string; spiffeId: string }; tls: { alpn: string } });
    expect(bodies.map((b) => b.request.target)).toEqual(["/one", "/two?x=1"]);
    for (const body of bodies) {
      expect(rfc4514(body.client.subject)).toBe(subjectOf(cert("client-ed25519")));
      expect(body.client.spiffeId).toBe("spiffe://mutls.test/client/ed25519");
      expect(body.tls.alpn).toBe("http/1.1");
    }
    await server.waitFor(/answered 2 HTTP request\(s\)/);
  });

  it("answers client: null to a client without a certificate under --request-client-cert, and curl is refused under --require-client-cert", async () => {
    const optional = await startMutlsServer([...SERVER, "--request-client-cert", "--http"]);
    const anonymous = await curl(["--cacert", CA, `https://localhost:${optional.port}/`]);
    expect(anonymous.code, anonymous.stderr).toBe(0);
    expect(JSON.parse(anonymous.stdout)).toMatchObject({ request: { method: "GET", target: "/" }, client: null });
    const required = await startMutlsServer([...SERVER, "--require-client-cert", "--http"]);
    const refused = await curl(["--cacert", CA, `https://localhost:${required.port}/`]);
    expect(refused.code).not.toBe(0);
    await required.server.waitFor(/refused: certificate_required/);
  });
});
