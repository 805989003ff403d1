/**
 * The Node TCP pieces (netTransport, connectTcp, createMtlsServer) against Node's own `tls`
 * (OpenSSL) over loopback: Node judges our certificates and we judge its, in both roles. Also
 * half-close, truncation, timeouts and the socket adapter's backpressure.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError, connect, type SecureConnection } from "../../src/index.js";
import { connectTcp, createMtlsServer, netTransport, type MtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientOptions, cuttingTransport, nodeView, readAll, serverOptions, settle } from "./helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function listenNode(server: net.Server): Promise<number> {
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
}

async function startMtlsServer(
  onConnection: (c: SecureConnection) => void,
  extra: Parameters<typeof serverOptions>[1] = {},
): Promise<{ server: MtlsServer; port: number; firstRefusal: Promise<TLSError> }> {
  let refused: (e: TLSError) => void = () => undefined;
  const firstRefusal = new Promise<TLSError>((resolve) => (refused = resolve));
  const server = createMtlsServer({ ...serverOptions("p256", extra), onHandshakeError: (e) => refused(e) }, onConnection);
  cleanups.push(() => server.close());
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, firstRefusal };
}

describe("connectTcp against a Node tls server", () => {
  it("authenticates both ways and echoes", async () => {
    const s = serverCredential("p384");
    const nodeSaw: { authorized?: boolean; san?: string } = {};
    const server = tls.createServer(
      { cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, rejectUnauthorized: true, allowHalfOpen: true },
      (socket) => {
        nodeSaw.authorized = socket.authorized;
        nodeSaw.san = socket.getPeerCertificate().subjectaltname;
        socket.pipe(socket);
      },
    );
    const port = await listenNode(server);
    const client = await connectTcp({ ...clientOptions("ed25519"), host: "127.0.0.1", port, servername: "localhost" });
    expect(client.peer?.dnsNames).toEqual(nodeView(s.certPem).dnsNames);
    expect(client.handshake.peerSignatureScheme).toBe("ecdsa_secp384r1_sha384");
    await client.write(new TextEncoder().encode("echo me"));
    expect(new TextDecoder().decode((await client.read()) ?? undefined)).toBe("echo me");
    expect(nodeSaw.authorized).toBe(true);
    expect(nodeSaw.san).toContain(nodeView(clientCredential("ed25519").certPem).uris[0]);
    await client.close();
  });

  it("ends reading cleanly when Node ends the connection with close_notify", async () => {
    const s = serverCredential("p256");
    // Node sends close_notify on end() once its post-handshake tickets are out, so it answers a request.
    const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true }, (socket) => {
      socket.once("data", () => socket.end("bye"));
    });
    const port = await listenNode(server);
    const client = await connectTcp({ ...clientOptions(), host: "127.0.0.1", port, servername: "localhost" });
    await client.write(new TextEncoder().encode("hello"));
    expect(new TextDecoder().decode(await readAll(client))).toBe("bye");
    await client.close();
  });

  it("reports a port nobody listens on as a TLSError of the transport, with no alert either way", async () => {
    const closed = net.createServer();
    const port = await listenNode(closed);
    await new Promise((resolve) => closed.close(resolve));
    const error = await connectTcp({ ...clientOptions(), host: "127.0.0.1", port }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).message).toMatch(/cannot connect to 127\.0\.0\.1:\d+: connection refused, nothing listens there .*ECONNREFUSED/);
    expect((error as TLSError).reason).toBe("transport_failure");
    expect((error as TLSError).origin).toBe("transport");
  });

  it("times out a server that never answers", async () => {
    const silent = net.createServer((socket) => cleanups.push(() => socket.destroy()));
    const port = await listenNode(silent);
    const error = await connectTcp({ ...clientOptions(), host: "127.0.0.1", port, handshakeTimeoutMs: 100 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).alertName).toBe("user_canceled");
  });
});

describe("createMtlsServer against a Node tls client", () => {
  it("requires and reports the client's identity, and answers after the client's half-close", async () => {
    const { port } = await startMtlsServer(async (c) => {
      const request = await readAll(c); // until the client's close_notify
      await c.write(new TextEncoder().encode(`${c.peer?.uris[0]} sent ${request.length} bytes`));
      await c.close();
    });
    const cred = clientCredential("rsa2048");
    const answer = await new Promise<{ text: string; authorized: boolean }>((resolve, reject) => {
      const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: cred.certPem, key: cred.keyPem });
      let text = "";
      socket.setEncoding("utf8");
      socket.on("secureConnect", () => socket.end("twelve bytes"));
      socket.on("data", (d: string) => (text += d));
      socket.on("end", () => resolve({ text, authorized: socket.authorized }));
      socket.on("error", reject);
      cleanups.push(() => socket.destroy());
    });
    expect(answer.authorized).toBe(true);
    expect(answer.text).toBe(`${nodeView(cred.certPem).uris[0]} sent 12 bytes`);
  });

  it("refuses a Node client without a certificate with certificate_required", async () => {
    const { port, firstRefusal } = await startMtlsServer(() => undefined);
    const nodeError = await new Promise<Error>((resolve) => {
      const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM });
      socket.on("secureConnect", () => socket.write("anything")); // TLS 1.3: the refusal arrives after
      socket.on("error", resolve);
      socket.on("close", () => resolve(new Error("closed without error")));
      cleanups.push(() => socket.destroy());
    });
    // OpenSSL names the alert it received: "tlsv13 alert certificate required".
    expect(nodeError.message).toMatch(/certificate required/);
    expect((await firstRefusal).alertName).toBe("certificate_required");
  });

  it("reports a client that vanishes mid-record as a TLSError", async () => {
    const seen: unknown[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const { port } = await startMtlsServer((c) => {
      c.read().then(
        (chunk) => seen.push(chunk),
        (e: unknown) => seen.push(e),
      ).finally(done);
    });
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise((resolve) => socket.once("connect", resolve));
    const cut = cuttingTransport(netTransport(socket), (n) => n - 7);
    const client = await connect(cut.transport, clientOptions());
    cut.arm();
    await client.write(new TextEncoder().encode("never complete")).catch(() => undefined);
    await finished;
    expect(seen[0]).toBeInstanceOf(TLSError);
    expect((seen[0] as TLSError).message).toMatch(/middle of a TLS record/);
    await client.close();
  });

  it("gives up on a client that never sends a ClientHello", async () => {
    const { port, firstRefusal } = await startMtlsServer(() => undefined, { handshakeTimeoutMs: 100 });
    const socket = net.connect({ host: "127.0.0.1", port });
    cleanups.push(() => socket.destroy());
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.resume();
    expect((await firstRefusal).alertName).toBe("user_canceled");
    await ended; // the server closed the socket
  });
});

describe("netTransport", () => {
  it("pauses the socket while unread data piles up, and delivers all of it", async () => {
    const total = 1 << 20;
    let serverSocket: net.Socket | null = null;
    const accepted = new Promise<net.Socket>((resolve) => {
      const server = net.createServer((s) => resolve(s));
      void listenNode(server).then((port) => {
        const client = net.connect({ host: "127.0.0.1", port }, () => client.end(Buffer.alloc(total, 7)));
        cleanups.push(() => client.destroy());
      });
    });
    serverSocket = await accepted;
    const transport = netTransport(serverSocket);
    cleanups.push(() => transport.close());
    for (let i = 0; i < 200 && !serverSocket.isPaused(); i++) await settle(1);
    expect(serverSocket.isPaused()).toBe(true);
    let received = 0;
    for (let chunk = await transport.read(); chunk !== null; chunk = await transport.read()) received += chunk.length;
    expect(received).toBe(total);
  });
});

describe("createMtlsServer's refusal reaches a client that is still writing", () => {
  it("sends its alert, then reads and drops what the client still sends until the client's FIN (no reset)", async () => {
    const { port, firstRefusal } = await startMtlsServer(() => undefined, { requestCert: true });
    const socket = net.connect({ host: "127.0.0.1", port });
    cleanups.push(() => socket.destroy());
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    // Like a peer that writes its whole flight before it reads (JSSE, NSS's tools): nothing is
    // read from the kernel until the writing is done.
    socket.pause();
    const errors: string[] = [];
    socket.on("error", (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    const received: number[] = [];
    socket.on("data", (chunk: Buffer) => received.push(...chunk));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const write = (bytes: Uint8Array): Promise<void> => new Promise((resolve) => socket.write(bytes, () => resolve()));
    // A handshake record of type 0x63, which no message has: the server refuses at once.
    await write(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x04, 0x63, 0x00, 0x00, 0x00));
    const refusal = await firstRefusal;
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    await sleep(100);
    // The rest of the flight, after the server has refused and closed its side. A server that
    // closed the socket answers it with a reset, and the next write fails (EPIPE, ECONNRESET).
    for (let i = 0; i < 4; i++) {
      await write(new Uint8Array(4096).fill(0x17));
      await sleep(25);
    }
    socket.resume();
    // The server's FIN after its alert ends our reading; ending our side lets it close.
    socket.once("end", () => socket.end());
    await closed;
    expect(errors).toEqual([]);
    // RFC 8446 §6: a fatal alert record (level 2) carrying the refusal, then the end of the stream.
    expect(received.slice(0, 7)).toEqual([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, refusal.alert]);
    expect(received).toHaveLength(7);
  });
});
