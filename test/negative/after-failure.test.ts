// RFC 8446 §6 / §6.2: after a fatal alert the connection is over. Whether we raised the error or
// received the peer's alert, every later call must refuse with the same TLSError, and we must not
// send a second alert (the first one is read back from the wire, decrypted).
import { describe, expect, it } from "vitest";
import { TLSError } from "../../src/index.js";
import { ContentType, HandshakeType, Tap, exchange } from "../helpers/scripted-peer.js";
import { plaintextRecord } from "../helpers/framing.js";
import { onType, flipLastByte } from "./edits.js";
import { expectAlertOnWire, expectLocal, expectRemote, makePair, makeServer } from "./setup.js";

function thrown(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

describe("§6.2 after a fatal alert the connection refuses everything", () => {
  it("server: after a local failure it rethrows the same error and sends no second alert", () => {
    const { server, log } = makeServer();
    const first = thrown(() => server.receive(plaintextRecord(99, new Uint8Array([1]))));
    expectLocal(first, "unexpected_message");
    const wire = server.takeOutput()!;
    expectAlertOnWire("server", log, wire, "unexpected_message");

    // A perfectly valid ClientHello now changes nothing.
    const hello = makePair().client.takeOutput()!;
    expect(thrown(() => server.receive(hello))).toBe(first);
    expect(thrown(() => server.receive(plaintextRecord(ContentType.alert, new Uint8Array([2, 40]))))).toBe(first);
    expect(thrown(() => server.write(new Uint8Array([1])))).toBe(first);
    server.close();
    expect(server.takeOutput()).toBeNull();
    expect(server.error).toBe(first);
    expect(server.handshakeComplete).toBe(false);
  });

  for (const sender of ["server", "client"] as const) {
    const receiver = sender === "server" ? "client" : "server";
    it(`${receiver}: after rejecting a bad Finished it refuses the rest of the flight and application data`, () => {
      const p = makePair();
      const tap = new Tap(sender, sender === "client" ? p.clientLog : p.serverLog, p.suite);
      const edit = (b: Uint8Array) => tap.rewrite(b, onType(HandshakeType.finished, flipLastByte));
      const x = exchange(p.client, p.server, sender === "client" ? { toServer: edit } : { toClient: edit });
      const conn = receiver === "client" ? p.client : p.server;
      const error = receiver === "client" ? x.clientError : x.serverError;
      expectLocal(error, "decrypt_error");
      expect(conn.handshakeComplete).toBe(false);
      // Bytes that would otherwise be valid: a close_notify sealed under the sender's current key.
      const late = tap.encode([{ epoch: sender === "server" ? "application" : "handshake", type: ContentType.alert, content: new Uint8Array([1, 0]) }]);
      expect(thrown(() => conn.receive(late))).toBe(error);
      expect(conn.takeOutput()).toBeNull();
      expect(conn.read()).toBeNull();
      const wire = receiver === "client" ? x.clientWire : x.serverWire;
      expectAlertOnWire(receiver, receiver === "client" ? p.clientLog : p.serverLog, wire, "decrypt_error", p.suite);
    });
  }

  it("client: after receiving the server's fatal alert it rethrows it and sends nothing", () => {
    const p = makePair({ server: { cipherSuites: ["TLS_AES_256_GCM_SHA384"] }, client: { cipherSuites: ["TLS_AES_128_GCM_SHA256"] } });
    const x = exchange(p.client, p.server);
    expectLocal(x.serverError, "handshake_failure");
    const remote = expectRemote(x.clientError, "handshake_failure");
    expect(x.clientWire.length).toBeGreaterThan(0);
    // The client sent its ClientHello and no alert of its own.
    expect(new Tap("client", p.clientLog).decode(x.clientWire).map((r) => r.type)).toEqual([ContentType.handshake]);
    expect(thrown(() => p.client.receive(new Uint8Array([22, 3, 3, 0, 1, 2])))).toBe(remote);
    expect(p.client.takeOutput()).toBeNull();
  });

  it("server: a connection that failed during the handshake never completes it", () => {
    const p = makePair();
    const tap = new Tap("client", p.clientLog, p.suite);
    const x = exchange(p.client, p.server, { toServer: (b) => tap.rewrite(b, onType(HandshakeType.certificate_verify, flipLastByte)) });
    expect(x.serverError).toBeInstanceOf(TLSError);
    expect(p.server.handshakeComplete).toBe(false);
    expect(p.server.handshake).toBeNull();
  });
});
