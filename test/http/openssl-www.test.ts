/**
 * mtlsFetch against `openssl s_server -www` requiring a client certificate: OpenSSL's own HTTP
 * answer (an HTTP/1.0 status page with no Content-Length, so the body runs until OpenSSL closes
 * the connection) describes the session it saw, our client certificate included.
 */
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError } from "../../src/index.js";
import { mtlsFetch, type MtlsFetchOptions } from "../../src/fetch.js";
import { netTransport } from "../../src/node/index.js";
import { CA_PEM, clientCredential } from "../helpers/fixtures.js";
import { CA, cert, freePort, key, startProcess, stopAllProcesses, type Peer } from "../peers/process.js";

afterEach(stopAllProcesses);

const tcp: MtlsFetchOptions["transport"] = ({ hostname, port }) => netTransport(net.connect({ host: hostname, port, allowHalfOpen: true }));
const client = clientCredential("p384");

/** `openssl s_server -www` on a free 127.0.0.1 port, requiring a client certificate the test CA issued; stopped by afterEach. */
async function sServerWww(): Promise<{ server: Peer; port: number }> {
  const port = await freePort();
  const server = startProcess("openssl s_server -www", "openssl", [
    "s_server",
    "-www",
    "-accept",
    `127.0.0.1:${port}`,
    "-naccept",
    "1",
    "-tls1_3",
    "-CAfile",
    CA,
    "-Verify",
    "2",
    "-verify_return_error",
    "-cert",
    cert("server-p256"),
    "-key",
    key("server-p256"),
  ]);
  await server.waitFor(/ACCEPT/);
  return { server, port };
}

describe("mtlsFetch against openssl s_server -www", () => {
  it("reads OpenSSL's status page, an HTTP/1.0 body delimited by close_notify, naming our certificate", async () => {
    const { server, port } = await sServerWww();
    const response = await mtlsFetch(`https://127.0.0.1:${port}/`, {
      transport: tcp,
      ca: CA_PEM,
      cert: client.certPem,
      key: client.keyPem,
      servername: "localhost",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html");
    const page = await response.text();
    expect(page).toContain("TLSv1.3");
    // s_server -www lists the client certificate it verified.
    expect(page).toMatch(/Client certificate[\s\S]*Subject: O=mutls tests, CN=client p384[\s\S]*URI:spiffe:\/\/mutls.test\/client\/p384/);
    await server.waitForExit();
  });

  it("refuses a client without a certificate: a TLSError", async () => {
    const { port } = await sServerWww();
    const failure = await mtlsFetch(`https://127.0.0.1:${port}/`, { transport: tcp, ca: CA_PEM, servername: "localhost" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TLSError);
    expect((failure as TLSError).alertName).toBe("certificate_required");
  });
});
