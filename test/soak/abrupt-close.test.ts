/**
 * Truncation and abrupt close (RFC 8446 §6.1): a peer whose data ends without
 * close_notify, a TCP reset in the middle of a record, and a peer that closes during the handshake
 * are each reported to our client as a TLSError, never as a clean end of stream. The peer is our
 * sans-I/O server on a raw socket, so the test decides exactly which bytes reach the wire.
 */
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { ServerConnection, TLSError } from "../../src/index.js";
import { connectTcp } from "../../src/node/index.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";

type Ending = "fin-between-records" | "reset-mid-record" | "fin-mid-record";

/**
 * A one-connection server: completes the handshake, sends `data` as application data, then ends
 * the TCP connection as `ending` says, without close_notify. With `duringHandshake` it ends right
 * after reading the ClientHello instead.
 */
async function misbehavingServer(ending: Ending, duringHandshake = false): Promise<{ port: number; done: Promise<void>; stop: () => void }> {
  const s = serverCredential("p256");
  const listener = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = (listener.address() as net.AddressInfo).port;
  let socketRef: net.Socket | null = null;
  const done = new Promise<void>((resolve) => {
    listener.once("connection", (socket) => {
      socketRef = socket;
      listener.close();
      socket.on("error", () => {});
      socket.on("close", () => resolve());
      const engine = new ServerConnection({ certificateChain: s.certPem, privateKey: s.keyPem, clientAuth: "require", trustAnchors: CA_PEM });
      let ended = false;
      socket.on("data", (d: Buffer) => {
        if (ended) return;
        if (duringHandshake) {
          ended = true;
          return void socket.end();
        }
        try {
          engine.receive(new Uint8Array(d));
        } catch {
          return void socket.destroy();
        }
        const out = engine.takeOutput();
        if (out) socket.write(out.slice());
        if (!engine.handshakeComplete) return;
        ended = true;
        engine.write(new TextEncoder().encode("first record, complete"));
        const first = engine.takeOutput()!.slice();
        engine.write(new Uint8Array(3000).fill(0x61));
        const second = engine.takeOutput()!.slice();
        socket.write(first);
        if (ending === "fin-between-records") return void socket.end();
        // Half of the second record, then the end.
        socket.write(second.subarray(0, second.length >> 1), () => {
          if (ending === "reset-mid-record") socket.resetAndDestroy();
          else socket.end();
        });
      });
    });
  });
  return { port, done, stop: () => (socketRef?.destroy(), listener.close()) };
}

async function clientReadsUntilEnd(port: number): Promise<{ data: string; error: unknown }> {
  const c = clientCredential("p256");
  const conn = await connectTcp({ host: "127.0.0.1", port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, closeTimeoutMs: 1000 });
  let data = "";
  try {
    // Bounded: the peer sends two records at most.
    for (let i = 0; i < 100; i++) {
      const chunk = await conn.read();
      if (chunk === null) return { data, error: null };
      data += new TextDecoder().decode(chunk);
    }
    throw new Error("more reads than the peer could have caused");
  } catch (e) {
    return { data, error: e };
  } finally {
    await conn.close();
  }
}

describe("truncation and abrupt close are errors, never a clean end (§6.1)", () => {
  for (const ending of ["fin-between-records", "fin-mid-record", "reset-mid-record"] as const) {
    it(`peer ends with ${ending} and no close_notify`, async () => {
      const server = await misbehavingServer(ending);
      try {
        const { data, error } = await clientReadsUntilEnd(server.port);
        expect(data.startsWith("first record, complete")).toBe(true);
        expect(error, "the end of the stream must not look clean").toBeInstanceOf(TLSError);
        expect((error as TLSError).message.length).toBeGreaterThan(10);
        await server.done;
      } finally {
        server.stop();
      }
    }, 20_000);
  }

  it("peer closes during the handshake", async () => {
    const server = await misbehavingServer("fin-between-records", true);
    const c = clientCredential("p256");
    try {
      const attempt = connectTcp({ host: "127.0.0.1", port: server.port, servername: "localhost", ca: CA_PEM, cert: c.certPem, key: c.keyPem, handshakeTimeoutMs: 10_000 });
      const error = await attempt.then(
        async (conn) => {
          await conn.close();
          return null;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TLSError);
      expect((error as TLSError).message).not.toMatch(/did not complete within/); // the close, not the timer, ended it
    } finally {
      server.stop();
    }
  }, 20_000);
});
