/**
 * Every handshake decoder (src/handshake/codec/messages.ts, extensions.ts) fed mutations of the real
 * messages of a captured handshake, and plain noise: it either returns or throws a TLSError whose
 * alert RFC 8446 allows for a malformed structure (decode_error, or illegal_parameter for §4.2
 * duplicates and the like). Never a RangeError, TypeError or a silent over-read.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Reader } from "../../src/bytes/index.js";
import { TLSError } from "../../src/index.js";
import * as ext from "../../src/handshake/codec/extensions.js";
import * as msg from "../../src/handshake/codec/messages.js";
import { HandshakeType } from "../helpers/scripted-peer.js";
import { mutated, params } from "./arbitraries.js";
import { golden } from "./golden.js";

const DECODE_ALERTS = new Set(["decode_error", "illegal_parameter"]);

/** Runs `decode`; anything thrown must be a TLSError with a decoder's alert. */
function decodesOrRefuses(decode: () => unknown): void {
  try {
    decode();
  } catch (e) {
    if (!(e instanceof TLSError)) throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} instead of a TLSError`);
    expect(DECODE_ALERTS.has(e.alertName), `${e.alertName}: ${e.message}`).toBe(true);
    expect(e.origin).toBe("local");
  }
}

const g = golden();
const all = [...g.clientMessages, ...g.serverMessages];
const bodiesOf = (type: number) => all.filter((m) => m[0] === type).map((m) => m.slice(4));
const extensionsOf = (type: number): { type: number; data: Uint8Array }[] => {
  const out: { type: number; data: Uint8Array }[] = [];
  for (const body of bodiesOf(type)) {
    if (type === HandshakeType.client_hello) out.push(...msg.decodeClientHello(body).extensions);
    if (type === HandshakeType.server_hello) out.push(...msg.decodeServerHello(body).extensions);
    if (type === HandshakeType.encrypted_extensions) out.push(...msg.decodeEncryptedExtensions(body));
    if (type === HandshakeType.certificate_request) out.push(...msg.decodeCertificateRequest(body).extensions);
  }
  return out;
};
const extData = [
  ...extensionsOf(HandshakeType.client_hello),
  ...extensionsOf(HandshakeType.server_hello),
  ...extensionsOf(HandshakeType.encrypted_extensions),
  ...extensionsOf(HandshakeType.certificate_request),
];
const dataOf = (type: number) => {
  const found = extData.filter((e) => e.type === type).map((e) => e.data.slice());
  if (found.length === 0) throw new Error(`the golden handshake has no extension ${type}`);
  return found;
};

describe("handshake message decoders only throw TLSError (§4)", () => {
  const cases: [string, number, (body: Uint8Array) => unknown][] = [
    ["ClientHello", HandshakeType.client_hello, msg.decodeClientHello],
    ["ServerHello", HandshakeType.server_hello, msg.decodeServerHello],
    ["EncryptedExtensions", HandshakeType.encrypted_extensions, msg.decodeEncryptedExtensions],
    ["CertificateRequest", HandshakeType.certificate_request, msg.decodeCertificateRequest],
    ["Certificate", HandshakeType.certificate, msg.decodeCertificate],
    ["CertificateVerify", HandshakeType.certificate_verify, msg.decodeCertificateVerify],
    ["Finished", HandshakeType.finished, (b) => msg.decodeFinished(b, 32)],
  ];
  for (const [name, type, decode] of cases) {
    it(name, () => {
      const seeds = bodiesOf(type);
      expect(seeds.length).toBeGreaterThan(0);
      // The seeds themselves decode: the property starts from valid input.
      for (const s of seeds) expect(() => decode(s)).not.toThrow();
      fc.assert(fc.property(mutated(seeds), (body) => decodesOrRefuses(() => decode(body))), params(400));
    });
  }
  it("NewSessionTicket and KeyUpdate (§4.6)", () => {
    const ticket = new Uint8Array([0, 0, 0x0e, 0x10, 1, 2, 3, 4, 2, 9, 9, 0, 3, 7, 7, 7, 0, 4, 0, 42, 0, 0]);
    expect(() => msg.decodeNewSessionTicket(ticket)).not.toThrow();
    fc.assert(fc.property(mutated([ticket]), (b) => decodesOrRefuses(() => msg.decodeNewSessionTicket(b))), params(300));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4 }), (b) => decodesOrRefuses(() => msg.decodeKeyUpdate(b))), params(100));
  });
});

describe("extension decoders only throw TLSError (§4.2)", () => {
  const cases: [string, number, (data: Uint8Array) => unknown][] = [
    ["supported_versions (client)", 43, ext.decodeSupportedVersionsClient],
    ["supported_groups", 10, (d) => ext.decodeU16List(d, "supported_groups")],
    ["signature_algorithms", 13, (d) => ext.decodeU16List(d, "signature_algorithms")],
    ["key_share (client)", 51, ext.decodeKeyShareClient],
    ["server_name", 0, ext.decodeServerName],
    ["application_layer_protocol_negotiation", 16, ext.decodeAlpn],
    ["certificate_authorities", 47, ext.decodeCertificateAuthorities],
  ];
  for (const [name, type, decode] of cases) {
    it(name, () => {
      const seeds = dataOf(type);
      fc.assert(fc.property(mutated(seeds), (d) => decodesOrRefuses(() => decode(d))), params(300));
    });
  }
  it("server-side forms: supported_versions, key_share, HelloRetryRequest key_share, cookie", () => {
    const seeds = [new Uint8Array([3, 4]), new Uint8Array([0, 0x1d, 0, 4, 1, 2, 3, 4]), new Uint8Array([0, 0x17]), new Uint8Array([0, 3, 1, 2, 3])];
    fc.assert(
      fc.property(mutated(seeds), (d) => {
        decodesOrRefuses(() => ext.decodeSupportedVersionsServer(d));
        decodesOrRefuses(() => ext.decodeKeyShareServer(d));
        decodesOrRefuses(() => ext.decodeKeyShareHelloRetry(d));
        decodesOrRefuses(() => ext.decodeCookie(d));
      }),
      params(300),
    );
  });
  it("extension blocks (readExtensions) and the §4.2 placement check", () => {
    const blocks = bodiesOf(HandshakeType.encrypted_extensions);
    const contexts = ["client_hello", "server_hello", "hello_retry_request", "encrypted_extensions", "certificate_request", "certificate", "new_session_ticket"] as const;
    fc.assert(
      fc.property(mutated(blocks), fc.constantFrom(...contexts), (b, context) =>
        decodesOrRefuses(() => {
          const r = new Reader(b, "extensions");
          const list = ext.readExtensions(r, "test");
          try {
            ext.checkExtensionsAllowed(context, list, new Set([0, 10, 16]), "test");
          } catch (e) {
            // Placement failures have their own two alerts (§4.2).
            if (!(e instanceof TLSError) || !["illegal_parameter", "unsupported_extension"].includes(e.alertName)) throw e;
          }
        }),
      ),
      params(300),
    );
  });
});
