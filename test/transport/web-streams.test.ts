/**
 * webStreamsTransport and the Web Streams face of SecureConnection (readable/writable): against
 * Node's `tls` over a TCP socket seen as Web Streams (what Deno and workerd hand out), and between
 * two mutls ends over in-memory TransformStreams for backpressure, close_notify and truncation.
 */
import * as net from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError, accept, connect, webStreamsTransport, type SecureConnection, type Transport } from "../../src/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import { clientOptions, cuttingTransport, nodeView, patternBytes, serverOptions, settle, sha256 } from "./helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two Web Streams transports joined by TransformStreams that buffer at most one chunk each way. */
function webStreamPair(): [Transport, Transport] {
  const aToB = new TransformStream<Uint8Array, Uint8Array>({}, { highWaterMark: 1 }, { highWaterMark: 0 });
  const bToA = new TransformStream<Uint8Array, Uint8Array>({}, { highWaterMark: 1 }, { highWaterMark: 0 });
  return [
    webStreamsTransport({ readable: bToA.readable, writable: aToB.writable }),
    webStreamsTransport({ readable: aToB.readable, writable: bToA.writable }),
  ];
}

async function mutlsPair(): Promise<[SecureConnection, SecureConnection, Transport]> {
  const [a, b] = webStreamPair();
  const cut = cuttingTransport(a, (n) => n - 3);
  const [client, server] = await Promise.all([connect(cut.transport, clientOptions()), accept(b, serverOptions())]);
  cleanups.push(() => Promise.all([client.close(), server.close()]));
  return [client, server, { ...cut.transport, close: async () => cut.arm() }];
}

async function collect(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(parts);
    parts.push(value);
  }
}

describe("webStreamsTransport against Node's tls", () => {
  it("completes a mutual handshake and echoes over a TCP socket seen as Web Streams", async () => {
    const s = serverCredential("ed25519");
    let authorized: boolean | null = null;
    const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true, allowHalfOpen: true }, (socket) => {
      authorized = socket.authorized;
      socket.pipe(socket);
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    cleanups.push(() => socket.destroy());
    await new Promise((resolve) => socket.once("connect", resolve));
    const pair = Duplex.toWeb(socket) as unknown as { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };

    const client = await connect(webStreamsTransport(pair), clientOptions("p384"));
    expect(client.peer?.dnsNames).toEqual(nodeView(s.certPem).dnsNames);
    const writer = (client.writable as unknown as WritableStream<Uint8Array>).getWriter();
    await writer.write(new TextEncoder().encode("over web streams"));
    await writer.close(); // close_notify + FIN; Node's echo still comes back (half-close)
    const echoed = await collect(client.readable as unknown as ReadableStream<Uint8Array>);
    expect(new TextDecoder().decode(echoed)).toBe("over web streams");
    expect(authorized).toBe(true);
    expect(nodeView(clientCredential("p384").certPem).uris[0]).toMatch(/^spiffe:/);
    await client.close();
  });
});

describe("SecureConnection readable/writable between two mutls ends", () => {
  it("pipes 256 KiB through, with the writer held back until the reader reads", async () => {
    const [client, server] = await mutlsPair();
    const payload = patternBytes(256 * 1024);
    const writer = (client.writable as unknown as WritableStream<Uint8Array>).getWriter();
    let done = false;
    const writing = writer.write(payload).then(() => (done = true));
    await settle();
    expect(done).toBe(false); // nothing reads on the server side yet
    const closing = writing.then(() => writer.close());
    const received = await collect(server.readable as unknown as ReadableStream<Uint8Array>);
    await closing;
    expect(sha256(received)).toBe(sha256(payload));
  });

  it("errors the readable with a TLSError when the peer vanishes mid-record", async () => {
    const [client, server, cutter] = await mutlsPair();
    await cutter.close(); // arms the cut: the next record is sent short, then the transport closes
    // Not awaited: a TransformStream accepts a chunk only when the other side reads it.
    const writing = client.write(new TextEncoder().encode("truncated")).catch(() => undefined);
    const reader = (server.readable as unknown as ReadableStream<Uint8Array>).getReader();
    const error = await reader.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).message).toMatch(/middle of a TLS record/);
    await writing;
  });
});
