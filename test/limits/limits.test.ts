/**
 * Resource limits (config `limits`): each has a safe default, each trips with the alert
 * RFC 8446 §6.2 gives for that failure, and its message names the limit and the value. The wire
 * is read back with an independent decryptor (test/helpers/scripted-peer.ts) to see the alert
 * actually sent; one case asks Node's tls (OpenSSL) which alert it received.
 */
import { describe, expect, it } from "vitest";
import { AlertDescription, TLSError } from "../../src/index.js";
import { DEFAULT_LIMITS, resolveConfig } from "../../src/handshake/config.js";
import { createMtlsServer } from "../../src/node/index.js";
import { CA_PEM, clientCredential, pemToDer, serverCredential } from "../helpers/fixtures.js";
import { nodeClient } from "../helpers/node-tls.js";
import { ContentType, Tap, exchange } from "../helpers/scripted-peer.js";
import { concat, plaintextRecord, splitRecords } from "../helpers/framing.js";
import { expectAlertOnWire, expectFailure, expectLocal, feed, makePair, makeServer } from "../negative/setup.js";

/** A completed mutual handshake between our client and server. */
function established(opts: Parameters<typeof makePair>[0] = {}) {
  const p = makePair(opts);
  const x = exchange(p.client, p.server);
  expect(x.clientError ?? x.serverError).toBeNull();
  expect(p.client.handshakeComplete && p.server.handshakeComplete).toBe(true);
  return p;
}

describe("limits: configuration", () => {
  it("a config without limits gets the documented defaults", () => {
    const { server } = makeServer();
    expect(server.error).toBeNull();
    const resolved = resolveConfig({});
    expect(resolved.limits).toEqual(DEFAULT_LIMITS);
    expect(resolved.maxHandshakeMessageSize).toBe(65536);
  });
  it("an unknown limit or a non-positive value is refused when the config is read", () => {
    expect(() => resolveConfig({ limits: { maxExtenions: 3 } as never })).toThrow(/unknown limit "maxExtenions"/);
    expect(() => resolveConfig({ limits: { maxEmptyRecords: 0 } })).toThrow(/limits.maxEmptyRecords/);
  });
});

describe("limits: handshake", () => {
  it("maxHandshakeMessageSize: a ClientHello larger than the limit is illegal_parameter", () => {
    const p = makePair({ server: { limits: { maxHandshakeMessageSize: 100 } } });
    const x = exchange(p.client, p.server);
    expectFailure(p, x, "server", "illegal_parameter");
    expect(x.serverError!.message).toMatch(/limit of 100/);
  });

  it("maxCertificateChainLength: more certificates than the limit is bad_certificate", () => {
    const leaf = clientCredential("p256");
    const ca = pemToDer(CA_PEM)[0];
    const chain = [leaf.certDer, ca, ca, ca];
    const p = makePair({ client: { certificateChain: chain }, server: { limits: { maxCertificateChainLength: 3 } } });
    const x = exchange(p.client, p.server);
    expectFailure(p, x, "server", "bad_certificate");
    expect(x.serverError!.message).toMatch(/more than 3 certificates \(limits.maxCertificateChainLength\)/);
    // The same chain within the limit passes the check (the extra CA copies are ignored by path building).
    const ok = makePair({ client: { certificateChain: chain }, server: { limits: { maxCertificateChainLength: 4 } } });
    const y = exchange(ok.client, ok.server);
    expect(y.serverError ?? y.clientError).toBeNull();
  });

  it("maxExtensions: a ClientHello with more extensions than the limit is illegal_parameter", () => {
    const p = makePair({ server: { limits: { maxExtensions: 4 } } });
    const x = exchange(p.client, p.server);
    expectFailure(p, x, "server", "illegal_parameter");
    expect(x.serverError!.message).toMatch(/more than 4 extensions \(limits.maxExtensions\)/);
  });

  it("maxExtensions: Node's tls client (OpenSSL) receives illegal_parameter from our server", async () => {
    const server = serverCredential("p256");
    const errors: TLSError[] = [];
    const mtls = createMtlsServer(
      { cert: server.certPem, key: server.keyPem, config: { limits: { maxExtensions: 3 } }, onHandshakeError: (e) => errors.push(e) },
      (c) => void c.close(),
    );
    const { port } = await mtls.listen(0, "127.0.0.1");
    try {
      const outcome = await nodeClient(port, { ca: CA_PEM, servername: "localhost", minVersion: "TLSv1.3" });
      expect(outcome.secure).toBe(false);
      expect(outcome.errors.map((e) => `${e.code} ${e.message}`).join("; ")).toMatch(/illegal.parameter/i);
    } finally {
      await mtls.close();
    }
    expect(errors.map((e) => e.alertName)).toEqual(["illegal_parameter"]);
  });

  it("maxRecordsBeforeHandshake: a ClientHello cut into more records than the limit is unexpected_message", () => {
    const { client } = makePair();
    const hello = splitRecords(client.takeOutput()!).records[0].subarray(5);
    const pieces = [];
    for (let at = 0; at < hello.length; at += 8) pieces.push(plaintextRecord(ContentType.handshake, hello.subarray(at, at + 8)));
    expect(pieces.length).toBeGreaterThan(10);
    const { server, log } = makeServer({ limits: { maxRecordsBeforeHandshake: 10 } });
    const error = feed(server, concat(pieces));
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/more than 10 records .*limits.maxRecordsBeforeHandshake/);
    expectAlertOnWire("server", log, server.takeOutput()!, "unexpected_message");
    // Within the default the same records complete a handshake step.
    const fresh = makeServer();
    expect(feed(fresh.server, concat(pieces))).toBeNull();
    expect(fresh.server.takeOutput()!.length).toBeGreaterThan(100);
  });

  it("maxEmptyRecords: a flood of dropped change_cipher_spec records is unexpected_message", () => {
    const { client } = makePair();
    const hello = client.takeOutput()!;
    const ccs = plaintextRecord(ContentType.change_cipher_spec, Uint8Array.of(1));
    const { server, log } = makeServer({ limits: { maxEmptyRecords: 8 } });
    expect(feed(server, hello)).toBeNull();
    const serverFlight = server.takeOutput()!.slice();
    expect(feed(server, concat(Array(8).fill(ccs)))).toBeNull(); // §5: up to the limit they are dropped
    const error = feed(server, ccs);
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/more than 8 empty records in a row \(limits.maxEmptyRecords\)/);
    expectAlertOnWire("server", log, concat([serverFlight, server.takeOutput()!]), "unexpected_message");
  });
});

describe("limits: after the handshake", () => {
  const appRecords = (p: ReturnType<typeof established>, records: { type: number; content: Uint8Array }[]) =>
    new Tap("client", p.clientLog, p.suite).encode(records.map((r) => ({ epoch: "application" as const, ...r })));

  it("maxEmptyRecords: empty application_data records in a row past the limit are unexpected_message", () => {
    const p = established({ server: { limits: { maxEmptyRecords: 4 } } });
    const empty = { type: ContentType.application_data, content: new Uint8Array(0) };
    const data = { type: ContentType.application_data, content: Uint8Array.of(42) };
    // Four, then data (which resets the count), then five: the fifth in a row trips.
    const wire = appRecords(p, [empty, empty, empty, empty, data, empty, empty, empty, empty, empty]);
    const error = feed(p.server, wire);
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/more than 4 empty records/);
    expect(p.server.read()).toEqual(Uint8Array.of(42));
  });

  it("maxWarningAlerts: user_canceled warnings in a row past the limit are unexpected_message", () => {
    const p = established({ server: { limits: { maxWarningAlerts: 3 } } });
    const warning = { type: ContentType.alert, content: Uint8Array.of(1, AlertDescription.user_canceled) };
    const data = { type: ContentType.application_data, content: Uint8Array.of(1) };
    // Three, data (which resets the count), three more: all accepted.
    expect(feed(p.server, appRecords(p, [warning, warning, warning, data, warning, warning, warning]))).toBeNull();
    const p2 = established({ server: { limits: { maxWarningAlerts: 3 } } });
    const tripped = feed(p2.server, appRecords(p2, [warning, warning, warning, warning]));
    expectLocal(tripped, "unexpected_message");
    expect(tripped!.message).toMatch(/more than 3 warning alerts in a row \(limits.maxWarningAlerts\)/);
  });

  it("maxBufferedPlaintext: unread application data past the limit is internal_error (a local resource, not the peer's fault)", () => {
    const p = established({ server: { limits: { maxBufferedPlaintext: 1000 } } });
    p.client.write(new Uint8Array(600).fill(1));
    expect(feed(p.server, p.client.takeOutput()!)).toBeNull();
    expect(p.server.read()!.length).toBe(600); // read: the queue is empty again
    p.client.write(new Uint8Array(600).fill(2));
    expect(feed(p.server, p.client.takeOutput()!)).toBeNull();
    p.client.write(new Uint8Array(600).fill(3));
    const error = feed(p.server, p.client.takeOutput()!);
    expectLocal(error, "internal_error");
    expect(error!.message).toMatch(/1000 bytes .*limits.maxBufferedPlaintext/);
  });

  it("maxKeyUpdates: KeyUpdates past the allowance are unexpected_message, and a byte of data between does not reset it", () => {
    // A fixed clock earns nothing; test/limits/post-handshake-floods.test.ts covers what data and time earn.
    const fixed = new Date();
    const p = established({ server: { now: () => fixed, limits: { maxKeyUpdates: 3 } } });
    const client = p.client;
    for (let i = 0; i < 3; i++) client.keyUpdate(false);
    expect(feed(p.server, client.takeOutput()!)).toBeNull();
    client.write(Uint8Array.of(7)); // earns 1/131072 of a KeyUpdate (limits.bytesPerPostHandshakeMessage)
    client.keyUpdate(false);
    const error = feed(p.server, client.takeOutput()!);
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/KeyUpdates faster than allowed: 3 at once.*limits.maxKeyUpdates/);
    expect(p.server.read()).toEqual(Uint8Array.of(7));
  });
});
