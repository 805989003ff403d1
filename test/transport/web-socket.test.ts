/**
 * webSocketTransport, driven through a browser-like WebSocket stand-in that relays binary messages
 * over another transport: the in-memory pair (to a mutls server) or a TCP socket (to Node's tls).
 * Covers the handshake, echo, send-side backpressure via bufferedAmount, close_notify, a relay that
 * drops mid-record, and a relay that sends text.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { TLSError, accept, connect, memoryTransportPair, webSocketTransport, type Transport, type WebSocketLike } from "../../src/index.js";
import { netTransport } from "../../src/node/index.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { clientOptions, nodeView, patternBytes, readAll, serverOptions, settle, sha256 } from "./helpers.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Listener = (event: { data: unknown }) => void;

/**
 * A WebSocket as a browser shows it (readyState, bufferedAmount, events, ArrayBuffer messages)
 * whose relay end is a Transport: each send is written to it, each chunk read arrives as a message.
 */
class RelayedWebSocket implements WebSocketLike {
  binaryType = "blob";
  readyState = 0;
  bufferedAmount = 0;
  /** When set, the next message is delivered cut to this many bytes and the socket then closes (1006). */
  cutNextMessageTo: number | null = null;
  /** When set, the next message arrives as a text frame. */
  nextMessageAsText = false;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(private readonly relay: Transport) {
    setImmediate(() => {
      this.readyState = 1;
      this.emit("open");
      // A relay read that fails (the TCP relay reset) is what a browser reports as "error" then
      // "close"; left unhandled it would be an unhandled rejection that fails the whole run.
      this.deliver().catch(() => {
        this.emit("error");
        this.closeWith();
      });
    });
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.bufferedAmount += data.length;
    void this.relay.write(data.slice()).then(
      () => (this.bufferedAmount -= data.length),
      () => this.closeWith(),
    );
  }

  close(): void {
    this.closeWith();
  }

  private closeWith(): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    void this.relay.close();
    this.emit("close");
  }

  private emit(type: string, event: { data: unknown } = { data: undefined }): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  private async deliver(): Promise<void> {
    for (let chunk = await this.relay.read(); chunk !== null && this.readyState === 1; chunk = await this.relay.read()) {
      if (this.binaryType !== "arraybuffer") throw new Error("the adapter must ask for ArrayBuffer messages");
      if (this.nextMessageAsText) {
        this.emit("message", { data: "text frame" });
        continue;
      }
      if (this.cutNextMessageTo !== null) {
        this.emit("message", { data: chunk.slice(0, this.cutNextMessageTo).buffer });
        return this.closeWith();
      }
      this.emit("message", { data: chunk.slice().buffer });
    }
    this.closeWith();
  }
}

async function overMemory(capacity?: number) {
  const [relayEnd, serverEnd] = memoryTransportPair({ capacity });
  const ws = new RelayedWebSocket(relayEnd);
  const [client, server] = await Promise.all([connect(webSocketTransport(ws), clientOptions()), accept(serverEnd, serverOptions())]);
  cleanups.push(() => Promise.all([client.close(), server.close()]));
  return { ws, client, server };
}

describe("webSocketTransport", () => {
  it("carries a mutual handshake and data both ways to a mutls server", async () => {
    const { client, server } = await overMemory();
    expect(server.peer?.uris).toEqual(["spiffe://mutls.test/client/p256"]);
    await client.write(new TextEncoder().encode("through the relay"));
    expect(new TextDecoder().decode((await server.read()) ?? undefined)).toBe("through the relay");
    await server.write(new TextEncoder().encode("and back"));
    expect(new TextDecoder().decode((await client.read()) ?? undefined)).toBe("and back");
    // close_notify travels as a message; a WebSocket has no half-close, so the server ends too.
    await client.closeWrite();
    expect(await server.read()).toBeNull();
  });

  it("holds writes while bufferedAmount is high and delivers everything", async () => {
    const { ws, client, server } = await overMemory(1024);
    const payload = patternBytes(1 << 20);
    let done = false;
    const writing = client.write(payload).then(() => (done = true));
    // Bounded by time, not a count of turns: on WebCrypto the second 128 KiB slice is sealed on
    // crypto.subtle first, which a loaded machine can stretch past 100 turns (the CI saw 131248).
    const until = Date.now() + 10_000;
    while (ws.bufferedAmount <= 256 * 1024 && Date.now() < until) await settle(1);
    expect(ws.bufferedAmount).toBeGreaterThan(256 * 1024);
    expect(done).toBe(false);
    const received = await readAll(server, payload.length);
    await writing;
    expect(sha256(received)).toBe(sha256(payload));
  });

  it("reports a relay that drops the connection mid-record as a TLSError", async () => {
    const { ws, client, server } = await overMemory();
    ws.cutNextMessageTo = 10;
    await server.write(new TextEncoder().encode("a record the relay cuts"));
    const error = await client.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TLSError);
    expect((error as TLSError).message).toMatch(/middle of a TLS record/);
  });

  it("refuses a text message from the relay", async () => {
    const { ws, client, server } = await overMemory();
    ws.nextMessageAsText = true;
    await server.write(new TextEncoder().encode("x"));
    await expect(client.read()).rejects.toThrow(/text message/);
  });

  it("completes a mutual handshake with Node's tls behind a TCP relay", async () => {
    const s = serverCredential("rsa2048");
    let authorized: boolean | null = null;
    const server = tls.createServer({ cert: s.certPem, key: s.keyPem, ca: CA_PEM, requestCert: true }, (socket) => {
      authorized = socket.authorized;
      socket.once("data", (d) => socket.end(d));
    });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    const socket = net.connect({ host: "127.0.0.1", port });
    cleanups.push(() => socket.destroy());
    await new Promise((resolve) => socket.once("connect", resolve));
    const client = await connect(webSocketTransport(new RelayedWebSocket(netTransport(socket))), clientOptions());
    expect(client.peer?.dnsNames).toEqual(nodeView(s.certPem).dnsNames);
    await client.write(new TextEncoder().encode("echo"));
    expect(new TextDecoder().decode(await readAll(client))).toBe("echo");
    expect(authorized).toBe(true);
    await client.close();
  });
});
