// Reading handshake messages into typed extension fields (received-messages.ts), checked against
// the values RFC 8448's traces carry, and RFC 8446 §4.2's placement table applied at decode time.
import { describe, expect, it } from "vitest";
import { TLSError } from "../../../src/bytes/index.js";
import { ExtensionType } from "../../../src/handshake/codec/constants.js";
import type { Extension } from "../../../src/handshake/codec/extensions.js";
import {
  readCertificateRequest,
  readClientHello,
  readEncryptedExtensions,
  readNewSessionTicket,
  readServerHello,
} from "../../../src/handshake/codec/received-messages.js";
import { construct, itemOf, loadSection, messageExtensions, withExtensions } from "../../helpers/rfc8448.js";

const body = (message: Uint8Array): Uint8Array => message.subarray(4);
const s3 = loadSection(3);
const clientHello = construct(s3, "client", "ClientHello");
/** §4's ClientHello as sent, binder included (the "construct" step shows it without the binders). */
const resumedClientHello = itemOf(loadSection(4), "client", "send handshake record", "payload");
const offered = new Set(messageExtensions(clientHello).map((e) => e.type));

function alertOf(read: () => unknown): string {
  try {
    read();
  } catch (e) {
    if (e instanceof TLSError) return e.alertName;
    throw e;
  }
  return "none";
}

describe("RFC 8448 messages read into typed fields", () => {
  it("§3 ClientHello", () => {
    const hello = readClientHello(body(clientHello));
    const ext = hello.extensions;
    expect(ext.serverName).toBe("server");
    expect(ext.supportedVersions).toEqual([0x0304]);
    // x25519, secp256r1, secp384r1, secp521r1, ffdhe2048..8192
    expect(ext.supportedGroups).toEqual([0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104]);
    expect(ext.keyShares?.map((k) => [k.group, k.keyExchange.length])).toEqual([[0x1d, 32]]);
    expect(ext.signatureAlgorithms?.length).toBe(15);
    expect(ext.signatureAlgorithms?.slice(0, 3)).toEqual([0x0403, 0x0503, 0x0603]);
    expect(ext.pskKeyExchangeModes).toEqual([1]);
    expect(ext.recordSizeLimit).toBe(0x4001);
    expect(ext.preSharedKey).toBeUndefined();
    expect(ext.earlyData).toBe(false);
    expect(ext.postHandshakeAuth).toBe(false);
  });

  it("§4 ClientHello: early_data and one PSK identity with its binder", () => {
    const ext = readClientHello(body(resumedClientHello)).extensions;
    expect(ext.earlyData).toBe(true);
    expect(ext.preSharedKey?.identities.length).toBe(1);
    expect(ext.preSharedKey?.binders.map((b) => b.length)).toEqual([32]);
  });

  it("§3 ServerHello and §5 HelloRetryRequest", () => {
    const hello = readServerHello(body(construct(s3, "server", "ServerHello")), offered);
    expect(hello.kind).toBe("ServerHello");
    expect(hello.selectedVersion).toBe(0x0304);
    if (hello.kind !== "ServerHello") return;
    expect(hello.extensions.keyShare?.group).toBe(0x1d);
    expect(hello.extensions.selectedIdentity).toBeUndefined();

    const s5 = loadSection(5);
    const sent = new Set(messageExtensions(construct(s5, "client", "ClientHello")).map((e) => e.type));
    const retry = readServerHello(body(construct(s5, "server", "ServerHello", 0)), sent);
    expect(retry.kind).toBe("HelloRetryRequest");
    if (retry.kind !== "HelloRetryRequest") return;
    expect(retry.extensions.selectedGroup).toBe(0x17);
    expect(retry.extensions.cookie?.length).toBe(0x72);
  });

  it("§3 EncryptedExtensions, §6 CertificateRequest, §3 NewSessionTicket", () => {
    const ee = readEncryptedExtensions(body(construct(s3, "server", "EncryptedExtensions")), offered);
    expect(ee).toEqual({ earlyData: false, alpnProtocols: undefined, recordSizeLimit: 0x4001 });
    const cr = readCertificateRequest(body(construct(loadSection(6), "server", "CertificateRequest")));
    expect(cr.certificateRequestContext.length).toBe(0);
    expect(cr.extensions.signatureAlgorithms.length).toBe(15);
    expect(cr.extensions.certificateAuthorities).toBeUndefined();
    const ticket = readNewSessionTicket(body(construct(s3, "server", "NewSessionTicket")));
    expect(ticket.extensions.maxEarlyDataSize).toBe(0x400);
  });
});

describe("RFC 8446 §4.2: which extension may appear where, decided as the message is read", () => {
  const ee = construct(s3, "server", "EncryptedExtensions");
  const eeWith = (extra: Extension): Uint8Array => body(withExtensions(ee, [...messageExtensions(ee), extra]));

  it("an extension of another message is illegal_parameter", () => {
    expect(alertOf(() => readEncryptedExtensions(eeWith({ type: ExtensionType.key_share, data: new Uint8Array([0, 0x1d, 0, 0]) }), offered))).toBe(
      "illegal_parameter",
    );
    const hello = withExtensions(clientHello, [{ type: ExtensionType.oid_filters, data: new Uint8Array([0, 0]) }, ...messageExtensions(clientHello)]);
    expect(alertOf(() => readClientHello(body(hello)))).toBe("illegal_parameter");
  });

  it("a response's extension we did not offer is unsupported_extension", () => {
    const alpn = { type: ExtensionType.application_layer_protocol_negotiation, data: new Uint8Array([0, 3, 2, 0x68, 0x32]) };
    expect(offered.has(alpn.type)).toBe(false);
    expect(alertOf(() => readEncryptedExtensions(eeWith(alpn), offered))).toBe("unsupported_extension");
    expect(alertOf(() => readEncryptedExtensions(eeWith(alpn), new Set([...offered, alpn.type])))).toBe("none");
  });

  it("a duplicate is illegal_parameter; a malformed value decode_error", () => {
    const exts = messageExtensions(ee);
    expect(alertOf(() => readEncryptedExtensions(body(withExtensions(ee, [...exts, exts[0]])), offered))).toBe("illegal_parameter");
    const bad = exts.map((e) => (e.type === ExtensionType.record_size_limit ? { ...e, data: new Uint8Array([0x40]) } : e));
    expect(alertOf(() => readEncryptedExtensions(body(withExtensions(ee, bad)), offered))).toBe("decode_error");
  });

  it("a ClientHello's unknown extensions (GREASE) are ignored", () => {
    const hello = withExtensions(clientHello, [{ type: 0x0a0a, data: new Uint8Array([1]) }, ...messageExtensions(clientHello)]);
    expect(readClientHello(body(hello)).extensions.serverName).toBe("server");
  });

  it("pre_shared_key not last in a ClientHello is illegal_parameter (§4.2.11)", () => {
    const resumed = resumedClientHello;
    const exts = messageExtensions(resumed);
    const reordered = [exts[exts.length - 1], ...exts.slice(0, -1)];
    expect(alertOf(() => readClientHello(body(withExtensions(resumed, reordered))))).toBe("illegal_parameter");
  });

  it("a CertificateRequest without signature_algorithms is missing_extension (§4.3.2)", () => {
    const cr = construct(loadSection(6), "server", "CertificateRequest");
    const only = [{ type: ExtensionType.certificate_authorities, data: new Uint8Array([0, 5, 0, 3, 0x30, 0x01, 0x00]) }];
    expect(alertOf(() => readCertificateRequest(body(withExtensions(cr, only))))).toBe("missing_extension");
  });
});
