// Negative tests on handshake messages: each mutation is injected into a real handshake between
// our ClientConnection and ServerConnection by the scripted peer (test/helpers/scripted-peer.ts),
// under the sender's real keys, and each test asserts the exact RFC 8446 alert, that the side
// which detected it sent it (once, fatal, read back from the wire) and that the other side
// received it as a remote error.
import { describe, expect, it } from "vitest";
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, TLS12 } from "../../src/handshake/codec/constants.js";
import { decodeServerName, encodeCookie, encodeKeyShareHelloRetry, encodeSupportedVersionsClient, encodeSupportedVersionsServer } from "../../src/handshake/codec/extensions.js";
import { ContentType, HandshakeType, type HandshakeEdit, Tap, exchange } from "../helpers/scripted-peer.js";
import { handshakeMessage } from "../helpers/framing.js";
import {
  body,
  certificateVerifyBeforeCertificate,
  duplicated,
  editCertificate,
  editCertificateRequest,
  editClientHello,
  editEncryptedExtensions,
  editServerHello,
  flipLastByte,
  onType,
  truncateBody,
  withExtension,
  withExtensionData,
  withoutExtension,
} from "./edits.js";
import { expectEditRejected, expectFailure, makePair, runEdited } from "./setup.js";
import { withTestHooks } from "../../src/handshake/config/test-hooks.js";
import type { ServerConfig } from "../../src/index.js";


const hrrPair = () =>
  makePair({ client: { groups: ["x25519", "secp256r1"], keyShareGroups: ["x25519"] }, server: { groups: ["secp256r1"] } });
/** The same, with a server that puts a cookie in its HelloRetryRequest (ours sends none by default). */
const HRR_COOKIE = Uint8Array.of(0xc0, 0x0c, 0x1e, 0x5e);
const hrrCookiePair = () =>
  makePair({
    client: { groups: ["x25519", "secp256r1"], keyShareGroups: ["x25519"] },
    server: withTestHooks<Partial<ServerConfig>>({ groups: ["secp256r1"] }, { helloRetryCookie: () => HRR_COOKIE.slice() }),
  });

describe("§4.2.1 / §4.1.3 versions and the downgrade sentinel", () => {
  it("server: a ClientHello without supported_versions is refused with protocol_version (§4.2.1)", () => {
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, extensions: withoutExtension(ch.extensions, ExtensionType.supported_versions) })), "protocol_version");
  });

  it("server: supported_versions offering only TLS 1.2 and 1.1 gets protocol_version (§4.2.1)", () => {
    const old = encodeSupportedVersionsClient([0x0303, 0x0302]);
    expectEditRejected(
      "client",
      editClientHello((ch) => ({ ...ch, extensions: withExtensionData(ch.extensions, ExtensionType.supported_versions, old) })),
      "protocol_version",
    );
  });

  it("client: a TLS 1.2 ServerHello (no supported_versions) gets protocol_version (§4.2.1)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: withoutExtension(sh.extensions, ExtensionType.supported_versions) })), "protocol_version");
  });

  for (const [name, sentinel] of [["TLS 1.2", DOWNGRADE_TLS12], ["TLS 1.1", DOWNGRADE_TLS11]] as const) {
    it(`client: a ${name} ServerHello whose random ends in the downgrade sentinel gets illegal_parameter (§4.1.3)`, () => {
      expectEditRejected(
        "server",
        editServerHello((sh) => {
          const random = sh.random.slice();
          random.set(sentinel, 24);
          return { ...sh, random, extensions: withoutExtension(sh.extensions, ExtensionType.supported_versions) };
        }),
        "illegal_parameter",
      );
    });
  }

  it("client: supported_versions selecting TLS 1.2 gets illegal_parameter (§4.2.1)", () => {
    const tls12 = encodeSupportedVersionsServer(TLS12);
    expectEditRejected(
      "server",
      editServerHello((sh) => ({ ...sh, extensions: withExtensionData(sh.extensions, ExtensionType.supported_versions, tls12) })),
      "illegal_parameter",
    );
  });
});

describe("§4 truncated handshake messages get decode_error", () => {
  // Each message keeps consistent handshake framing but its body stops short inside a field.
  for (const keep of [0, 1, 20, 34, 40, 80]) {
    it(`server: a ClientHello body cut to ${keep} bytes`, () => {
      expectEditRejected("client", onType(HandshakeType.client_hello, (m) => truncateBody(m, keep)), "decode_error");
    });
  }
  for (const keep of [0, 2, 35, 38, 60]) {
    it(`client: a ServerHello body cut to ${keep} bytes`, () => {
      expectEditRejected("server", onType(HandshakeType.server_hello, (m) => truncateBody(m, keep)), "decode_error");
    });
  }
  const serverFlight: [string, number][] = [
    ["EncryptedExtensions", HandshakeType.encrypted_extensions],
    ["CertificateRequest", HandshakeType.certificate_request],
    ["Certificate", HandshakeType.certificate],
    ["CertificateVerify", HandshakeType.certificate_verify],
    ["Finished", HandshakeType.finished],
  ];
  for (const [name, type] of serverFlight) {
    it(`client: the server's ${name} missing its last byte`, () => {
      expectEditRejected("server", onType(type, (m) => truncateBody(m, body(m).length - 1)), "decode_error");
    });
  }
  const clientFlight: [string, number][] = [
    ["Certificate", HandshakeType.certificate],
    ["CertificateVerify", HandshakeType.certificate_verify],
    ["Finished", HandshakeType.finished],
  ];
  for (const [name, type] of clientFlight) {
    it(`server: the client's ${name} missing its last byte`, () => {
      expectEditRejected("client", onType(type, (m) => truncateBody(m, body(m).length - 1)), "decode_error");
    });
  }
  it("client: a Finished with one byte too many (§4.4.4: verify_data is Hash.length)", () => {
    expectEditRejected("server", onType(HandshakeType.finished, (m) => handshakeMessage(m[0], new Uint8Array([...body(m), 0]))), "decode_error");
  });
});

describe("§4 messages out of order get unexpected_message", () => {
  const drop = (type: number): HandshakeEdit => onType(type, () => []);
  it("client: Certificate where EncryptedExtensions belongs", () => {
    expectEditRejected("server", drop(HandshakeType.encrypted_extensions), "unexpected_message");
  });
  it("client: Finished where CertificateVerify belongs", () => {
    expectEditRejected("server", drop(HandshakeType.certificate_verify), "unexpected_message");
  });
  it("client: CertificateVerify before Certificate", () => {
    expectEditRejected("server", certificateVerifyBeforeCertificate(), "unexpected_message");
  });
  it("client: a second EncryptedExtensions", () => {
    expectEditRejected("server", onType(HandshakeType.encrypted_extensions, (m) => [m, m]), "unexpected_message");
  });
  it("client: a NewSessionTicket before the server's Finished (§4.6.1)", () => {
    const ticket = handshakeMessage(HandshakeType.new_session_ticket, new Uint8Array([0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]));
    expectEditRejected("server", onType(HandshakeType.certificate, (m) => [ticket, m]), "unexpected_message");
  });
  it("server: Finished without the Certificate it requires", () => {
    expectEditRejected("client", (m) => (m[0] === HandshakeType.certificate || m[0] === HandshakeType.certificate_verify ? [] : undefined), "unexpected_message");
  });
  it("server: CertificateVerify before Certificate", () => {
    expectEditRejected("client", certificateVerifyBeforeCertificate(), "unexpected_message");
  });
  it("server: a ServerHello sent by the client", () => {
    expectEditRejected("client", onType(HandshakeType.client_hello, (m) => handshakeMessage(HandshakeType.server_hello, body(m))), "unexpected_message");
  });
  it("server: a second ClientHello without a HelloRetryRequest (§4.1.2)", () => {
    expectEditRejected("client", onType(HandshakeType.finished, (m) => [handshakeMessage(HandshakeType.client_hello, new Uint8Array(40)), m]), "unexpected_message");
  });
  it("server: a KeyUpdate before the handshake completed (§4.6.3)", () => {
    expectEditRejected("client", onType(HandshakeType.finished, (m) => [handshakeMessage(HandshakeType.key_update, new Uint8Array([0])), m]), "unexpected_message");
  });
});

describe("§4.2 duplicate extensions get illegal_parameter", () => {
  it("server: ClientHello with key_share twice", () => {
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, extensions: duplicated(ch.extensions, ExtensionType.key_share) })), "illegal_parameter");
  });
  it("server: ClientHello with an unknown extension twice", () => {
    const unknown = { type: 0x7a7a, data: new Uint8Array([1]) };
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, extensions: [unknown, ...ch.extensions, unknown] })), "illegal_parameter");
  });
  it("client: ServerHello with supported_versions twice", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: duplicated(sh.extensions, ExtensionType.supported_versions) })), "illegal_parameter");
  });
  it("client: EncryptedExtensions with server_name twice", () => {
    expectEditRejected("server", editEncryptedExtensions((e) => duplicated(e, ExtensionType.server_name)), "illegal_parameter");
  });
  it("client: CertificateRequest with signature_algorithms twice", () => {
    expectEditRejected("server", editCertificateRequest((e) => duplicated(e, ExtensionType.signature_algorithms)), "illegal_parameter");
  });
});

describe("§4.2 forbidden extensions", () => {
  const alpnPair = () => makePair({ client: { alpnProtocols: ["h2"] }, server: { alpnProtocols: ["h2"] } });

  it("client: EncryptedExtensions answering an extension we did not offer gets unsupported_extension", () => {
    expectEditRejected("server", editEncryptedExtensions((e) => withExtension(e, { type: ExtensionType.heartbeat, data: new Uint8Array([1]) })), "unsupported_extension");
  });
  it("client: EncryptedExtensions carrying an unknown extension we did not offer gets unsupported_extension", () => {
    expectEditRejected("server", editEncryptedExtensions((e) => withExtension(e, { type: 0x7a7a, data: new Uint8Array(0) })), "unsupported_extension");
  });
  it("client: key_share (offered, but not allowed in EncryptedExtensions) gets illegal_parameter", () => {
    expectEditRejected("server", editEncryptedExtensions((e) => withExtension(e, { type: ExtensionType.key_share, data: new Uint8Array([0, 0x1d, 0, 1, 9]) })), "illegal_parameter");
  });
  it("client: a ClientHello-only extension (psk_key_exchange_modes) in EncryptedExtensions gets illegal_parameter", () => {
    expectEditRejected("server", editEncryptedExtensions((e) => withExtension(e, { type: ExtensionType.psk_key_exchange_modes, data: new Uint8Array([1, 1]) })), "illegal_parameter");
  });
  it("client: ALPN (offered, but not allowed in ServerHello) gets illegal_parameter", () => {
    const alpn = new Uint8Array([0, 3, 2, 0x68, 0x32]);
    expectEditRejected(
      "server",
      editServerHello((sh) => ({ ...sh, extensions: withExtension(sh.extensions, { type: ExtensionType.application_layer_protocol_negotiation, data: alpn }) })),
      "illegal_parameter",
      alpnPair(),
    );
  });
  it("client: an unknown extension in ServerHello gets unsupported_extension", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: withExtension(sh.extensions, { type: 0x7a7a, data: new Uint8Array(0) }) })), "unsupported_extension");
  });
  it("client: a CertificateRequest carrying key_share gets illegal_parameter", () => {
    expectEditRejected("server", editCertificateRequest((e) => withExtension(e, { type: ExtensionType.key_share, data: new Uint8Array([0, 0x1d]) })), "illegal_parameter");
  });
  it("client: the server's CertificateEntry answering an extension we did not offer gets unsupported_extension (§4.4.2)", () => {
    expectEditRejected(
      "server",
      editCertificate((c) => ({ ...c, certificateList: c.certificateList.map((e, i) => (i === 0 ? { ...e, extensions: [{ type: ExtensionType.status_request, data: new Uint8Array([1, 0, 0, 0]) }] } : e)) })),
      "unsupported_extension",
    );
  });
  it("server: oid_filters (CertificateRequest only) in a ClientHello gets illegal_parameter", () => {
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, extensions: withExtension(ch.extensions, { type: ExtensionType.oid_filters, data: new Uint8Array([0, 0]) }) })), "illegal_parameter");
  });
  it("server: the client's CertificateEntry answering an extension our CertificateRequest lacks gets unsupported_extension (§4.4.2)", () => {
    expectEditRejected(
      "client",
      editCertificate((c) => ({ ...c, certificateList: c.certificateList.map((e, i) => (i === 0 ? { ...e, extensions: [{ type: ExtensionType.status_request, data: new Uint8Array([1, 0, 0, 0]) }] } : e)) })),
      "unsupported_extension",
    );
  });
});

describe("§4.4.3 / §4.4.4 authentication failures get decrypt_error", () => {
  for (const sender of ["server", "client"] as const) {
    const receiver = sender === "server" ? "client" : "server";
    it(`${receiver}: a Finished with one bit flipped (§4.4.4)`, () => {
      expectEditRejected(sender, onType(HandshakeType.finished, flipLastByte), "decrypt_error");
    });
    it(`${receiver}: a CertificateVerify whose signature has one bit flipped (§4.4.3)`, () => {
      expectEditRejected(sender, onType(HandshakeType.certificate_verify, flipLastByte), "decrypt_error");
    });
  }
  it("server: a CertificateVerify replayed from the server (wrong context string, §4.4.3)", () => {
    // The client's certificate is also P-256, so the server's signature has the right form but was
    // made over "TLS 1.3, server CertificateVerify" and a different transcript, by another key.
    let serverCv: Uint8Array | null = null;
    const p = makePair();
    const fromServer = new Tap("server", p.serverLog, p.suite);
    const fromClient = new Tap("client", p.clientLog, p.suite);
    const x = exchange(p.client, p.server, {
      toClient: (b) => fromServer.rewrite(b, (m) => void (m[0] === HandshakeType.certificate_verify && (serverCv = m.slice()))),
      toServer: (b) => fromClient.rewrite(b, onType(HandshakeType.certificate_verify, () => serverCv!)),
    });
    expectFailure(p, x, "server", "decrypt_error");
  });
});

describe("§4.1.3 / §4.3.2 / §4.4.2 values the receiver must refuse", () => {
  it("client: ServerHello selecting a cipher suite we did not offer gets illegal_parameter (§4.1.3)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, cipherSuite: 0x1302 })), "illegal_parameter");
  });
  it("client: ServerHello with a legacy_session_id_echo that is not ours gets illegal_parameter (§4.1.3)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacySessionIdEcho: new Uint8Array(32).fill(7) })), "illegal_parameter");
  });
  it("client: ServerHello with compression method 1 gets illegal_parameter (§4.1.3)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacyCompressionMethod: 1 })), "illegal_parameter");
  });
  it("client: ServerHello key_share for a group we sent no share for gets illegal_parameter (§4.2.8)", () => {
    expectEditRejected(
      "server",
      editServerHello((sh) => ({
        ...sh,
        extensions: sh.extensions.map((e) => (e.type === ExtensionType.key_share ? { ...e, data: new Uint8Array([0, 0x17, ...e.data.subarray(2)]) } : e)),
      })),
      "illegal_parameter",
    );
  });
  it("client: ServerHello without key_share gets missing_extension (§9.2)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: withoutExtension(sh.extensions, ExtensionType.key_share) })), "missing_extension");
  });
  it("client: an empty server Certificate gets decode_error (§4.4.2.4)", () => {
    expectEditRejected("server", editCertificate((c) => ({ ...c, certificateList: [] })), "decode_error");
  });
  it("client: a server Certificate with a certificate_request_context gets illegal_parameter (§4.4.2)", () => {
    expectEditRejected("server", editCertificate((c) => ({ ...c, certificateRequestContext: new Uint8Array([1]) })), "illegal_parameter");
  });
  it("client: a CertificateRequest with a context during the handshake gets illegal_parameter (§4.3.2)", () => {
    expectEditRejected(
      "server",
      onType(HandshakeType.certificate_request, (m) => handshakeMessage(m[0], new Uint8Array([1, 9, ...body(m).subarray(1)]))),
      "illegal_parameter",
    );
  });
  it("client: a CertificateRequest without signature_algorithms gets missing_extension (§4.3.2)", () => {
    expectEditRejected("server", editCertificateRequest((e) => withoutExtension(e, ExtensionType.signature_algorithms)), "missing_extension");
  });
  it("server: an empty client Certificate when one is required gets certificate_required (§4.4.2.4)", () => {
    expectEditRejected(
      "client",
      (m) => {
        if (m[0] === HandshakeType.certificate_verify) return [];
        if (m[0] === HandshakeType.certificate) return [handshakeMessage(HandshakeType.certificate, new Uint8Array([0, 0, 0, 0]))];
        return undefined;
      },
      "certificate_required",
    );
  });
  it("server: a client Certificate with a context it was not given gets illegal_parameter (§4.4.2)", () => {
    expectEditRejected("client", editCertificate((c) => ({ ...c, certificateRequestContext: new Uint8Array([1]) })), "illegal_parameter");
  });
  it("server: a ClientHello offering compression gets illegal_parameter (§4.1.2)", () => {
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, legacyCompressionMethods: new Uint8Array([1, 0]) })), "illegal_parameter");
  });
});

describe("§4.1.4 HelloRetryRequest", () => {
  it("the unmodified HelloRetryRequest round trip succeeds (so the mutations below are what fails)", () => {
    const p = hrrPair();
    const x = exchange(p.client, p.server);
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect(p.client.handshake?.helloRetry).toBe(true);
  });
  const hrrGroup = (code: number) =>
    editServerHello((sh) => ({ ...sh, extensions: withExtensionData(sh.extensions, ExtensionType.key_share, encodeKeyShareHelloRetry(code)) }));
  it("client: HelloRetryRequest selecting a group we did not offer (secp384r1) gets illegal_parameter (§4.2.8)", () => {
    expectEditRejected("server", hrrGroup(0x0018), "illegal_parameter", hrrPair());
  });
  it("client: HelloRetryRequest selecting an unknown group gets illegal_parameter (§4.2.8)", () => {
    expectEditRejected("server", hrrGroup(0x7a7a), "illegal_parameter", hrrPair());
  });
  it("client: HelloRetryRequest selecting the group we already sent a share for gets illegal_parameter (§4.2.8)", () => {
    expectEditRejected("server", hrrGroup(0x001d), "illegal_parameter", hrrPair());
  });
  it("client: a second HelloRetryRequest gets unexpected_message (§4.1.4)", () => {
    let first: Uint8Array | null = null;
    expectEditRejected(
      "server",
      onType(HandshakeType.server_hello, (m) => {
        if (first === null) first = m.slice();
        return first;
      }),
      "unexpected_message",
      hrrPair(),
    );
  });
  it("client: a HelloRetryRequest that would not change the ClientHello gets illegal_parameter (§4.1.4)", () => {
    expectEditRejected(
      "server",
      editServerHello((sh) => ({ ...sh, extensions: sh.extensions.filter((e) => e.type === ExtensionType.supported_versions) })),
      "illegal_parameter",
      hrrPair(),
    );
  });
  it("server: the HelloRetryRequest carries no cookie, and the second ClientHello none (§4.2.2: optional; the server keeps its state)", () => {
    const p = hrrPair();
    const serverHellos: number[][] = [];
    const clientHellos: number[][] = [];
    const tapServer = editServerHello((sh) => (serverHellos.push(sh.extensions.map((e) => e.type)), sh));
    const x = runEdited(p, "server", tapServer);
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect(serverHellos).toHaveLength(2); // the HelloRetryRequest, then the ServerHello
    expect(serverHellos[0]).toContain(ExtensionType.key_share);
    expect(serverHellos[0]).not.toContain(ExtensionType.cookie);
    const q = hrrPair();
    const y = runEdited(q, "client", editClientHello((ch) => (clientHellos.push(ch.extensions.map((e) => e.type)), ch)));
    expect([y.clientError, y.serverError]).toEqual([null, null]);
    expect(clientHellos).toHaveLength(2);
    expect(clientHellos[1]).not.toContain(ExtensionType.cookie);
  });
  it("server: a second ClientHello with a cookie the HelloRetryRequest did not send gets illegal_parameter (§4.1.2)", () => {
    let n = 0;
    expectEditRejected(
      "client",
      editClientHello((ch) => (n++ === 0 ? ch : { ...ch, extensions: withExtension(ch.extensions, { type: ExtensionType.cookie, data: encodeCookie(HRR_COOKIE) }) })),
      "illegal_parameter",
      hrrPair(),
    );
  });
  it("client and server: a HelloRetryRequest cookie is echoed, and the handshake completes (§4.2.2)", () => {
    const p = hrrCookiePair();
    const cookies: (Uint8Array | undefined)[] = [];
    const x = runEdited(p, "client", editClientHello((ch) => (cookies.push(ch.extensions.find((e) => e.type === ExtensionType.cookie)?.data), ch)));
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect(cookies[0]).toBeUndefined();
    expect(cookies[1]).toEqual(encodeCookie(HRR_COOKIE));
  });
  it("server: a second ClientHello that drops the cookie gets illegal_parameter (§4.2.2)", () => {
    let n = 0;
    expectEditRejected(
      "client",
      editClientHello((ch) => (n++ === 0 ? ch : { ...ch, extensions: withoutExtension(ch.extensions, ExtensionType.cookie) })),
      "illegal_parameter",
      hrrCookiePair(),
    );
  });
  it("server: a second ClientHello that changes the cookie gets illegal_parameter (§4.2.2)", () => {
    let n = 0;
    const changed = Uint8Array.of(...HRR_COOKIE.subarray(0, -1), HRR_COOKIE[HRR_COOKIE.length - 1] ^ 1);
    expectEditRejected(
      "client",
      editClientHello((ch) => (n++ === 0 ? ch : { ...ch, extensions: withExtensionData(ch.extensions, ExtensionType.cookie, encodeCookie(changed)) })),
      "illegal_parameter",
      hrrCookiePair(),
    );
  });
  it("server: a second ClientHello with the share still for the wrong group gets illegal_parameter (§4.2.8)", () => {
    let first: Uint8Array | null = null;
    expectEditRejected(
      "client",
      editClientHello((ch) => {
        if (first === null) {
          first = ch.extensions.find((e) => e.type === ExtensionType.key_share)!.data.slice();
          return ch;
        }
        return { ...ch, extensions: withExtensionData(ch.extensions, ExtensionType.key_share, first) };
      }),
      "illegal_parameter",
      hrrPair(),
    );
  });
});

it("ContentType values match RFC 8446 §B.1 (helper sanity)", () => {
  expect(ContentType).toEqual({ change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 });
});

describe("RFC 8773 tls_cert_with_extern_psk", () => {
  const KEY = new Uint8Array(32).fill(0x5a);
  const combined = { identity: "gateway-7", key: KEY, withCertificates: true } as const;
  const pskPair = (client: { withCertificates: boolean }, server: { withCertificates: boolean }) =>
    makePair({
      client: { externalPsk: { identity: "gateway-7", key: KEY, ...client } },
      server: { externalPsks: [{ identity: "gateway-7", key: KEY, ...server }] },
    });
  const EXT = ExtensionType.tls_cert_with_extern_psk;

  it("client: a ServerHello stripped of the extension it asked for gets handshake_failure", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: withoutExtension(sh.extensions, EXT) })), "handshake_failure", pskPair(combined, combined));
  });
  it("client: the extension in a ServerHello when we did not ask gets unsupported_extension", () => {
    const plain = { withCertificates: false };
    expectEditRejected(
      "server",
      editServerHello((sh) => ({ ...sh, extensions: withExtension(sh.extensions, { type: EXT, data: new Uint8Array(0) }) })),
      "unsupported_extension",
      pskPair(plain, plain),
    );
  });
  it("client: a non-empty extension in ServerHello gets decode_error", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: withExtensionData(sh.extensions, EXT, new Uint8Array([0])) })), "decode_error", pskPair(combined, combined));
  });
  it("client: the extension without pre_shared_key in ServerHello gets missing_extension", () => {
    expectEditRejected(
      "server",
      editServerHello((sh) => ({ ...sh, extensions: withoutExtension(sh.extensions, ExtensionType.pre_shared_key) })),
      "missing_extension",
      pskPair(combined, combined),
    );
  });
  it("server: a non-empty extension in the ClientHello gets decode_error", () => {
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, extensions: withExtensionData(ch.extensions, EXT, new Uint8Array([1])) })), "decode_error", pskPair(combined, combined));
  });
  it("a network attacker who strips the request from the ClientHello is caught: the server falls back to certificates and the client refuses (handshake_failure)", () => {
    const pair = pskPair(combined, combined);
    const x = runEdited(pair, "client", editClientHello((ch) => ({ ...ch, extensions: withoutExtension(ch.extensions, EXT) })));
    expectFailure(pair, x, "client", "handshake_failure");
  });
});

describe("RFC 6066 §3 server_name: a HostName is an ASCII DNS name without a trailing dot", () => {
  /** A server_name extension carrying exactly these host_name bytes. */
  const sni = (...bytes: number[]): Uint8Array => {
    const n = bytes.length;
    return Uint8Array.of(0, n + 3, 0, n >> 8, n & 0xff, ...bytes);
  };
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
  const withSni = (data: Uint8Array) =>
    editClientHello((ch) => ({ ...ch, extensions: withExtensionData(ch.extensions, ExtensionType.server_name, data) }));
  // With tickets on, the server name is written into each ticket: a non-ASCII byte once ended there in internal_error.
  const ticketPair = () => makePair({ server: { tickets: 1 } });

  const refused: [string, number[]][] = [
    ["CR LF inside", [...ascii("local"), 0x0d, 0x0a, ...ascii("host")]],
    ["a non-ASCII byte", [...ascii("caf"), 0xc3, 0xa9, ...ascii(".example")]],
    ["a NUL byte", [...ascii("localhost"), 0x00, ...ascii(".evil")]],
    ["a space", ascii("local host")],
    ["a trailing dot", ascii("localhost.")],
    ["an empty label", ascii("a..example")],
  ];
  for (const [what, bytes] of refused) {
    it(`server: a host_name with ${what} gets illegal_parameter`, () => {
      const pair = ticketPair();
      expectEditRejected("client", withSni(sni(...bytes)), "illegal_parameter", pair);
      expect(pair.server.handshake).toBeNull();
    });
  }

  // A ClientHello edited in transit cannot complete (the transcripts differ), so the names the
  // server keeps are checked on the decoder the server uses.
  it("server: an IP literal host_name is ignored, as if no name had been sent; a DNS name is kept, lower-cased", () => {
    expect(decodeServerName(sni(...ascii("127.0.0.1")))).toBeNull();
    expect(decodeServerName(sni(...ascii("::1")))).toBeNull();
    expect(decodeServerName(sni(...ascii("LocalHost")))).toBe("localhost");
    expect(decodeServerName(sni(...ascii("_srv.xn--caf-dma.example")))).toBe("_srv.xn--caf-dma.example");
  });

  it("server: a real client's ClientHello with serverName completes and reports the name", () => {
    const pair = makePair({ client: { serverName: "LOCALHOST." } });
    const x = exchange(pair.client, pair.server);
    expect(x.serverError).toBeNull();
    expect(x.clientError).toBeNull();
    expect(pair.server.handshake?.serverName).toBe("localhost");
  });
});
