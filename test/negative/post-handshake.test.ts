// RFC 8446 §4.6: messages after the handshake, injected under the sender's application traffic
// key by the scripted peer once a real handshake has completed.
import { describe, expect, it } from "vitest";
import { ContentType, HandshakeType, Tap, exchange } from "../helpers/scripted-peer.js";
import { concat, handshakeMessage } from "../helpers/framing.js";
import { type Pair, expectAlertOnWire, expectLocal, makePair } from "./setup.js";

type Side = "client" | "server";
type AlertName = Parameters<typeof expectLocal>[1];

/** A completed handshake with a pass-through tap on `sender`'s output, so its sequence numbers stay in step. */
function connected(sender: Side): { p: Pair; tap: Tap; receiverWire: Uint8Array } {
  const p = makePair();
  const tap = new Tap(sender, sender === "client" ? p.clientLog : p.serverLog, p.suite);
  const pass = (b: Uint8Array) => tap.rewrite(b, () => undefined);
  const x = exchange(p.client, p.server, sender === "client" ? { toServer: pass } : { toClient: pass });
  expect([x.clientError, x.serverError]).toEqual([null, null]);
  return { p, tap, receiverWire: sender === "client" ? x.serverWire : x.clientWire };
}

function expectPostHandshakeRejected(sender: Side, message: Uint8Array, alert: AlertName): void {
  const { p, tap, receiverWire } = connected(sender);
  const receiver = sender === "client" ? p.server : p.client;
  let error: unknown = null;
  try {
    receiver.receive(tap.seal("application", ContentType.handshake, message));
  } catch (e) {
    error = e;
  }
  expectLocal(error, alert);
  const side = sender === "client" ? "server" : "client";
  // Decoded from the receiver's first byte, so the tap follows its keys to the application epoch.
  expectAlertOnWire(side, side === "client" ? p.clientLog : p.serverLog, concat([receiverWire, receiver.takeOutput()!]), alert, p.suite);
}

const ticket = (lifetime: number, extensions: number[] = []) =>
  handshakeMessage(
    HandshakeType.new_session_ticket,
    new Uint8Array([lifetime >>> 24, (lifetime >>> 16) & 0xff, (lifetime >>> 8) & 0xff, lifetime & 0xff, 1, 2, 3, 4, 1, 0, 0, 2, 7, 7, 0, extensions.length, ...extensions]),
  );

describe("§4.6 post-handshake messages", () => {
  it("client: a well-formed NewSessionTicket is accepted (control)", () => {
    const { p, tap } = connected("server");
    p.client.receive(tap.seal("application", ContentType.handshake, ticket(3600)));
    expect(p.client.error).toBeNull();
  });
  it("client: a NewSessionTicket lifetime over seven days gets illegal_parameter (§4.6.1)", () => {
    expectPostHandshakeRejected("server", ticket(604801), "illegal_parameter");
  });
  it("client: a NewSessionTicket carrying key_share gets illegal_parameter (§4.2)", () => {
    expectPostHandshakeRejected("server", ticket(3600, [0, 51, 0, 0]), "illegal_parameter");
  });
  it("client: a truncated NewSessionTicket gets decode_error (§4.6.1)", () => {
    expectPostHandshakeRejected("server", handshakeMessage(HandshakeType.new_session_ticket, new Uint8Array([0, 0, 1])), "decode_error");
  });
  it("server: a NewSessionTicket from the client gets unexpected_message (§4.6.1: servers send them)", () => {
    expectPostHandshakeRejected("client", ticket(3600), "unexpected_message");
  });
  it("client: a post-handshake CertificateRequest we never allowed gets unexpected_message (§4.6.2)", () => {
    expectPostHandshakeRejected("server", handshakeMessage(HandshakeType.certificate_request, new Uint8Array([1, 9, 0, 0])), "unexpected_message");
  });
  for (const sender of ["server", "client"] as const) {
    const receiver = sender === "client" ? "server" : "client";
    it(`${receiver}: KeyUpdate with request_update 2 gets illegal_parameter (§4.6.3)`, () => {
      expectPostHandshakeRejected(sender, handshakeMessage(HandshakeType.key_update, new Uint8Array([2])), "illegal_parameter");
    });
    it(`${receiver}: KeyUpdate with two bytes gets decode_error (§4.6.3)`, () => {
      expectPostHandshakeRejected(sender, handshakeMessage(HandshakeType.key_update, new Uint8Array([0, 0])), "decode_error");
    });
    it(`${receiver}: a ClientHello after the handshake gets unexpected_message (§4: no renegotiation in TLS 1.3)`, () => {
      expectPostHandshakeRejected(sender, handshakeMessage(HandshakeType.client_hello, new Uint8Array(38)), "unexpected_message");
    });
    it(`${receiver}: application data under the old key after a KeyUpdate gets bad_record_mac (§4.6.3)`, () => {
      const { p, tap } = connected(sender);
      const conn = sender === "client" ? p.server : p.client;
      conn.receive(tap.seal("application", ContentType.handshake, handshakeMessage(HandshakeType.key_update, new Uint8Array([0]))));
      let error: unknown = null;
      try {
        conn.receive(tap.seal("application", ContentType.application_data, new Uint8Array([1, 2, 3])));
      } catch (e) {
        error = e;
      }
      expectLocal(error, "bad_record_mac");
    });
  }
});
