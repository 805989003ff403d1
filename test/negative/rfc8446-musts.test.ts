// RFC 8446 MUSTs on the wire that an outside conformance suite found missing, and
// their siblings: each test sends exactly the offending ClientHello, ServerHello or record
// through the scripted peer and asserts the alert the RFC prescribes, sent once, on the wire.
import { describe, expect, it } from "vitest";
import { ExtensionType, extensionName } from "../../src/handshake/codec/constants.js";
import type { Extension } from "../../src/handshake/codec/extensions.js";
import type { ClientHello } from "../../src/handshake/codec/messages.js";
import { decodeClientHello, decodeServerHello } from "../../src/handshake/codec/messages.js";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { MemorySessionStore } from "../../src/handshake/resumption/session-store.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { ContentType, HandshakeType, KeyLog, Tap, exchange } from "../helpers/scripted-peer.js";
import { concat, handshakeMessage, plaintextRecord, splitHandshakes, splitRecords } from "../helpers/framing.js";
import { body, editCertificateRequest, editClientHello, editServerHello, onType, withExtension, withExtensionData, withoutExtension } from "./edits.js";
import { expectAlertOnWire, expectEditRejected, expectFailure, expectLocal, makePair, makeServer } from "./setup.js";
import { withTestHooks } from "../../src/handshake/config/test-hooks.js";
import type { ClientConfig } from "../../src/handshake/config.js";

// (The same psk_ke-only ClientHello against openssl s_server -allow_no_dhe_kex: test/peers/openssl-resumption-psk.test.ts.)
const hrrPair = () =>
  makePair({ client: { groups: ["x25519", "secp256r1"], keyShareGroups: ["x25519"] }, server: { groups: ["secp256r1"] } });

describe("Appendix D.5: a Hello with legacy_version 0x0300 or less gets protocol_version", () => {
  for (const version of [0x0300, 0x0200, 0x0002, 0x0000]) {
    const hex = `0x${version.toString(16).padStart(4, "0")}`;
    it(`server: ClientHello legacy_version ${hex} (with a supported_versions offering TLS 1.3)`, () => {
      expectEditRejected("client", editClientHello((ch) => ({ ...ch, legacyVersion: version })), "protocol_version");
    });
    it(`client: ServerHello legacy_version ${hex}`, () => {
      expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacyVersion: version })), "protocol_version");
    });
  }
  it("client: HelloRetryRequest legacy_version 0x0300 (§4.1.4 checks it as §4.1.3 says)", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacyVersion: 0x0300 })), "protocol_version", hrrPair());
  });
});

describe("§9.2 / §4.2.9: a psk_ke ClientHello needs no supported_groups or key_share", () => {
  const KEY = new Uint8Array(32).fill(0x3c);
  const PSK = { identity: "sensor-4", key: KEY };
  /** The client's real ClientHello without the (EC)DHE extensions (its binder covers the result). */
  const withoutGroups = (_m: string, exts: Extension[]) =>
    withoutExtension(withoutExtension(exts, ExtensionType.supported_groups), ExtensionType.key_share);
  const pair = (serverModes: ("psk_ke" | "psk_dhe_ke")[], strip: (m: string, e: Extension[]) => Extension[] = withoutGroups) =>
    makePair({
      client: withTestHooks<Partial<ClientConfig>>({ externalPsk: PSK, pskKeyExchangeModes: ["psk_ke"] }, { extensions: strip }),
      server: { externalPsks: [PSK], pskKeyExchangeModes: serverModes, clientAuth: "none" },
    });

  it("completes with the PSK alone when the server enables psk_ke, and the ServerHello carries no key_share", () => {
    const p = pair(["psk_ke"]);
    const x = exchange(p.client, p.server);
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    const hello = (wire: Uint8Array) => splitHandshakes(splitRecords(wire).records[0].subarray(5)).messages[0];
    const clientHello = decodeClientHello(hello(x.clientWire).subarray(4));
    const serverHello = decodeServerHello(hello(x.serverWire).subarray(4));
    const types = (exts: readonly Extension[]) => exts.map((e) => e.type);
    expect(types(clientHello.extensions)).not.toContain(ExtensionType.supported_groups);
    expect(types(clientHello.extensions)).not.toContain(ExtensionType.key_share);
    expect(types(serverHello.extensions)).toEqual([ExtensionType.supported_versions, ExtensionType.pre_shared_key]);
    expect(p.server.handshake!.group).toBe("none (psk_ke)");
    expect(p.client.handshake!.group).toBe("none (psk_ke)");
    expect(p.server.handshake!.pskIdentity).toBe("sensor-4");
  });

  it("gets missing_extension when the server allows only psk_dhe_ke (the PSK cannot key it alone)", () => {
    const p = pair(["psk_dhe_ke"]);
    expectFailure(p, exchange(p.client, p.server), "server", "missing_extension");
  });

  // pre_shared_key and psk_key_exchange_modes are added after the test hook runs: these two are edits on the wire.
  it("gets missing_extension without pre_shared_key (§9.2: then supported_groups and key_share are required)", () => {
    const edit = editClientHello((ch) => ({ ...ch, extensions: withoutExtension(ch.extensions, ExtensionType.pre_shared_key) }));
    expectEditRejected("client", edit, "missing_extension", pair(["psk_ke"]));
  });

  it("server: a ClientHello without pre_shared_key and signature_algorithms gets missing_extension before anything is negotiated (§9.2)", () => {
    // No cipher suite in common either: §9.2's missing_extension comes first, not handshake_failure.
    const edit = editClientHello((ch) => ({ ...ch, cipherSuites: [0x1305], extensions: withoutExtension(ch.extensions, ExtensionType.signature_algorithms) }));
    expectEditRejected("client", edit, "missing_extension");
  });

  it("gets missing_extension with supported_groups but no key_share (§9.2: both or neither)", () => {
    const p = pair(["psk_ke"], (_m, exts) => withoutExtension(exts, ExtensionType.key_share));
    expectFailure(p, exchange(p.client, p.server), "server", "missing_extension");
  });

  it("gets missing_extension with pre_shared_key but no psk_key_exchange_modes (§4.2.9)", () => {
    const edit = editClientHello((ch) => ({ ...ch, extensions: withoutExtension(ch.extensions, ExtensionType.psk_key_exchange_modes) }));
    expectEditRejected("client", edit, "missing_extension", pair(["psk_ke"]));
  });

  it("psk_ke with supported_groups holding no group we support still completes: the group is not needed", () => {
    const onlyUnknownGroup = (_m: string, exts: Extension[]) =>
      exts.map((e) =>
        e.type === ExtensionType.supported_groups ? { ...e, data: new Uint8Array([0, 2, 0x7a, 0x7a]) } : e.type === ExtensionType.key_share ? { ...e, data: new Uint8Array([0, 0]) } : e,
      );
    const p = pair(["psk_ke"], onlyUnknownGroup);
    const x = exchange(p.client, p.server);
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect(p.server.handshake!.group).toBe("none (psk_ke)");
  });
});

describe("§4.2.10: rejected 0-RTT data is skipped only while records fail to open, up to max_early_data_size, and not after a HelloRetryRequest's second ClientHello", () => {
  const MAX = 1024;
  const credential = serverCredential("p256");
  const early = new TextEncoder().encode("GET /index.html"); // 15 bytes of 0-RTT data

  /** A server that grants MAX bytes of 0-RTT, a ticket from it, and a client that sends 0-RTT with it which the server rejects. */
  function rejectingSetup(opts: { retry: boolean }) {
    const log = new KeyLog();
    // ALPN: the ticket is issued without it, the 0-RTT client offers h2, so §4.2.10 makes the server reject the 0-RTT data.
    const sc = {
      certificateChain: credential.certPem,
      privateKey: credential.keyPem,
      tickets: 1,
      maxEarlyData: MAX,
      alpnProtocols: ["h2"],
      keyLog: log.sink,
      ...(opts.retry ? { groups: ["secp256r1" as const] } : {}),
    };
    const store = new MemorySessionStore();
    const first = exchange(new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, sessionStore: store }), new ServerConnection(sc));
    expect([first.clientError, first.serverError]).toEqual([null, null]);
    const client = new ClientConnection({
      serverName: "localhost",
      trustAnchors: CA_PEM,
      sessionStore: store,
      earlyData: early,
      alpnProtocols: ["h2"],
      groups: ["x25519", "secp256r1"],
      keyShareGroups: ["x25519"],
    });
    return { client, server: new ServerConnection(sc), log };
  }

  /** An application_data record of `length` bytes that opens under no key (as garbage or foreign 0-RTT data would). */
  const garbageRecord = (length: number) => {
    const record = new Uint8Array(5 + length).fill(0xa5);
    record.set([ContentType.application_data, 3, 3, length >> 8, length & 0xff]);
    return record;
  };
  /** Appends `records` to the client's `flight`-th output (0: the first ClientHello and its 0-RTT data). */
  const appendTo = (flight: number, records: Uint8Array[]) => {
    let n = 0;
    return (b: Uint8Array) => (n++ === flight ? concat([b, ...records]) : b);
  };
  // A record counts its length less 17 bytes (content type and tag) against max_early_data_size.
  const counted = (payload: number) => garbageRecord(payload + 17);

  it("without a HelloRetryRequest: records that fail to open, within max_early_data_size, are skipped and the handshake completes", () => {
    const { client, server } = rejectingSetup({ retry: false });
    const x = exchange(client, server, { toServer: appendTo(0, [counted(500), counted(MAX - early.length - 500)]) });
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect(client.handshake!.earlyData).toBe("rejected");
  });

  it("without a HelloRetryRequest: one byte past max_early_data_size of records that fail to open is bad_record_mac", () => {
    const { client, server, log } = rejectingSetup({ retry: false });
    const x = exchange(client, server, { toServer: appendTo(0, [counted(500), counted(MAX - early.length - 500 + 1)]) });
    expectLocal(x.serverError, "bad_record_mac");
    expectAlertOnWire("server", log, x.serverWire, "bad_record_mac");
  });

  it("after a HelloRetryRequest: 0-RTT records before the second ClientHello, within max_early_data_size, are skipped", () => {
    const { client, server } = rejectingSetup({ retry: true });
    const x = exchange(client, server, { toServer: appendTo(0, [counted(MAX - early.length)]) });
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect([server.handshake!.helloRetry, client.handshake!.earlyData]).toEqual([true, "rejected"]);
  });

  it("after a HelloRetryRequest: 0-RTT records past max_early_data_size get unexpected_message", () => {
    const { client, server, log } = rejectingSetup({ retry: true });
    const x = exchange(client, server, { toServer: appendTo(0, [counted(MAX - early.length + 1)]) });
    expectLocal(x.serverError, "unexpected_message");
    expectAlertOnWire("server", log, x.serverWire, "unexpected_message");
  });

  it("accepted 0-RTT: a record that fails to open among the early data is bad_record_mac, never skipped", () => {
    const log = new KeyLog();
    const sc = { certificateChain: credential.certPem, privateKey: credential.keyPem, tickets: 1, maxEarlyData: MAX, keyLog: log.sink };
    const store = new MemorySessionStore();
    exchange(new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, sessionStore: store }), new ServerConnection(sc));
    const client = new ClientConnection({ serverName: "localhost", trustAnchors: CA_PEM, sessionStore: store, earlyData: early });
    const server = new ServerConnection(sc);
    const x = exchange(client, server, { toServer: appendTo(0, [counted(40)]) });
    expectLocal(x.serverError, "bad_record_mac");
    expect(server.earlyDataReceived).toBe(early.length);
  });

  it("after a HelloRetryRequest: a record that fails to open after the second ClientHello is bad_record_mac", () => {
    const { client, server, log } = rejectingSetup({ retry: true });
    const x = exchange(client, server, { toServer: appendTo(1, [counted(40)]) });
    expectLocal(x.serverError, "bad_record_mac");
    expectAlertOnWire("server", log, x.serverWire, "bad_record_mac");
  });
});

describe("§4.4.3: an empty CertificateVerify signature (opaque signature<0..2^16-1>) decodes, fails to verify, and gets decrypt_error", () => {
  /** The CertificateVerify with its algorithm kept and a zero-length signature. */
  const emptySignature = onType(HandshakeType.certificate_verify, (m) => handshakeMessage(m[0], new Uint8Array([...body(m).subarray(0, 2), 0, 0])));
  it("client: the server's CertificateVerify", () => {
    expectEditRejected("server", emptySignature, "decrypt_error");
  });
  it("server: the client's CertificateVerify", () => {
    expectEditRejected("client", emptySignature, "decrypt_error");
  });
  it("server: the client's CertificateVerify in post-handshake authentication (§4.6.2)", async () => {
    const p = makePair({ client: { postHandshakeAuth: true }, server: { clientAuth: "none" } });
    const tap = new Tap("client", p.clientLog, p.suite);
    const toServer = (b: Uint8Array) => tap.rewrite(b, emptySignature);
    const handshake = exchange(p.client, p.server, { toServer });
    expect([handshake.clientError, handshake.serverError]).toEqual([null, null]);
    const asked = p.server.requestClientCertificate();
    const x = exchange(p.client, p.server, { toServer });
    await expect(asked).rejects.toMatchObject({ alertName: "decrypt_error" });
    expectLocal(x.serverError, "decrypt_error");
    expectAlertOnWire("server", p.serverLog, concat([handshake.serverWire, x.serverWire]), "decrypt_error");
  });
});

describe("legacy_session_id<0..32> (§4.1.2, §4.1.3): 33 bytes is decode_error", () => {
  it("server: a ClientHello legacy_session_id of 33 bytes", () => {
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, legacySessionId: new Uint8Array(33).fill(1) })), "decode_error");
  });
  it("client: a ServerHello legacy_session_id_echo of 33 bytes", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, legacySessionIdEcho: new Uint8Array(33).fill(1) })), "decode_error");
  });
});

describe("§5.1: legacy_record_version is ignored (plaintext records; encrypted ones authenticate their header)", () => {
  for (const version of [0x0301, 0x0302, 0x0304]) {
    it(`server: the ClientHello's record with version 0x${version.toString(16).padStart(4, "0")} completes the handshake`, () => {
      const p = makePair();
      let first = true;
      const x = exchange(p.client, p.server, {
        toServer: (b) => {
          if (!first) return b;
          first = false;
          const out = b.slice();
          out[1] = version >> 8;
          out[2] = version & 0xff;
          return out;
        },
      });
      expect([x.clientError, x.serverError]).toEqual([null, null]);
    });
  }
});

describe("presentation-language floors (§3.4): below a vector's minimum is decode_error; an allowed empty value is judged by meaning", () => {
  it("client: a CertificateRequest with an empty extensions block (Extension extensions<2..2^16-1>, §4.3.2) gets decode_error", () => {
    expectEditRejected("server", editCertificateRequest(() => []), "decode_error");
  });
  it("server: post_handshake_auth with extension_data (§4.2.6: it is zero length) gets decode_error", () => {
    const phaPair = makePair({ client: { postHandshakeAuth: true } });
    expectEditRejected("client", editClientHello((ch) => ({ ...ch, extensions: withExtensionData(ch.extensions, ExtensionType.post_handshake_auth, new Uint8Array([0])) })), "decode_error", phaPair);
  });
  it("server: early_data with extension_data in a ClientHello (§4.2.10: empty there) gets decode_error", () => {
    expectEditRejected(
      "client",
      editClientHello((ch) => ({ ...ch, extensions: withExtension(withoutExtension(ch.extensions, ExtensionType.early_data), { type: ExtensionType.early_data, data: new Uint8Array([0, 0, 0, 1]) }) })),
      "decode_error",
    );
  });
});

describe("limits that refused legal peers: §9.3 unknown extensions, and the alert §6 gives for a malformed length", () => {
  /** `n` empty extensions of distinct types that no RFC we implement defines (§4.2: each type at most once). */
  const unknownExtensions = (n: number): Extension[] => {
    const out: Extension[] = [];
    for (let type = 0x1000; out.length < n; type++) if (extensionName(type).startsWith("extension_")) out.push({ type, data: new Uint8Array(0) });
    return out;
  };

  it("server: a ClientHello carrying 16,000 unknown extensions (about all that fit in extensions<..2^16-1>) is answered and the handshake completes", () => {
    const extra = unknownExtensions(16000);
    const p = makePair({ client: withTestHooks({}, { extensions: (m, exts) => (m === "client_hello" ? [...extra, ...exts] : exts) }) });
    const x = exchange(p.client, p.server);
    expect([x.clientError, x.serverError]).toEqual([null, null]);
    expect(x.clientWire.length).toBeGreaterThan(64000);
  });

  /** A handshake message header announcing `length` body bytes, followed by only `sent` of them. */
  const announcing = (type: number, length: number, sent = 16) => new Uint8Array([type, length >>> 16, (length >>> 8) & 0xff, length & 0xff, ...new Uint8Array(sent)]);
  for (const sender of ["server", "client"] as const) {
    const receiver = sender === "server" ? "client" : "server";
    it(`${receiver}: a Finished announcing 65,537 bytes (verify_data is Hash.length, §4.4.4) gets decode_error, not the size limit's alert`, () => {
      expectEditRejected(sender, onType(HandshakeType.finished, () => announcing(HandshakeType.finished, 65537)), "decode_error");
    });
    it(`${receiver}: a CertificateVerify announcing 65,540 bytes (2 + 2 + 2^16-1 at most, §4.4.3) gets decode_error`, () => {
      expectEditRejected(sender, onType(HandshakeType.certificate_verify, () => announcing(HandshakeType.certificate_verify, 65540)), "decode_error");
    });
  }
  it("client: a Certificate announcing more than limits.maxHandshakeMessageSize (well-formed, but more than we hold) still gets illegal_parameter", () => {
    expectEditRejected("server", onType(HandshakeType.certificate, () => announcing(HandshakeType.certificate, 65537)), "illegal_parameter");
  });
});

describe("§4.2.11: the client checks the ServerHello's PSK answer", () => {
  const KEY = new Uint8Array(32).fill(0x6e);
  const pskPair = () => makePair({ client: { externalPsk: { identity: "unit-9", key: KEY } }, server: { externalPsks: [{ identity: "unit-9", key: KEY }] } });
  it("client: a PSK accepted without the key_share our psk_dhe_ke requires gets illegal_parameter", () => {
    expectEditRejected("server", editServerHello((sh) => ({ ...sh, extensions: withoutExtension(sh.extensions, ExtensionType.key_share) })), "illegal_parameter", pskPair());
  });
  it("client: a selected_identity outside the identities we offered gets illegal_parameter", () => {
    expectEditRejected(
      "server",
      editServerHello((sh) => ({ ...sh, extensions: withExtensionData(sh.extensions, ExtensionType.pre_shared_key, new Uint8Array([0, 1])) })),
      "illegal_parameter",
      pskPair(),
    );
  });
});

describe("§5: an unknown record type is unexpected_message as soon as its header arrives", () => {
  it("server: an SSL 2.0-format CLIENT-HELLO (Appendix D.5) is refused at once, not awaited as a 769-byte record", () => {
    // RFC 5246 Appendix E.2: msg_length with the high bit set, CLIENT-HELLO (1), version 3.1, then
    // cipher_spec_length 3, session_id_length 0, challenge_length 32, one cipher kind, a challenge.
    const hello = new Uint8Array([0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x2f, ...new Uint8Array(32).fill(7)]);
    const { server, log } = makeServer();
    let error: unknown = null;
    try {
      server.receive(hello);
    } catch (e) {
      error = e;
    }
    expectLocal(error, "unexpected_message");
    expect((error as Error).message).toMatch(/SSL 2\.0/);
    expectAlertOnWire("server", log, server.takeOutput()!, "unexpected_message");
  });
  it("client: a server answering in plain HTTP is refused at once with a message that says so", () => {
    const { client } = makePair();
    client.takeOutput();
    let error: unknown = null;
    try {
      client.receive(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n"));
    } catch (e) {
      error = e;
    }
    expectLocal(error, "unexpected_message");
    expect((error as Error).message).toMatch(/does not speak TLS/);
  });
});

describe("§4: a handshake message the state does not expect is unexpected_message from its type byte", () => {
  for (const [name, type] of [["Finished", HandshakeType.finished], ["Certificate", HandshakeType.certificate]] as const) {
    it(`server: a ${name} announcing 100,000 bytes in place of the ClientHello gets unexpected_message, not a length alert`, () => {
      const { server, log } = makeServer();
      let error: unknown = null;
      try {
        server.receive(plaintextRecord(ContentType.handshake, new Uint8Array([type, 0x01, 0x86, 0xa0, 0, 0, 0, 0])));
      } catch (e) {
        error = e;
      }
      expectLocal(error, "unexpected_message");
      expectAlertOnWire("server", log, server.takeOutput()!, "unexpected_message");
    });
  }
});

describe("§4.1.2: the second ClientHello is the first except for what a HelloRetryRequest allows", () => {
  const second = (f: (ch: ClientHello) => ClientHello) => {
    let n = 0;
    return editClientHello((ch) => (n++ === 0 ? ch : f(ch)));
  };
  it("server: a second ClientHello with another cipher_suites list gets illegal_parameter", () => {
    expectEditRejected("client", second((ch) => ({ ...ch, cipherSuites: [...ch.cipherSuites, 0x1302] })), "illegal_parameter", hrrPair());
  });
  it("server: a second ClientHello with another legacy_version gets illegal_parameter", () => {
    expectEditRejected("client", second((ch) => ({ ...ch, legacyVersion: 0x0301 })), "illegal_parameter", hrrPair());
  });
});
