// Negative tests on the record layer (RFC 8446 §5) in both roles. The scripted peer builds the
// offending records under the sender's real keys with node:crypto; each test asserts the exact
// alert, that the detecting side sent it once (read back from the wire) and that the peer got it.
import { describe, expect, it } from "vitest";
import { AlertDescription } from "../../src/index.js";
import {
  ContentType,
  HandshakeType,
  SUITE_NAMES,
  type SuiteName,
  Tap,
  type TapRecord,
  exchange,
} from "../helpers/scripted-peer.js";
import { concat, plaintextRecord, splitHandshakes } from "../helpers/framing.js";
import { type RecordEdit, firstEncrypted, flipAt, onFirstRecord, rawRecord } from "./record-edits.js";
import { type Pair, expectAlertOnWire, expectFailure, expectLocal, makePair, makeServer } from "./setup.js";

type Side = "client" | "server";
type AlertName = Parameters<typeof expectFailure>[3];
const other = (s: Side): Side => (s === "client" ? "server" : "client");

/** Lets `edit` replace `sender`'s records (decrypted) on their way to the other side. */
function runRecordEdit(p: Pair, sender: Side, edit: RecordEdit) {
  const tap = new Tap(sender, sender === "client" ? p.clientLog : p.serverLog, p.suite);
  const hook = (b: Uint8Array) => tap.rewriteRecords(b, (r) => edit(tap, r));
  return exchange(p.client, p.server, sender === "client" ? { toServer: hook } : { toClient: hook });
}

const firstRecord = () => true;
const ccsRecord = (r: TapRecord) => r.type === ContentType.change_cipher_spec;

function expectRecordRejected(sender: Side, edit: RecordEdit, alert: AlertName, suite?: SuiteName): void {
  const p = makePair({ suite });
  const x = runRecordEdit(p, sender, edit);
  expectFailure(p, x, other(sender), alert);
}

for (const sender of ["server", "client"] as const) {
  const receiver = other(sender);

  describe(`${receiver} receiving from a scripted ${sender}`, () => {
    describe("§5.1 / §5.2 record size limits: record_overflow", () => {
      it("a plaintext record of 2^14 + 1 bytes (§5.1)", () => {
        const big = plaintextRecord(ContentType.handshake, new Uint8Array((1 << 14) + 1));
        expectRecordRejected(sender, onFirstRecord(firstRecord, (_, r) => [rawRecord(big, "plaintext"), r]), "record_overflow");
      });
      it("an encrypted record of 2^14 + 256 + 1 bytes (§5.2)", () => {
        const big = plaintextRecord(ContentType.application_data, new Uint8Array((1 << 14) + 257));
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, () => [rawRecord(big)]), "record_overflow");
      });
      it("an encrypted record of exactly 2^14 + 256 bytes is not oversized: garbage there is bad_record_mac (§5.2)", () => {
        const edge = plaintextRecord(ContentType.application_data, new Uint8Array((1 << 14) + 256));
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, () => [rawRecord(edge)]), "bad_record_mac");
      });
      it("an authentic record whose plaintext is 2^14 + 1 bytes (§5.2, §5.4)", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (_, r) => [{ ...r, content: concat([r.content, new Uint8Array((1 << 14) + 1 - r.content.length)]) }]),
          "record_overflow",
        );
      });
      it("an authentic record whose content fits but whose padding takes the inner plaintext to 2^14 + 2 bytes (§5.4)", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (tap, r) => [rawRecord(tap.seal("handshake", r.type, r.content, (1 << 14) + 1 - r.content.length))]),
          "record_overflow",
        );
      });
    });

    describe("§5.2 truncated and tampered records: bad_record_mac", () => {
      for (const suite of SUITE_NAMES) {
        it(`one ciphertext bit flipped (${suite})`, () => {
          expectRecordRejected(sender, onFirstRecord(firstEncrypted, (tap, r) => [rawRecord(flipAt(tap.seal("handshake", r.type, r.content), 7))]), "bad_record_mac", suite);
        });
      }
      it("one tag bit flipped", () => {
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, (tap, r) => [rawRecord(flipAt(tap.seal("handshake", r.type, r.content), -1))]), "bad_record_mac");
      });
      it("the record header (additional data) changed: legacy_record_version 0x0302", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (tap, r) => {
            const sealed = tap.seal("handshake", r.type, r.content);
            sealed[2] = 0x02;
            return [rawRecord(sealed)];
          }),
          "bad_record_mac",
        );
      });
      it("a record cut short by one byte, its length adjusted", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (tap, r) => {
            const sealed = tap.seal("handshake", r.type, r.content);
            return [rawRecord(plaintextRecord(ContentType.application_data, sealed.subarray(5, sealed.length - 1)))];
          }),
          "bad_record_mac",
        );
      });
      it("an encrypted record too short to hold a tag", () => {
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, () => [rawRecord(plaintextRecord(ContentType.application_data, new Uint8Array(10)))]), "bad_record_mac");
      });
      it("a record under the right key but out of sequence (a replayed record)", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (tap, r) => {
            const sealed = tap.seal("handshake", r.type, r.content);
            return [rawRecord(sealed), rawRecord(sealed)];
          }),
          "bad_record_mac",
        );
      });
    });

    describe("§5 unknown and misplaced content types: unexpected_message", () => {
      it("a plaintext record of unknown type 99", () => {
        expectRecordRejected(sender, onFirstRecord(firstRecord, (_, r) => [rawRecord(plaintextRecord(99, new Uint8Array([1, 2, 3])), "plaintext"), r]), "unexpected_message");
      });
      it("an encrypted record whose inner type is 99 (§5.4)", () => {
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, (_, r) => [{ ...r, type: 99 }]), "unexpected_message");
      });
      it("an encrypted record of padding only, no content type (§5.4)", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (tap) => {
            // TLSInnerPlaintext of zeros: sealed as content [] with type 0.
            return [rawRecord(tap.seal("handshake", 0, new Uint8Array(0), 8))];
          }),
          "unexpected_message",
        );
      });
      it("plaintext application data before the handshake (§5.1)", () => {
        expectRecordRejected(sender, onFirstRecord(firstRecord, (_, r) => [rawRecord(plaintextRecord(ContentType.application_data, new Uint8Array([0x68, 0x69])), "plaintext"), r]), "unexpected_message");
      });
      it("application data under handshake keys, before the handshake completes (§2)", () => {
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, (_, r) => [{ ...r, type: ContentType.application_data, content: new Uint8Array([0x68, 0x69]) }, r]), "unexpected_message");
      });
      it("an application data record between two fragments of a handshake message (§5.1: no interleaving)", () => {
        expectRecordRejected(
          sender,
          onFirstRecord(firstEncrypted, (_, r) => [
            { ...r, content: r.content.slice(0, 3) },
            { ...r, type: ContentType.application_data, content: new Uint8Array([1]) },
            { ...r, content: r.content.slice(3) },
          ]),
          "unexpected_message",
        );
      });
      it("a handshake message spanning a key change (§5.1)", () => {
        // The record that ends the last plaintext message also carries the start of the next one.
        expectRecordRejected(
          sender,
          onFirstRecord((r) => r.type === ContentType.handshake && r.epoch === "plaintext", (_, r) => [{ ...r, content: concat([r.content, new Uint8Array([8, 0, 0, 2, 0])]) }]),
          "unexpected_message",
        );
      });
    });

    describe("§5 / §D.4 change_cipher_spec", () => {
      for (const [name, payload] of [["value 2", [2]], ["two bytes", [1, 1]], ["empty", []]] as const) {
        it(`a change_cipher_spec with a bad payload (${name}) gets unexpected_message`, () => {
          expectRecordRejected(sender, onFirstRecord(ccsRecord, (_, r) => [{ ...r, content: new Uint8Array(payload) }]), "unexpected_message");
        });
      }
      it("an encrypted change_cipher_spec gets unexpected_message", () => {
        expectRecordRejected(sender, onFirstRecord(firstEncrypted, (_, r) => [{ ...r, type: ContentType.change_cipher_spec, content: new Uint8Array([1]) }, r]), "unexpected_message");
      });
      it("a change_cipher_spec after the peer's Finished gets unexpected_message (§5)", () => {
        const endsWithFinished = (r: TapRecord) =>
          r.type === ContentType.handshake && r.epoch === "handshake" && splitHandshakes(r.content).messages.some((m) => m[0] === HandshakeType.finished);
        expectRecordRejected(sender, onFirstRecord(endsWithFinished, (_, r) => [r, { epoch: "plaintext", type: ContentType.change_cipher_spec, content: new Uint8Array([1]) }]), "unexpected_message");
      });
      it("repeated dummy change_cipher_spec records are dropped (§5: \"at any time\" before the peer's Finished)", () => {
        const p = makePair();
        const x = runRecordEdit(p, sender, onFirstRecord(ccsRecord, (_, r) => [r, r, r]));
        expect([x.clientError, x.serverError]).toEqual([null, null]);
        expect(p.client.handshakeComplete && p.server.handshakeComplete).toBe(true);
      });
      it("the dummy change_cipher_spec of value 1 is dropped (control)", () => {
        const p = makePair();
        const x = runRecordEdit(p, sender, () => undefined);
        expect([x.clientError, x.serverError]).toEqual([null, null]);
        expect(p.client.handshakeComplete && p.server.handshakeComplete).toBe(true);
      });
    });
  });
}

describe("server: records before the first ClientHello", () => {
  it("a change_cipher_spec before the ClientHello gets unexpected_message (§5)", () => {
    const { server, log } = makeServer();
    let error: unknown = null;
    try {
      server.receive(plaintextRecord(ContentType.change_cipher_spec, new Uint8Array([1])));
    } catch (e) {
      error = e;
    }
    expectLocal(error, "unexpected_message");
    expectAlertOnWire("server", log, server.takeOutput()!, "unexpected_message");
  });

  it("a stream cut inside a record raises nothing: the transport's EOF decides (§5.1)", () => {
    const { server } = makeServer();
    const p = makePair();
    const hello = p.client.takeOutput()!;
    server.receive(hello.subarray(0, hello.length - 7));
    expect(server.hasPartialRecord).toBe(true);
    expect(server.takeOutput()).toBeNull();
    server.receive(hello.subarray(hello.length - 7));
    expect(server.hasPartialRecord).toBe(false);
    expect(server.takeOutput()).not.toBeNull();
  });

  it("a record header alone (five bytes) is a partial record too", () => {
    const { server } = makeServer();
    server.receive(new Uint8Array([ContentType.handshake, 3, 1, 0, 200]));
    expect(server.hasPartialRecord).toBe(true);
    expect(server.error).toBeNull();
  });
});

it("alert codes used here are RFC 8446 §6's", () => {
  expect([AlertDescription.record_overflow, AlertDescription.bad_record_mac, AlertDescription.unexpected_message]).toEqual([22, 20, 10]);
});
