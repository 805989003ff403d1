/**
 * `curl --cert` (libcurl with OpenSSL) as an HTTPS client of a mutls server (createMtlsServer,
 * answering one HTTP/1.1 request with the identity the client proved). curl is the oracle for our
 * server side: it verifies our certificate against the CA and reports the suite it negotiated.
 */
import { execFile, execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError, type HandshakeResult } from "../../src/index.js";
import { createMtlsServer, type MtlsServer } from "../../src/node/index.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { CA, type KeyType, WAIT_MS, cert, certAndKeyArgs, key } from "./process.js";

const CURL_VERSION = execFileSync("curl", ["--version"], { encoding: "utf8" }).split("\n")[0];
console.log(`interop peer: ${CURL_VERSION}`);

const servers: MtlsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Served {
  port: number;
  handshakes: HandshakeResult[];
  refusals: TLSError[];
  /** Settles with the first refused handshake (the server may log it just after curl exits). */
  firstRefusal: Promise<TLSError>;
}

/** A mutls HTTPS server requiring a client certificate; it answers "hello <SPIFFE ID>". */
async function httpsServer(serverType: KeyType, groups?: ("x25519" | "secp256r1" | "secp384r1")[]): Promise<Served> {
  let refused: (e: TLSError) => void = () => undefined;
  const firstRefusal = new Promise<TLSError>((resolve) => (refused = resolve));
  const served: Served = { port: 0, handshakes: [], refusals: [], firstRefusal };
  const credential = serverCredential(serverType);
  const server = createMtlsServer(
    {
      ca: CA_PEM,
      cert: credential.certPem,
      key: credential.keyPem,
      requestCert: true,
      ALPNProtocols: ["http/1.1"],
      config: { groups },
      onHandshakeError: (e) => {
        served.refusals.push(e);
        refused(e);
      },
    },
    (connection) => {
      served.handshakes.push(connection.handshake);
      void (async () => {
        await connection.read(); // the request head (curl sends it in one record)
        const body = `hello ${connection.peer?.uris[0] ?? "anonymous"}\n`;
        const response = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`;
        await connection.write(new TextEncoder().encode(response));
        await connection.close();
      })().catch(() => undefined);
    },
  );
  servers.push(server);
  served.port = (await server.listen(0, "127.0.0.1")).port;
  return served;
}

interface CurlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** curl over HTTPS to `localhost` (resolved to 127.0.0.1) with our CA; never rejects. */
function curl(port: number, clientType: KeyType | null, extra: string[] = []): Promise<CurlRun> {
  const certArgs = clientType ? certAndKeyArgs("client", clientType) : [];
  const args = ["-sS", "-v", "--tlsv1.3", "--cacert", CA, ...certArgs, "--resolve", `localhost:${port}:127.0.0.1`, ...extra, `https://localhost:${port}/`];
  return new Promise((resolve) => {
    execFile("curl", args, { encoding: "utf8", timeout: WAIT_MS, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe(`curl -> mutls server (${CURL_VERSION})`, () => {
  for (const suite of ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]) {
    it(`negotiates ${suite}`, async () => {
      const served = await httpsServer("p256");
      const run = await curl(served.port, "p256", ["--tls13-ciphers", suite]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe("hello spiffe://mutls.test/client/p256\n");
      expect(run.stderr).toContain(`SSL connection using TLSv1.3 / ${suite}`);
      expect(run.stderr).toContain("SSL certificate verify ok");
      expect(served.handshakes[0].cipherSuite).toBe(suite);
    });
  }

  for (const [curve, ours] of [
    ["X25519", "x25519"],
    ["P-256", "secp256r1"],
    ["P-384", "secp384r1"],
  ] as const) {
    it(`negotiates ${ours} when curl offers only ${curve}`, async () => {
      const served = await httpsServer("p256");
      const run = await curl(served.port, "p256", ["--curves", curve]);
      expect(run.code, run.stderr).toBe(0);
      expect(served.handshakes[0].group).toBe(ours);
    });
  }

  it("sends a HelloRetryRequest when curl's key share is for a group the server does not take", async () => {
    const served = await httpsServer("p256", ["secp384r1"]);
    const run = await curl(served.port, "p256", ["--curves", "X25519:P-384"]);
    expect(run.code, run.stderr).toBe(0);
    expect(served.handshakes[0]).toMatchObject({ group: "secp384r1", helloRetry: true });
  });

  for (const [serverType, clientType] of [
    ["ed25519", "rsa2048"],
    ["rsa2048", "p384"],
    ["p384", "ed25519"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const served = await httpsServer(serverType);
      const run = await curl(served.port, clientType);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`hello spiffe://mutls.test/client/${clientType}\n`);
      expect(run.stderr).toContain(`CN=localhost (${serverType})`);
    });
  }

  it("refuses curl without a client certificate", async () => {
    const served = await httpsServer("p256");
    const run = await curl(served.port, null);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/alert certificate required/);
    expect((await served.firstRefusal).alertName).toBe("certificate_required");
  });

  it("refuses a client certificate from an unknown CA", async () => {
    const served = await httpsServer("p256");
    const run = await curl(served.port, null, ["--cert", cert("untrusted-client"), "--key", key("untrusted-client")]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/alert unknown ca/);
    expect((await served.firstRefusal).alertName).toBe("unknown_ca");
  });
});
