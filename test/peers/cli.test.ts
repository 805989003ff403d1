/**
 * The built `mutls` command on its own: the demo's trace follows RFC 8446 §2 (Figure 1, with
 * client authentication) message for message, and usage and connection errors exit as documented.
 */
import { statSync } from "node:fs";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CA, CLI, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

describe("mutls demo", () => {
  // `npx mutls` runs the bin file itself: without the executable bit a fresh build fails with
  // "Permission denied" wherever npx finds an earlier link to the project (its cache keeps it).
  it("is built executable, as package.json's bin needs", () => {
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
  });

  it("traces a full mutual handshake over TCP in RFC 8446 order and exchanges data", async () => {
    const demo = startProcess("mutls demo", process.execPath, [CLI, "demo"]);
    const exit = await demo.waitForExit();
    expect(exit.code, demo.report()).toBe(0);
    // RFC 8446 §2, Figure 1: the full handshake with a client certificate (no HRR here).
    const flow = [...demo.stdout.matchAll(/^ {2}(client|server) -> (?:client|server) {2}(\w+)/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(flow).toEqual([
      "client:ClientHello",
      "server:ServerHello",
      "server:EncryptedExtensions",
      "server:CertificateRequest",
      "server:Certificate",
      "server:CertificateVerify",
      "server:Finished",
      "client:Certificate",
      "client:CertificateVerify",
      "client:Finished",
    ]);
    expect(demo.stdout).toMatch(/the client proved .*URI spiffe:\/\/\S+/);
    expect(demo.stdout).toContain('client -> server  "hello from the client"');
    expect(demo.stdout).toContain("closed: both sides sent close_notify");
  });
});

describe("mutls usage", () => {
  it("exits 2 with one line for an unknown option, pointing at --help", async () => {
    const run = startProcess("mutls client", process.execPath, [CLI, "client", "127.0.0.1:1", "--nope"]);
    expect((await run.waitForExit()).code).toBe(2);
    expect(run.stderr).toContain("unknown option --nope");
    expect(run.stderr).toBe("mutls client: unknown option --nope (mutls client --help lists the options)\n");
  });

  it("exits 1 when nothing listens on the port", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const run = startProcess("mutls client", process.execPath, [CLI, "client", `127.0.0.1:${port}`, "--ca", CA]);
    expect((await run.waitForExit()).code).toBe(1);
    // A refused connection is named as such, not as a TLS alert (issue 14 §4).
    expect(run.stderr).toBe(`mutls client: cannot connect to 127.0.0.1:${port}: connection refused: nothing listens on 127.0.0.1:${port}\n`);
    expect(run.stderr).not.toContain("internal_error");
  });
});
