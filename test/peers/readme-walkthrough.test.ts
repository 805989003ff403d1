/**
 * The README's walkthrough ("Two services authenticating each other") runs as written: every
 * command of its shell blocks, with `npx mutls` as the built CLI and port 4433 as a free port,
 * in a fresh directory. OpenSSL's s_client and curl are the outside opinions it quotes.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, ROOT } from "./process.js";

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Two services authenticating each other"), readme.indexOf("## The library in one screen"));
/** Commands of the section's shell blocks, continuation lines joined, comments dropped. */
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1].replace(/\\\n\s*/g, "").split("\n"))
  .map((line) => line.replace(/\s+#.*$/, "").trim())
  .filter((line) => line !== "");

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe("README walkthrough", () => {
  it("creates the CA and certificates, serves, and both our client and OpenSSL authenticate while curl without a certificate is refused", async () => {
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const dir = mkdtempSync(join(tmpdir(), "mutls-walkthrough-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = String(await freePort());
    const asRun = (command: string) => command.replace(/npx mutls/g, `node ${JSON.stringify(CLI)}`).replace(/4433/g, port);

    const outputs: string[] = [];
    let serverLog = "";
    for (const command of commands) {
      if (command.endsWith("&")) {
        const server: ChildProcess = spawn("bash", ["-c", `exec ${asRun(command.slice(0, -1))}`], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        cleanups.push(() => server.kill("SIGKILL"));
        server.stderr?.on("data", (d: Buffer) => (serverLog += d.toString()));
        for (let i = 0; i < 150 && !serverLog.includes("listening"); i++) await new Promise((r) => setTimeout(r, 100));
        expect(serverLog).toContain("listening");
        continue;
      }
      const run = spawnSync("bash", ["-c", asRun(command)], { cwd: dir, encoding: "utf8", timeout: 20_000, input: "" });
      outputs.push(`${command}\n${run.stdout}${run.stderr}exit ${run.status}`);
    }
    // spawnSync held the event loop: let the server's log lines arrive.
    for (let i = 0; i < 100 && !serverLog.includes("refused"); i++) await new Promise((r) => setTimeout(r, 50));
    const [, , , client, openssl, curl] = outputs;
    expect(client).toMatch(/^hello$/m);
    expect(client).toContain('server "CN=localhost"; DNS localhost; IP 127.0.0.1, verified against --ca');
    expect(client).toMatch(/exit 0$/);
    expect(openssl).toContain("Verification: OK");
    expect(openssl).toMatch(/exit 0$/);
    expect(curl).toMatch(/certificate required/);
    expect(serverLog).toContain('accepted: client "CN=api"; URI spiffe://dev.example/ns/a/sa/api; TLSv1.3 TLS_AES_128_GCM_SHA256, group x25519');
    expect(serverLog).toMatch(/refused: certificate_required/);
  });
});
