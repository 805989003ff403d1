/**
 * Credentials that rotate: createMtlsServer's setSecureContext swaps certificate, key and trust
 * anchors for new connections while connections in flight keep theirs. Node's own tls client
 * (OpenSSL) says which certificate the server presented; a bad update is refused whole.
 */
import { X509Certificate } from "node:crypto";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { MemorySessionStore, TLSError, UsageError, type SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, UNTRUSTED_CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientOptions, serverOptions } from "./helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Echoes every connection until the peer closes. */
async function echo(c: SecureConnection): Promise<void> {
  try {
    for (let chunk = await c.read(); chunk !== null; chunk = await c.read()) await c.write(chunk);
    await c.close();
  } catch {
    // the peer went away
  }
}

/** A Node tls client with the test client certificate; resolves with its socket once connected. */
function nodeClient(port: number): Promise<tls.TLSSocket> {
  const c = clientCredential("p256");
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, minVersion: "TLSv1.3" }, () =>
      resolve(socket),
    );
    socket.once("error", reject);
    cleanups.push(() => socket.destroy());
  });
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

async function echoOver(socket: tls.TLSSocket, text: string): Promise<string> {
  const answer = new Promise<string>((resolve) => socket.once("data", (d: Buffer) => resolve(d.toString())));
  socket.write(text);
  return answer;
}

describe("createMtlsServer.setSecureContext", () => {
  it("serves the new certificate to new connections, keeps connections in flight, and refuses a bad update whole", async () => {
    const server = createMtlsServer(serverOptions("p256"), (c) => void echo(c));
    cleanups.push(() => server.close());
    const { port } = await server.listen(0, "127.0.0.1");

    const before = await nodeClient(port);
    expect(before.getPeerCertificate().fingerprint256).toBe(fingerprint(serverCredential("p256").certPem));

    const p384 = serverCredential("p384");
    server.setSecureContext({ cert: p384.certPem, key: p384.keyPem });
    const after = await nodeClient(port);
    expect(after.getPeerCertificate().fingerprint256).toBe(fingerprint(p384.certPem));
    // The connection made before the swap still works under what it started with.
    expect(await echoOver(before, "still here")).toBe("still here");
    expect(await echoOver(after, "new one")).toBe("new one");

    // A key that does not match the certificate: refused, and the server keeps serving P-384.
    expect(() => server.setSecureContext({ key: serverCredential("p256").keyPem })).toThrow(UsageError);
    expect(() => server.setSecureContext({ cert: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" })).toThrow();
    const third = await nodeClient(port);
    expect(third.getPeerCertificate().fingerprint256).toBe(fingerprint(p384.certPem));
  });

  it("a trust change is not bypassed by resuming a ticket issued before it", async () => {
    const refusals: TLSError[] = [];
    const server = createMtlsServer({ ...serverOptions("p256", { config: { tickets: 1 } }), onHandshakeError: (e) => refusals.push(e) }, (c) => void echo(c));
    cleanups.push(() => server.close());
    const { port } = await server.listen(0, "127.0.0.1");
    const sessionStore = new MemorySessionStore();
    const options = { ...clientOptions("p256", { config: { sessionStore } }), host: "127.0.0.1", port };

    const full = await connectTcp(options);
    await full.write(new TextEncoder().encode("x"));
    await full.read(); // the ticket arrives with the server's first records
    await full.close();
    const resumed = await connectTcp(options);
    expect(resumed.handshake.resumed).toBe(true);
    await resumed.write(new TextEncoder().encode("y"));
    await resumed.read(); // and a fresh ticket, issued before the change, for the next attempt
    await resumed.close();

    // The server stops trusting the CA that issued our client certificate.
    server.setSecureContext({ ca: UNTRUSTED_CA_PEM });
    // TLS 1.3: the client's side of the handshake ends with its Finished; the server's verdict on
    // the client certificate arrives as an alert on the first read.
    const after = await connectTcp(options);
    cleanups.push(() => after.close().catch(() => undefined));
    expect(after.handshake.resumed).toBe(false);
    const refused = await after.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TLSError);
    // The new CertificateRequest names only the new CA, so our client holds its certificate back.
    expect((refused as TLSError).alertName).toBe("certificate_required");
    for (let i = 0; i < 50 && refusals.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(refusals.map((e) => e.alertName)).toEqual(["certificate_required"]);
  });
});
