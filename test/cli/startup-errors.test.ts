/**
 * Start-up errors of `mutls client` and `mutls server` (issue 14 §4): one line naming the flag
 * and the file, exit 2, no stack trace; and the client checks its own --cert/--key/--ca before it
 * connects (a counting TCP server proves no connection was made).
 */
import { writeFileSync } from "node:fs";
import * as net from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CA, cert, key, stopAllProcesses } from "../peers/process.js";
import { expectStartupError, plainTcpServer, runCli, scratchDir } from "./cli-process.js";

afterEach(stopAllProcesses);
const scratch = scratchDir("mutls-cli-startup-");
afterAll(scratch.remove);

/** Files that are not what their flag needs. */
const garbledPem = scratch.path("garbled.pem");
writeFileSync(garbledPem, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
const notPem = scratch.path("notes.txt");
writeFileSync(notPem, "just some text, no PEM here\n");
const missing = scratch.path("missing.pem");

const SERVER = ["server", "--listen", "127.0.0.1:0"];
const serverFiles = ["--cert", cert("server-p256"), "--key", key("server-p256")];

describe("mutls server refuses to start, in one line naming the flag and the file", () => {
  it("a key that does not match its certificate", async () => {
    const line = expectStartupError(await runCli([...SERVER, "--cert", cert("server-p256"), "--key", key("server-p384")]));
    expect(line).toContain(`--key ${key("server-p384")}`);
    expect(line).toContain(`--cert ${cert("server-p256")}`);
    expect(line).toContain("does not match");
  });

  it("an unreadable PEM in --cert, --ca or --key", async () => {
    expect(expectStartupError(await runCli([...SERVER, "--cert", garbledPem, "--key", key("server-p256")]))).toMatch(
      new RegExp(`^mutls server: --cert ${garbledPem}: .*`),
    );
    expect(expectStartupError(await runCli([...SERVER, ...serverFiles, "--ca", notPem, "--require-client-cert"]))).toContain(
      `--ca ${notPem}: no "BEGIN CERTIFICATE" block`,
    );
    expect(expectStartupError(await runCli([...SERVER, "--cert", cert("server-p256"), "--key", notPem]))).toContain(`--key ${notPem}: not a private key`);
    expect(expectStartupError(await runCli([...SERVER, "--cert", missing, "--key", key("server-p256")]))).toContain(
      `--cert ${missing}: cannot read it: no such file`,
    );
  });

  it("a port in use", async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const { port } = other.address() as net.AddressInfo;
    try {
      const line = expectStartupError(await runCli(["server", "--listen", `127.0.0.1:${port}`, ...serverFiles]));
      expect(line).toBe(`mutls server: --listen 127.0.0.1:${port}: the address is already in use (another process listens there)`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("an invalid --groups", async () => {
    expect(expectStartupError(await runCli([...SERVER, ...serverFiles, "--groups", "x25519,ffdhe2048"]))).toContain('--groups: unknown group "ffdhe2048"');
  });
});

describe("mutls client checks its own files before connecting", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "a key that does not match its certificate",
      ["--cert", cert("client-p256"), "--key", key("client-ed25519"), "--ca", CA],
      /--key \S+client-ed25519\.key\.pem does not match the certificate in --cert \S+client-p256\.cert\.pem/,
    ],
    ["an unreadable --ca", ["--ca", garbledPem], /--ca \S+garbled\.pem: /],
    ["a missing --cert", ["--cert", missing, "--key", key("client-p256"), "--ca", CA], /--cert \S+missing\.pem: cannot read it: no such file/],
    ["an invalid --groups", ["--ca", CA, "--groups", "p-521"], /--groups: unknown group "p-521"/],
  ];
  it.each(cases)("%s: exit 2, one line, and no connection is made", async (_, flags, expected) => {
    const peer = await plainTcpServer("HTTP/1.1 400 Bad Request\r\n\r\n");
    try {
      const line = expectStartupError(await runCli(["client", `127.0.0.1:${peer.port}`, ...flags]));
      expect(line).toMatch(/^mutls client: /);
      expect(line).toMatch(expected);
      expect(peer.connections()).toBe(0);
      // The counter counts: with good files the client does connect.
      await runCli(["client", `127.0.0.1:${peer.port}`, "--ca", CA]);
      expect(peer.connections()).toBe(1);
    } finally {
      await peer.close();
    }
  });
});
