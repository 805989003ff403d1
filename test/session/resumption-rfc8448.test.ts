/**
 * The resumption arithmetic against RFC 8448: section 3's NewSessionTicket and resumption
 * secret, and section 4's PSK binder over the resumed ClientHello. The RFC's values are the
 * oracle; our key schedule, ticket decoding and binder code must reproduce them exactly.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { storeNewSessionTicket } from "../../src/handshake/client/resumption.js";
import { resolveConfig } from "../../src/handshake/config.js";
import { cipherSuiteByCode } from "../../src/handshake/codec/constants.js";
import { SuiteKdf } from "../../src/handshake/key-schedule.js";
import { decodeOfferedPsks } from "../../src/handshake/codec/psk-extensions.js";
import { computeBinder, truncateClientHello } from "../../src/handshake/resumption/psk.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";
import { construct, item, itemOf, loadSection, step } from "../helpers/rfc8448.js";

const suite = cipherSuiteByCode(0x1301)!;
const s3 = loadSection(3);
const s4 = loadSection(4);
const resumptionMasterSecret = itemOf(s3, "client", 'derive secret "tls13 res master"', "expanded");
const rfcPsk = itemOf(s3, "server", 'generate resumption secret "tls13 resumption"', "expanded");

describe("resumption against RFC 8448", () => {
  it("stores section 3's NewSessionTicket with the RFC's PSK and max_early_data_size", () => {
    const store = new MemorySessionStore();
    const config = resolveConfig({ now: () => new Date(0) });
    const nst = construct(s3, "server", "NewSessionTicket");
    const kdf = new SuiteKdf(pureProvider, suite);
    storeNewSessionTicket(config, store, nst.subarray(4), {
      kdf,
      resumptionMasterSecret,
      serverName: "server",
      alpnProtocol: null,
      serverCertificates: [new Uint8Array([1])],
    });
    const session = store.take("server")!;
    expect(toHex(session.psk)).toBe(toHex(rfcPsk));
    // RFC 8448 §3: lifetime 0x1e (30 s), ticket_age_add 0xfad6aac5, early_data max 0x400.
    expect(session.lifetime).toBe(30);
    expect(session.ticketAgeAdd).toBe(0xfad6aac5);
    expect(session.maxEarlyData).toBe(0x400);
    // Section 4 offers exactly this ticket.
    const offered = decodeOfferedPsks(preSharedKeyOf(completeClientHello()));
    expect(toHex(offered.identities[0].identity)).toBe(toHex(session.ticket));
  });

  it("computes section 4's binder over the truncated ClientHello", () => {
    const clientHello = completeClientHello();
    const binderStep = step(s4, "client", "calculate PSK binder");
    const offered = decodeOfferedPsks(preSharedKeyOf(clientHello));
    const truncated = truncateClientHello(clientHello, offered.binders);
    expect(toHex(truncated)).toBe(toHex(item(binderStep, "ClientHello prefix")));
    const binder = computeBinder(pureProvider, suite, rfcPsk, false, new Uint8Array(0), truncated);
    expect(toHex(binder)).toBe(toHex(item(binderStep, "finished")));
    expect(toHex(offered.binders[0])).toBe(toHex(binder));
  });
});

/** Section 4's ClientHello with its binder: the RFC's "construct" step shows it before the binder is filled in. */
function completeClientHello(): Uint8Array {
  return itemOf(s4, "client", "send handshake record", "payload");
}

/** The pre_shared_key extension (41) of an encoded ClientHello: it is the last one (§4.2.11). */
function preSharedKeyOf(clientHello: Uint8Array): Uint8Array {
  let at = 4 + 2 + 32;
  at += 1 + clientHello[at];
  at += 2 + ((clientHello[at] << 8) | clientHello[at + 1]);
  at += 1 + clientHello[at];
  const end = at + 2 + ((clientHello[at] << 8) | clientHello[at + 1]);
  for (at += 2; at < end; ) {
    const type = (clientHello[at] << 8) | clientHello[at + 1];
    const length = (clientHello[at + 2] << 8) | clientHello[at + 3];
    if (type === 41) return clientHello.subarray(at + 4, at + 4 + length);
    at += 4 + length;
  }
  throw new Error("no pre_shared_key in the ClientHello");
}
