/**
 * `mutls server` picks up new --cert/--key files while it runs (issue 14 §2): OpenSSL's s_client,
 * connecting before and after the files are replaced, is told which certificate is served. A
 * broken file keeps the old certificate in service, and the server's log says why; SIGHUP
 * reloads at once.
 */
import { renameSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { issueCertificate, loadCertificateAuthority } from "../../src/ca.js";
import { CA_PEM, readPem } from "../helpers/fixtures.js";
import { CA, type Peer, startMutlsServer, startProcess, stopAllProcesses } from "../peers/process.js";
import { scratchDir } from "./cli-process.js";

const cleanups: (() => void)[] = [];
afterEach(async () => {
  await stopAllProcesses();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const ca = loadCertificateAuthority(CA_PEM, readPem("ca.key.pem"));
const issue = (name: string) => issueCertificate(ca, { name, dns: ["localhost"], server: true });

/** The subject s_client verified for the server's certificate, after a complete handshake. */
async function servedSubject(port: number): Promise<string> {
  const client = startProcess("openssl s_client", "openssl", [
    "s_client",
    "-connect",
    `127.0.0.1:${port}`,
    "-servername",
    "localhost",
    "-CAfile",
    CA,
    "-verify_return_error",
  ]);
  client.endStdin();
  await client.waitFor(/Verify return code: 0 \(ok\)/);
  await client.waitForExit();
  return client.stdout.match(/^subject=(.*)$/m)?.[1] ?? "";
}

/** Waits for the `n`th line (1-based) of stderr matching `pattern`. */
async function nthLine(server: Peer, pattern: RegExp, n: number): Promise<string> {
  const all = new RegExp(`(?:[\\s\\S]*?^.*${pattern.source}.*$){${n}}`, "m");
  const match = await server.waitFor(all);
  const lines = match[0].split("\n").filter((l) => pattern.test(l));
  return lines[lines.length - 1];
}

describe("mutls server reloads --cert/--key", () => {
  it("serves a replaced certificate to new connections, keeps the old one when the new file is broken, and reloads on SIGHUP", async () => {
    const scratch = scratchDir("mutls-reload-");
    cleanups.push(scratch.remove);
    const first = issue("reload one");
    writeFileSync(scratch.path("cert.pem"), first.certificateChainPem);
    writeFileSync(scratch.path("key.pem"), first.privateKeyPem);
    const { server, port } = await startMutlsServer(["--cert", scratch.path("cert.pem"), "--key", scratch.path("key.pem")]);
    expect(await servedSubject(port)).toMatch(/CN ?= ?reload one/);

    // As cert-manager does: each new file written beside the old one, then renamed over it.
    const second = issue("reload two");
    writeFileSync(scratch.path("key.pem.new"), second.privateKeyPem);
    writeFileSync(scratch.path("cert.pem.new"), second.certificateChainPem);
    renameSync(scratch.path("key.pem.new"), scratch.path("key.pem"));
    renameSync(scratch.path("cert.pem.new"), scratch.path("cert.pem"));
    const reloaded = await nthLine(server, /reloaded --cert\/--key\/--ca \(file change\)/, 1);
    expect(reloaded).toContain('now serving "CN=reload two');
    expect(reloaded).toContain("DNS localhost");
    expect(reloaded).toContain(`valid until ${second.certificate.notAfter.toISOString()}`);
    expect(await servedSubject(port)).toMatch(/CN ?= ?reload two/);

    writeFileSync(scratch.path("cert.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
    const refused = await nthLine(server, /reload \(file change\) failed/, 1);
    expect(refused).toContain('still serving "CN=reload two');
    expect(refused).toContain(`--cert ${scratch.path("cert.pem")}`);
    expect(await servedSubject(port)).toMatch(/CN ?= ?reload two/);

    // A key that is not the certificate's: the pair is refused whole.
    writeFileSync(scratch.path("cert.pem"), issue("reload three").certificateChainPem);
    const mismatch = await nthLine(server, /reload \(file change\) failed/, 2);
    expect(mismatch).toMatch(/--key .* does not match the certificate in --cert/);
    expect(await servedSubject(port)).toMatch(/CN ?= ?reload two/);

    // SIGHUP reloads at once and says what is served, even when nothing changed since.
    writeFileSync(scratch.path("cert.pem"), second.certificateChainPem);
    await nthLine(server, /reloaded --cert\/--key\/--ca \(file change\)/, 2);
    process.kill(server.child.pid ?? 0, "SIGHUP");
    const hangup = await nthLine(server, /reloaded --cert\/--key\/--ca \(SIGHUP\)/, 1);
    expect(hangup).toContain('now serving "CN=reload two');
    expect(server.child.exitCode).toBeNull();
  });
});
