/**
 * Headless Chromium as the HTTPS client of a mutls server (createMtlsServer, no client certificate)
 * configured with X25519MLKEM768 first. Chromium offers the hybrid group, with a key share, by
 * default (since M131), so it is an independent implementation of draft-ietf-tls-ecdhe-mlkem: the
 * page loads only if both sides concatenated and split the shares and secrets the same way.
 * .ci/run installs Debian's chromium; elsewhere the test is skipped, with the reason printed, if
 * /usr/bin/chromium is absent.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CryptoProvider, type HandshakeResult, type TLSError, webCryptoProvider } from "../../src/index.js";
import { createMtlsServer, type MtlsServer } from "../../src/node/index.js";
import { serverCredential } from "../helpers/fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// Chromium's first start in a fresh profile is slow on a shared 2-core machine; the run is bounded.
const CHROMIUM_TIMEOUT_MS = 30_000;
if (!HAVE_CHROMIUM) console.log(`skipping the Chromium X25519MLKEM768 test: ${CHROMIUM} is absent (apt-get install -y chromium)`);

const BODY_TEXT = "mutls post-quantum page";

const servers: MtlsServer[] = [];
const profiles: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of profiles.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A mutls HTTPS server preferring the hybrid group; it answers every request with a tiny page. */
async function httpsServer(provider?: CryptoProvider): Promise<{ port: number; handshakes: HandshakeResult[]; refusals: TLSError[] }> {
  const served = { port: 0, handshakes: [] as HandshakeResult[], refusals: [] as TLSError[] };
  const credential = serverCredential("p256");
  const server = createMtlsServer(
    {
      cert: credential.certPem,
      key: credential.keyPem,
      ALPNProtocols: ["http/1.1"],
      config: { groups: ["X25519MLKEM768", "x25519"], ...(provider ? { provider } : {}) },
      onHandshakeError: (e) => served.refusals.push(e),
    },
    (connection) => {
      served.handshakes.push(connection.handshake);
      void (async () => {
        await connection.read(); // the request head
        const body = `<!doctype html><title>pq</title><p id="x">${BODY_TEXT}</p>`;
        const response = `HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
        await connection.write(new TextEncoder().encode(response));
        await connection.close();
      })().catch(() => undefined);
    },
  );
  servers.push(server);
  served.port = (await server.listen(0, "127.0.0.1")).port;
  return served;
}

/** Runs headless Chromium on `url` and returns the DOM it printed; killed after the timeout, never rejects. */
function chromiumDumpDom(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(tmpdir(), "mutls-chromium-"));
  profiles.push(profile);
  const args = [
    "--headless",
    "--no-sandbox", // the test may run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    `--user-data-dir=${profile}`,
    // Our test CA is not in Chromium's store; the certificate is not what this test is about.
    "--ignore-certificate-errors",
    "--dump-dom",
    url,
  ];
  return new Promise((resolve) => {
    execFile(CHROMIUM, args, { encoding: "utf8", timeout: CHROMIUM_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)("headless Chromium → mutls server over X25519MLKEM768", () => {
  it(
    "loads the page, and our server reports the hybrid group",
    async () => {
      const served = await httpsServer();
      const run = await chromiumDumpDom(`https://127.0.0.1:${served.port}/`);
      if (!run.stdout.includes(BODY_TEXT)) console.log(run.stderr.slice(-3000), served.refusals.map((e) => e.message));
      expect(run.stdout).toContain(BODY_TEXT);
      expect(served.handshakes.length).toBeGreaterThan(0);
      expect(served.handshakes.map((h) => h.group)).toContain("X25519MLKEM768");
      expect(served.handshakes.every((h) => h.group === "X25519MLKEM768")).toBe(true);
    },
    CHROMIUM_TIMEOUT_MS + 10_000,
  );

  // Issue 13: the same with the WebCrypto provider, whose server share takes its X25519 half from
  // crypto.subtle (answerKeyShareAsync) and whose CertificateVerify is signed there.
  it(
    "with the WebCrypto provider: loads the page over the hybrid group",
    async () => {
      const provider = await webCryptoProvider();
      expect(provider.webCryptoAlgorithms).toEqual(expect.arrayContaining(["X25519", "ECDSA P-256"]));
      const served = await httpsServer(provider);
      const run = await chromiumDumpDom(`https://127.0.0.1:${served.port}/`);
      if (!run.stdout.includes(BODY_TEXT)) console.log(run.stderr.slice(-3000), served.refusals.map((e) => e.message));
      expect(run.stdout).toContain(BODY_TEXT);
      expect(served.handshakes.length).toBeGreaterThan(0);
      expect(served.handshakes.every((h) => h.group === "X25519MLKEM768")).toBe(true);
    },
    CHROMIUM_TIMEOUT_MS + 10_000,
  );
});
