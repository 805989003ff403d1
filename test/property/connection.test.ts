/**
 * The connection in both roles, fed noise and mutations after a valid prefix (RFC 8446 §6):
 * - only a TLSError ever comes out of receive(), and when we raised it, its alert is one RFC 8446
 *   prescribes for bad input (never internal_error, which would mean an engine bug);
 * - we sent exactly that alert, once, fatal (decrypted from our own output); after a peer's
 *   alert we send none;
 * - afterwards the connection refuses further input with the very same error and sends nothing;
 * - output stays bounded whatever arrives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TLSError } from "../../src/index.js";
import { ContentType, type KeyLog, Tap, type TapRecord, alertsIn } from "../helpers/scripted-peer.js";
import { concat, splitHandshakes } from "../helpers/framing.js";
import { chunked, cuts, mutated, params } from "./arbitraries.js";
import { golden, pinnedClient, pinnedServer } from "./golden.js";

/** RFC 8446 §6.2 error alerts a peer's bad bytes can call for. */
const INPUT_ALERTS = new Set([
  "unexpected_message",
  "bad_record_mac",
  "record_overflow",
  "handshake_failure",
  "bad_certificate",
  "unsupported_certificate",
  "certificate_expired",
  "certificate_unknown",
  "illegal_parameter",
  "unknown_ca",
  "decode_error",
  "decrypt_error",
  "protocol_version",
  "missing_extension",
  "unsupported_extension",
  "certificate_required",
  "no_application_protocol",
]);

interface Conn {
  receive(b: Uint8Array): void;
  takeOutput(): Uint8Array | null;
  readonly error: TLSError | null;
}

const g = golden();
/** Generous: several times a full flight, far below anything a flood could cause. */
const OUTPUT_BOUND = 4 * Math.max(g.serverFlight.length, g.clientFlight.length) + 1024;

/**
 * Feeds `chunks` to `conn` (whose own bytes are `sender`'s, keys in `log`) and checks the
 * properties above. `valid` is input to try after a failure.
 */
function feedAndCheck(conn: Conn, sender: "client" | "server", log: KeyLog, chunks: readonly Uint8Array[], valid: Uint8Array): void {
  let error: unknown = null;
  const output: Uint8Array[] = [];
  for (const chunk of chunks) {
    try {
      conn.receive(chunk);
    } catch (e) {
      error = e;
      break;
    } finally {
      const out = conn.takeOutput();
      if (out) output.push(out.slice());
    }
  }
  const wire = concat(output);
  expect(wire.length, "output is bounded").toBeLessThanOrEqual(OUTPUT_BOUND);
  if (error === null) {
    expect(conn.error).toBeNull();
    return;
  }
  if (!(error instanceof TLSError)) throw new Error(`receive threw ${String(error)}, not a TLSError`);
  expect(conn.error).toBe(error);
  const alerts = alertsIn(sender, log, wire);
  if (error.origin === "local") {
    expect(INPUT_ALERTS.has(error.alertName), `local ${error.alertName}: ${error.message}`).toBe(true);
    expect(alerts.map((a) => [a.level, a.description])).toEqual([[2, error.alert]]);
  } else {
    expect(alerts, "no alert answers the peer's fatal alert").toEqual([]);
  }
  // §6.2: the connection is closed; it rethrows the same error and sends nothing more.
  let again: unknown = null;
  try {
    conn.receive(valid);
  } catch (e) {
    again = e;
  }
  expect(again).toBe(error);
  expect(conn.takeOutput()).toBeNull();
}

/** A flight's records with one handshake message replaced, re-encrypted under the sender's keys. */
function withMessageReplaced(records: readonly TapRecord[], sender: "client" | "server", log: KeyLog, index: number, replacement: Uint8Array): Uint8Array {
  let n = 0;
  const out = records.map((r) => {
    if (r.type !== ContentType.handshake) return r;
    const messages = splitHandshakes(r.content).messages.map((m) => (n++ === index ? replacement : m));
    return { ...r, content: concat(messages) };
  });
  return new Tap(sender, log).encode(out);
}

describe("server: only TLSError, the right alert once, then silence (§6)", () => {
  it("noise instead of a ClientHello", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (noise, c) => {
        const { server, log } = pinnedServer();
        feedAndCheck(server, "server", log, chunked(noise, c), g.clientHello);
      }),
      params(300),
    );
  });
  it("a mutated ClientHello record", () => {
    fc.assert(
      fc.property(mutated([g.clientHello]), cuts, (bytes, c) => {
        const { server, log } = pinnedServer();
        feedAndCheck(server, "server", log, chunked(bytes, c), g.clientHello);
      }),
      params(150),
    );
  });
  it("a valid ClientHello, then noise", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), cuts, (noise, c) => {
        const { server, log } = pinnedServer();
        feedAndCheck(server, "server", log, [g.clientHello, ...chunked(noise, c)], g.clientHello);
      }),
      params(60),
    );
  });
  it("a valid ClientHello, then the client's second flight mutated on the wire", () => {
    fc.assert(
      fc.property(mutated([g.clientFlight]), cuts, (flight, c) => {
        const { server, log } = pinnedServer();
        feedAndCheck(server, "server", log, [g.clientHello, ...chunked(flight, c)], g.clientFlight);
      }),
      params(60),
    );
  });
  it("a valid ClientHello, then one of the client's Certificate, CertificateVerify, Finished mutated and re-encrypted", () => {
    const flight = g.clientMessages.slice(1);
    fc.assert(
      fc.property(fc.nat({ max: flight.length - 1 }).chain((i) => fc.tuple(fc.constant(i), mutated([flight[i]]))), ([i, m]) => {
        const { server, log } = pinnedServer();
        const bytes = withMessageReplaced(g.clientRecords, "client", g.clientLog, i, m);
        feedAndCheck(server, "server", log, [g.clientHello, bytes], g.clientFlight);
        // §4.4.4: the Finished covers the transcript, so only the genuine flight completes the handshake.
        if (server.handshakeComplete) expect(Buffer.compare(m, flight[i])).toBe(0);
      }),
      params(60),
    );
  });
});

describe("client: only TLSError, the right alert once, then silence (§6)", () => {
  it("noise instead of the server's flight", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cuts, (noise, c) => {
        const { client, log } = pinnedClient();
        client.takeOutput();
        feedAndCheck(client, "client", log, chunked(noise, c), g.serverFlight);
      }),
      params(300),
    );
  });
  it("the server's flight mutated on the wire", () => {
    fc.assert(
      fc.property(mutated([g.serverFlight]), cuts, (flight, c) => {
        const { client, log } = pinnedClient();
        client.takeOutput();
        feedAndCheck(client, "client", log, chunked(flight, c), g.serverFlight);
      }),
      params(80),
    );
  });
  it("one message of the server's flight mutated and re-encrypted under the server's keys", () => {
    const flight = g.serverMessages;
    fc.assert(
      fc.property(fc.nat({ max: flight.length - 1 }).chain((i) => fc.tuple(fc.constant(i), mutated([flight[i]]))), ([i, m]) => {
        const { client, log } = pinnedClient();
        client.takeOutput();
        const bytes = withMessageReplaced(g.serverRecords, "server", g.serverLog, i, m);
        feedAndCheck(client, "client", log, [bytes], g.serverFlight);
        if (client.handshakeComplete) expect(Buffer.compare(m, flight[i])).toBe(0);
      }),
      params(80),
    );
  });
  it("the complete valid flight, then noise", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), cuts, (noise, c) => {
        const { client, log } = pinnedClient();
        client.takeOutput();
        feedAndCheck(client, "client", log, [g.serverFlight, ...chunked(noise, c)], g.serverFlight);
      }),
      params(40),
    );
  });
});

/** The flight's handshake bytes re-cut into records of the given sizes, per epoch (never across a key change). */
function refragmented(records: readonly TapRecord[], sizes: readonly number[], sender: "client" | "server", log: KeyLog): Uint8Array {
  const out: TapRecord[] = [];
  let k = 0;
  for (let i = 0; i < records.length; ) {
    const r = records[i];
    if (r.type !== ContentType.handshake) {
      out.push(r);
      i++;
      continue;
    }
    const group: Uint8Array[] = [];
    for (; i < records.length && records[i].type === ContentType.handshake && records[i].epoch === r.epoch; i++) group.push(records[i].content);
    const content = concat(group);
    for (let at = 0; at < content.length; ) {
      const n = Math.max(1, sizes[k++ % sizes.length]);
      out.push({ epoch: r.epoch, type: ContentType.handshake, content: content.slice(at, at + n) });
      at += n;
    }
  }
  return new Tap(sender, log).encode(out);
}

describe("§5.1 handshake messages may be fragmented across records in any way", () => {
  const sizes = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 });
  it("client: the server's flight re-cut into records of arbitrary sizes completes the handshake", () => {
    fc.assert(
      fc.property(sizes, (s) => {
        const { client } = pinnedClient();
        client.takeOutput();
        client.receive(refragmented(g.serverRecords, s, "server", g.serverLog));
        expect(client.error).toBeNull();
        expect(client.handshakeComplete).toBe(true);
        expect(Buffer.compare(client.takeOutput()!, g.clientFlight)).toBe(0);
      }),
      params(25),
    );
  });
  it("server: the client's flight re-cut into records of arbitrary sizes completes the handshake", () => {
    fc.assert(
      fc.property(sizes, (s) => {
        const { server } = pinnedServer();
        server.receive(g.clientHello);
        server.receive(refragmented(g.clientRecords, s, "client", g.clientLog));
        expect(server.error).toBeNull();
        expect(server.handshakeComplete).toBe(true);
      }),
      params(25),
    );
  });
});
