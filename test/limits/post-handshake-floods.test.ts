/**
 * Floods after the handshake. Each post-handshake message a peer may send on its
 * own and that costs us a key derivation or a signature draws on an allowance (config `limits`):
 * it starts at the maximum and is earned back by received application data and by the configured
 * clock, so no interleaving of cheap records gets around it. Work is counted, not timed: a
 * counting wrapper around the pure provider reports how many AEAD keys (each a 64 KiB GHASH
 * table for AES-GCM), HKDF expansions and signatures the flood cost.
 */
import { describe, expect, it } from "vitest";
import { type CryptoProvider, DEFAULT_LIMITS, MemorySessionStore, TLSError, pureProvider } from "../../src/index.js";
import { ContentType, HandshakeType, Tap, exchange } from "../helpers/scripted-peer.js";
import { concat, handshakeMessage } from "../helpers/framing.js";
import { type Pair, expectAlertOnWire, expectLocal, feed, makePair } from "../negative/setup.js";

/** The pure provider, counting the work a peer can make it do. */
function countingProvider(): { provider: CryptoProvider; counts: { aeadKeys: number; hkdfExpansions: number; signatures: number } } {
  const counts = { aeadKeys: 0, hkdfExpansions: 0, signatures: 0 };
  const provider: CryptoProvider = {
    ...pureProvider,
    aead: (algorithm, key) => {
      counts.aeadKeys++;
      return pureProvider.aead(algorithm, key);
    },
    hkdfExpand: (name, prk, info, length) => {
      counts.hkdfExpansions++;
      return pureProvider.hkdfExpand(name, prk, info, length);
    },
    sign: (algorithm, key, message) => {
      counts.signatures++;
      return pureProvider.sign(algorithm, key, message);
    },
  };
  return { provider, counts };
}

/** A clock the test moves by hand (config `now`); it starts at the real time, inside the fixtures' validity. */
function manualClock(): { now: () => Date; advance: (ms: number) => void } {
  let ms = Date.now();
  return { now: () => new Date(ms), advance: (by) => void (ms += by) };
}

/** A completed mutual handshake; `serverWire`/`clientWire` hold every byte each side wrote so far. */
function established(opts: Parameters<typeof makePair>[0] = {}): Pair & { serverWire: Uint8Array; clientWire: Uint8Array } {
  const p = makePair(opts);
  const x = exchange(p.client, p.server);
  expect([x.clientError, x.serverError]).toEqual([null, null]);
  expect(p.client.handshakeComplete && p.server.handshakeComplete).toBe(true);
  return { ...p, serverWire: x.serverWire, clientWire: x.clientWire };
}

const MAX_KEY_UPDATES = DEFAULT_LIMITS.maxKeyUpdates;

describe("post-handshake floods: KeyUpdate", () => {
  it("1-byte records between KeyUpdates earn nothing worth a key: the flood ends in unexpected_message after maxKeyUpdates", () => {
    const clock = manualClock();
    const { provider, counts } = countingProvider();
    const p = established({ server: { provider, now: clock.now } });
    for (let i = 0; i < 200; i++) {
      p.client.write(Uint8Array.of(i));
      p.client.keyUpdate(false);
    }
    const keysBefore = counts.aeadKeys;
    const error = feed(p.server, p.client.takeOutput()!);
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/KeyUpdates faster than allowed: 32 at once.*limits\.maxKeyUpdates/);
    // One read key per KeyUpdate accepted: the 32 of the allowance, not the 200 sent. The two
    // application keys the handshake installed are built when first used (record-protection.ts):
    // the read key by the first record, the write key by the alert.
    expect(counts.aeadKeys - keysBefore).toBe(MAX_KEY_UPDATES + 2);
    expectAlertOnWire("server", p.serverLog, concat([p.serverWire, p.server.takeOutput()!]), "unexpected_message");
  });

  it("with update_requested, each answered on its own, the flood costs at most two keys per KeyUpdate of the allowance", () => {
    const clock = manualClock();
    const { provider, counts } = countingProvider();
    const p = established({ server: { provider, now: clock.now } });
    const keysBefore = counts.aeadKeys;
    let error: TLSError | null = null;
    let answers = 0;
    for (let i = 0; i < 200 && error === null; i++) {
      p.client.write(Uint8Array.of(i));
      p.client.keyUpdate(true);
      error = feed(p.server, p.client.takeOutput()!);
      if (error === null && p.server.takeOutput() !== null) answers++;
    }
    expectLocal(error, "unexpected_message");
    expect(answers).toBe(MAX_KEY_UPDATES);
    // Our read key for each of the 32, our write key for each answer, and the two application keys
    // the handshake installed, built when first used (record-protection.ts).
    expect(counts.aeadKeys - keysBefore).toBe(2 * MAX_KEY_UPDATES + 2);
  });

  it("a legitimate pace passes: 40 KeyUpdates over 2.5 MiB, half asking for an answer (as the OpenSSL interop test sends them)", () => {
    const clock = manualClock();
    const p = established({ server: { now: clock.now } });
    const chunk = new Uint8Array(65_536).fill(7);
    let received = 0;
    for (let i = 0; i < 40; i++) {
      p.client.write(chunk);
      p.client.keyUpdate(i % 2 === 0);
      expect(feed(p.server, p.client.takeOutput()!)).toBeNull();
      received += p.server.read()?.length ?? 0;
      const answer = p.server.takeOutput();
      if (answer) expect(feed(p.client, answer)).toBeNull();
    }
    expect(received).toBe(40 * 65_536);
  });

  it("a legitimate pace passes: one KeyUpdate per second of the configured clock, with no data, for as long as it goes on", () => {
    const clock = manualClock();
    const p = established({ server: { now: clock.now } });
    for (let i = 0; i < 3 * MAX_KEY_UPDATES; i++) {
      clock.advance(1000);
      p.client.keyUpdate(false);
      expect(feed(p.server, p.client.takeOutput()!)).toBeNull();
    }
    p.client.write(Uint8Array.of(42));
    expect(feed(p.server, p.client.takeOutput()!)).toBeNull();
    expect(p.server.read()).toEqual(Uint8Array.of(42));
  });

  it("the allowance is earned back exactly: one KeyUpdate per bytesPerPostHandshakeMessage bytes, or per msPerPostHandshakeMessage", () => {
    const limits = { maxKeyUpdates: 2, bytesPerPostHandshakeMessage: 1000, msPerPostHandshakeMessage: 60_000 };
    const clock = manualClock();
    const p = established({ server: { now: clock.now, limits } });
    const send = (data: number, updates: number) => {
      if (data > 0) p.client.write(new Uint8Array(data));
      for (let i = 0; i < updates; i++) p.client.keyUpdate(false);
      return feed(p.server, p.client.takeOutput()!);
    };
    expect(send(0, 2)).toBeNull(); // the maximum at once
    for (let i = 0; i < 50; i++) expect(send(1000, 1)).toBeNull(); // one per 1000 bytes, for as long as the data flows
    clock.advance(60_000);
    expect(send(0, 1)).toBeNull(); // one per minute of the clock
    expect(send(500, 0)).toBeNull();
    const error = send(499, 1); // 999 bytes: not quite one
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/2 at once, then one per 1000 bytes of application data or per 60000 ms/);
  });

  it("time never earns more than the maximum: a peer idle for a day still gets maxKeyUpdates at once", () => {
    const clock = manualClock();
    const p = established({ server: { now: clock.now, limits: { maxKeyUpdates: 4 } } });
    clock.advance(86_400_000);
    for (let i = 0; i < 4; i++) p.client.keyUpdate(false);
    expect(feed(p.server, p.client.takeOutput()!)).toBeNull();
    p.client.keyUpdate(false);
    expectLocal(feed(p.server, p.client.takeOutput()!), "unexpected_message");
  });

  it("the client bounds the server's KeyUpdates the same way", () => {
    const clock = manualClock();
    const p = established({ client: { now: clock.now, limits: { maxKeyUpdates: 3 } } });
    for (let i = 0; i < 10; i++) {
      p.server.write(Uint8Array.of(i));
      p.server.keyUpdate(false);
    }
    const error = feed(p.client, p.server.takeOutput()!);
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/limits\.maxKeyUpdates/);
  });
});

describe("post-handshake floods: CertificateRequest (client)", () => {
  /** Our server asks the established client for its certificate again, and the two exchange until quiet. */
  function requestAgain(p: Pair): { clientError: TLSError | null } {
    p.server.requestClientCertificate().catch(() => undefined); // a refusal shows as the client's error below
    const x = exchange(p.client, p.server);
    return { clientError: x.clientError };
  }

  it("the client signs for at most maxCertificateRequests requests at once, then unexpected_message; the clock earns one more", () => {
    const clock = manualClock();
    const { provider, counts } = countingProvider();
    const p = established({ client: { provider, now: clock.now, postHandshakeAuth: true }, server: { clientAuth: "none" } });
    const signaturesBefore = counts.signatures;
    for (let i = 0; i < DEFAULT_LIMITS.maxCertificateRequests; i++) expect(requestAgain(p).clientError).toBeNull();
    expect(counts.signatures - signaturesBefore).toBe(DEFAULT_LIMITS.maxCertificateRequests);
    clock.advance(DEFAULT_LIMITS.msPerCertificateRequest);
    expect(requestAgain(p).clientError).toBeNull();
    const { clientError } = requestAgain(p);
    expectLocal(clientError, "unexpected_message");
    expect(clientError!.message).toMatch(/CertificateRequests faster than allowed: 4 at once, then one per 60000 ms.*limits\.maxCertificateRequests/);
    // Refused before signing.
    expect(counts.signatures - signaturesBefore).toBe(DEFAULT_LIMITS.maxCertificateRequests + 1);
  });

  it("data does not earn CertificateRequests: each costs a signature, worth more than any record", () => {
    const clock = manualClock();
    const p = established({ client: { now: clock.now, postHandshakeAuth: true, limits: { maxCertificateRequests: 1 } }, server: { clientAuth: "none" } });
    expect(requestAgain(p).clientError).toBeNull();
    p.server.write(new Uint8Array(1 << 20));
    exchange(p.client, p.server);
    expect(p.client.read()!.length).toBe(1 << 20);
    expectLocal(requestAgain(p).clientError, "unexpected_message");
  });

  it("server: a client cannot make us hold more than one outstanding request", () => {
    const p = established({ client: { postHandshakeAuth: true }, server: { clientAuth: "none" } });
    p.server.requestClientCertificate().catch(() => undefined);
    expect(() => p.server.requestClientCertificate()).toThrow(/already waiting/);
    expect(p.server.clientAuthenticationPending).toBe(true);
  });
});

describe("post-handshake floods: NewSessionTicket (client)", () => {
  /** A minimal well-formed ticket (§4.6.1): lifetime 1 hour, age_add, nonce, a 2-byte ticket, no extensions. */
  const ticket = (n: number) => handshakeMessage(HandshakeType.new_session_ticket, new Uint8Array([0, 0, 0x0e, 0x10, 1, 2, 3, 4, 1, n & 0xff, 0, 2, 7, 7, 0, 0]));

  /** An established pair with a pass-through tap on the server's output, so a scripted record follows its sequence numbers. */
  function withServerTap(client: NonNullable<Parameters<typeof makePair>[0]>["client"]) {
    const p = makePair({ client });
    const tap = new Tap("server", p.serverLog, p.suite);
    const x = exchange(p.client, p.server, { toClient: (b) => tap.rewrite(b, () => undefined) });
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    return { p, tap };
  }

  it("hundreds of tickets in one record: the client derives and stores at most maxNewSessionTickets, then unexpected_message", () => {
    const clock = manualClock();
    const { provider, counts } = countingProvider();
    const store = new MemorySessionStore();
    const { p, tap } = withServerTap({ provider, now: clock.now, sessionStore: store });
    const expansionsBefore = counts.hkdfExpansions;
    const tickets = Array.from({ length: 500 }, (_, i) => ticket(i));
    const error = feed(p.client, tap.seal("application", ContentType.handshake, concat(tickets)));
    expectLocal(error, "unexpected_message");
    expect(error!.message).toMatch(/NewSessionTickets faster than allowed: 32 at once.*limits\.maxNewSessionTickets/);
    // One resumption PSK (an HKDF expansion) per ticket accepted.
    expect(counts.hkdfExpansions - expansionsBefore).toBe(DEFAULT_LIMITS.maxNewSessionTickets);
    expect(store.size).toBeLessThanOrEqual(4);
  });

  it("a server's usual tickets, and more as time passes, are accepted", () => {
    const clock = manualClock();
    const { p, tap } = withServerTap({ now: clock.now, sessionStore: new MemorySessionStore() });
    expect(feed(p.client, tap.seal("application", ContentType.handshake, concat(Array.from({ length: 16 }, (_, i) => ticket(i)))))).toBeNull();
    for (let i = 0; i < 100; i++) {
      clock.advance(1000);
      expect(feed(p.client, tap.seal("application", ContentType.handshake, ticket(i)))).toBeNull();
    }
  });
});
