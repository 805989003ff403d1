// The same mutated input, two receivers: our engine and OpenSSL (through Node's tls). For each
// case the scripted peer applies one edit to a real handshake; our engine must raise the alert
// RFC 8446 prescribes, and OpenSSL, given the identical edit on the wire, must send that same
// alert. Plaintext-phase cases compare byte-identical inputs directly; encrypted-phase cases apply
// the edit under the keys of each connection (the secrets differ per connection).
import * as net from "node:net";
import * as tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { AlertDescription } from "../../src/index.js";
import { ExtensionType, extensionName } from "../../src/handshake/codec/constants.js";
import { encodeKeyShareHelloRetry, encodeSupportedVersionsClient } from "../../src/handshake/codec/extensions.js";
import { CA_PEM, clientCredential, serverCredential } from "../helpers/fixtures.js";
import {
  ContentType,
  HandshakeType,
  type HandshakeEdit,
  KeyLog,
  RAW_WAIT_MS,
  Tap,
  type TapRecord,
  alertsIn,
  exchange,
  rawConnect,
  rawListenOnce,
  relay,
} from "../helpers/scripted-peer.js";
import { handshakeMessage, concat, plaintextRecord, splitRecords } from "../helpers/framing.js";
import {
  body,
  duplicated,
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
import { firstEncrypted, flipAt, onFirstRecord, rawRecord } from "./record-edits.js";
import { expectFailure, makeClient, makePair, makeServer } from "./setup.js";
import { withTestHooks } from "../../src/handshake/config/test-hooks.js";

type Side = "client" | "server";
type AlertName = Parameters<typeof expectFailure>[3];
type StreamEdit = (tap: Tap, bytes: Uint8Array) => Uint8Array;

const serverCred = serverCredential("p256");
const clientCred = clientCredential("p256");

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

// --- edits, each a factory (edits keep state such as "only the first record") ---

const hs = (make: () => HandshakeEdit) => (): StreamEdit => {
  const edit = make();
  return (tap, b) => tap.rewrite(b, edit);
};
const rec = (which: (r: TapRecord) => boolean, make: (tap: Tap, r: TapRecord) => TapRecord[]) => (): StreamEdit => {
  const edit = onFirstRecord(which, make);
  return (tap, b) => tap.rewriteRecords(b, (r) => edit(tap, r));
};
/** The first encrypted record, re-sealed by the tap and then one ciphertext bit flipped (§5.2). */
const flippedCiphertextBit = rec(firstEncrypted, (tap, r) => [rawRecord(flipAt(tap.seal("handshake", r.type, r.content), 9))]);

interface Case {
  name: string;
  /** Whose messages the scripted peer edits; the other side must raise `alert`. */
  sender: Side;
  alert: AlertName;
  edit: () => StreamEdit;
  /** Force a HelloRetryRequest (our server supports only secp384r1). */
  hrr?: boolean;
  /** Node's client also offers TLS 1.2 (the downgrade sentinel is only checked by a client that could have done better). */
  nodeAllowsTls12?: boolean;
  /** Where OpenSSL departs from RFC 8446, the alert it sends instead (asserted, so a change shows). */
  openssl?: AlertName;
  /** Our client's own options (both runs), e.g. test hooks that shape its ClientHello. */
  client?: Parameters<typeof makeClient>[0];
}

/**
 * RFC 8446 §5: "An implementation which receives any other change_cipher_spec value ... MUST abort
 * the handshake with an "unexpected_message" alert." OpenSSL 3 sends illegal_parameter there
 * (SSL_R_INVALID_CCS_MESSAGE); we follow the RFC.
 */
const OPENSSL_CCS_ALERT: AlertName = "illegal_parameter";

/** A CertificateVerify with its algorithm kept and a zero-length signature. */
const emptySignature = (m: Uint8Array): Uint8Array => handshakeMessage(m[0], new Uint8Array([...body(m).subarray(0, 2), 0, 0]));
/** A handshake header announcing `length` body bytes, followed by only 16 of them. */
const announcing = (type: number, length: number): Uint8Array => new Uint8Array([type, length >>> 16, (length >>> 8) & 0xff, length & 0xff, ...new Uint8Array(16)]);

const CASES: Case[] = [
  // Our client's messages, edited, to a server.
  { name: "ClientHello without supported_versions (§4.2.1)", sender: "client", alert: "protocol_version",
    edit: hs(() => editClientHello((ch) => ({ ...ch, extensions: withoutExtension(ch.extensions, ExtensionType.supported_versions) }))) },
  { name: "ClientHello offering only TLS 1.2 and 1.1 (§4.2.1)", sender: "client", alert: "protocol_version",
    edit: hs(() => editClientHello((ch) => ({ ...ch, extensions: withExtensionData(ch.extensions, ExtensionType.supported_versions, encodeSupportedVersionsClient([0x0303, 0x0302])) }))) },
  { name: "ClientHello with key_share twice (§4.2)", sender: "client", alert: "illegal_parameter",
    edit: hs(() => editClientHello((ch) => ({ ...ch, extensions: duplicated(ch.extensions, ExtensionType.key_share) }))) },
  // Appendix D.5 says protocol_version; OpenSSL 3's server sends handshake_failure (its client agrees with the RFC, below).
  { name: "ClientHello with legacy_version 0x0300 (Appendix D.5)", sender: "client", alert: "protocol_version", openssl: "handshake_failure",
    edit: hs(() => editClientHello((ch) => ({ ...ch, legacyVersion: 0x0300 }))) },
  { name: "ClientHello whose post_handshake_auth is not empty (§4.2.6)", sender: "client", alert: "decode_error",
    edit: hs(() => editClientHello((ch) => ({ ...ch, extensions: withExtension(ch.extensions, { type: ExtensionType.post_handshake_auth, data: new Uint8Array([0]) }) }))) },
  { name: "the client's CertificateVerify with an empty signature (§4.4.3 signature<0..2^16-1>)", sender: "client", alert: "decrypt_error",
    edit: hs(() => onType(HandshakeType.certificate_verify, emptySignature)) },
  // §6.2 decode_error: "the length of the message was incorrect"; OpenSSL sends illegal_parameter for any oversized message.
  { name: "the client's Finished announcing 65,537 bytes (§4.4.4)", sender: "client", alert: "decode_error", openssl: "illegal_parameter",
    edit: hs(() => onType(HandshakeType.finished, () => announcing(HandshakeType.finished, 65537))) },
  { name: "ClientHello body truncated inside cipher_suites (§4)", sender: "client", alert: "decode_error",
    edit: hs(() => onType(HandshakeType.client_hello, (m) => truncateBody(m, 40))) },
  { name: "ClientHello sharing its record with the next message's start (§5.1 key change)", sender: "client", alert: "unexpected_message",
    edit: rec((r) => r.type === ContentType.handshake, (_, r) => [{ ...r, content: concat([r.content, new Uint8Array([11, 0, 0, 9])]) }]) },
  { name: "a record of unknown type 99 first (§5)", sender: "client", alert: "unexpected_message",
    edit: rec(() => true, (_, r) => [rawRecord(plaintextRecord(99, new Uint8Array([1, 2, 3])), "plaintext"), r]) },
  { name: "a plaintext record of 2^14 + 1 bytes (§5.1)", sender: "client", alert: "record_overflow",
    edit: rec(() => true, (_, r) => [rawRecord(plaintextRecord(ContentType.handshake, new Uint8Array((1 << 14) + 1)), "plaintext"), r]) },
  { name: "application data before the ClientHello (§5.1)", sender: "client", alert: "unexpected_message",
    edit: rec(() => true, (_, r) => [rawRecord(plaintextRecord(ContentType.application_data, new Uint8Array([1, 2])), "plaintext"), r]) },
  { name: "change_cipher_spec with payload 2 (§5)", sender: "client", alert: "unexpected_message", openssl: OPENSSL_CCS_ALERT,
    edit: rec((r) => r.type === ContentType.change_cipher_spec, (_, r) => [{ ...r, content: new Uint8Array([2]) }]) },
  { name: "the client's Finished with a bit flipped (§4.4.4)", sender: "client", alert: "decrypt_error",
    edit: hs(() => onType(HandshakeType.finished, flipLastByte)) },
  { name: "the client's CertificateVerify with a bit flipped (§4.4.3)", sender: "client", alert: "decrypt_error",
    edit: hs(() => onType(HandshakeType.certificate_verify, flipLastByte)) },
  { name: "the client's Certificate missing its last byte (§4)", sender: "client", alert: "decode_error",
    edit: hs(() => onType(HandshakeType.certificate, (m) => truncateBody(m, body(m).length - 1))) },
  { name: "a client record with a ciphertext bit flipped (§5.2)", sender: "client", alert: "bad_record_mac",
    edit: flippedCiphertextBit },
  { name: "a client record whose inner type is 99 (§5.4)", sender: "client", alert: "unexpected_message",
    edit: rec(firstEncrypted, (_, r) => [{ ...r, type: 99 }]) },
  { name: "a client record with 2^14 + 1 bytes of plaintext (§5.2)", sender: "client", alert: "record_overflow",
    edit: rec(firstEncrypted, (_, r) => [{ ...r, content: concat([r.content, new Uint8Array((1 << 14) + 1 - r.content.length)]) }]) },
  { name: "client application data under handshake keys (§2)", sender: "client", alert: "unexpected_message",
    edit: rec(firstEncrypted, (_, r) => [{ ...r, type: ContentType.application_data, content: new Uint8Array([1]) }, r]) },
  { name: "an encrypted change_cipher_spec from the client (§5)", sender: "client", alert: "unexpected_message",
    edit: rec(firstEncrypted, (_, r) => [{ ...r, type: ContentType.change_cipher_spec, content: new Uint8Array([1]) }, r]) },

  // Our server's messages, edited, to a client.
  { name: "ServerHello without supported_versions (§4.2.1)", sender: "server", alert: "protocol_version",
    edit: hs(() => editServerHello((sh) => ({ ...sh, extensions: withoutExtension(sh.extensions, ExtensionType.supported_versions) }))) },
  { name: "TLS 1.2 ServerHello with the downgrade sentinel (§4.1.3)", sender: "server", alert: "illegal_parameter", nodeAllowsTls12: true,
    edit: hs(() => editServerHello((sh) => {
      const random = sh.random.slice();
      random.set([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01], 24);
      return { ...sh, random, extensions: withoutExtension(sh.extensions, ExtensionType.supported_versions) };
    })) },
  { name: "ServerHello with legacy_version 0x0300 (Appendix D.5)", sender: "server", alert: "protocol_version",
    edit: hs(() => editServerHello((sh) => ({ ...sh, legacyVersion: 0x0300 }))) },
  { name: "the server's CertificateVerify with an empty signature (§4.4.3 signature<0..2^16-1>)", sender: "server", alert: "decrypt_error",
    edit: hs(() => onType(HandshakeType.certificate_verify, emptySignature)) },
  // Below the vector's floor is decode_error; OpenSSL reads the empty block and misses signature_algorithms.
  { name: "CertificateRequest with an empty extensions block (§4.3.2 extensions<2..2^16-1>)", sender: "server", alert: "decode_error", openssl: "missing_extension",
    edit: hs(() => editCertificateRequest(() => [])) },
  { name: "ServerHello with supported_versions twice (§4.2)", sender: "server", alert: "illegal_parameter",
    edit: hs(() => editServerHello((sh) => ({ ...sh, extensions: duplicated(sh.extensions, ExtensionType.supported_versions) }))) },
  // OpenSSL ignores extension types it does not implement even in responses, so these two use
  // types it knows (and did not send): pre_shared_key and max_fragment_length.
  { name: "ServerHello answering a pre_shared_key the client did not offer (§4.2)", sender: "server", alert: "unsupported_extension",
    edit: hs(() => editServerHello((sh) => ({ ...sh, extensions: withExtension(sh.extensions, { type: ExtensionType.pre_shared_key, data: new Uint8Array([0, 0]) }) }))) },
  { name: "ServerHello body truncated (§4)", sender: "server", alert: "decode_error",
    edit: hs(() => onType(HandshakeType.server_hello, (m) => truncateBody(m, 38))) },
  { name: "HelloRetryRequest selecting an unknown group (§4.2.8)", sender: "server", alert: "illegal_parameter", hrr: true,
    edit: hs(() => editServerHello((sh) => ({ ...sh, extensions: withExtensionData(sh.extensions, ExtensionType.key_share, encodeKeyShareHelloRetry(0x7a7a)) }))) },
  { name: "HelloRetryRequest selecting the group already shared (§4.2.8)", sender: "server", alert: "illegal_parameter", hrr: true,
    edit: hs(() => editServerHello((sh) => ({ ...sh, extensions: withExtensionData(sh.extensions, ExtensionType.key_share, encodeKeyShareHelloRetry(0x001d)) }))) },
  { name: "a second HelloRetryRequest (§4.1.4)", sender: "server", alert: "unexpected_message", hrr: true,
    edit: hs(() => {
      let first: Uint8Array | null = null;
      return onType(HandshakeType.server_hello, (m) => (first ??= m.slice()));
    }) },
  { name: "EncryptedExtensions answering a max_fragment_length the client did not offer (§4.2)", sender: "server", alert: "unsupported_extension",
    edit: hs(() => editEncryptedExtensions((e) => withExtension(e, { type: ExtensionType.max_fragment_length, data: new Uint8Array([1]) }))) },
  { name: "EncryptedExtensions with key_share (§4.2)", sender: "server", alert: "illegal_parameter",
    edit: hs(() => editEncryptedExtensions((e) => withExtension(e, { type: ExtensionType.key_share, data: new Uint8Array([0, 0x1d, 0, 1, 9]) }))) },
  { name: "EncryptedExtensions with psk_key_exchange_modes (client-only, §4.2)", sender: "server", alert: "illegal_parameter",
    edit: hs(() => editEncryptedExtensions((e) => withExtension(e, { type: ExtensionType.psk_key_exchange_modes, data: new Uint8Array([1, 1]) }))) },
  { name: "EncryptedExtensions with server_name twice (§4.2)", sender: "server", alert: "illegal_parameter",
    edit: hs(() => editEncryptedExtensions((e) => duplicated(withExtension(e, { type: ExtensionType.server_name, data: new Uint8Array(0) }), ExtensionType.server_name))) },
  { name: "CertificateRequest with key_share (§4.2)", sender: "server", alert: "illegal_parameter",
    edit: hs(() => editCertificateRequest((e) => withExtension(e, { type: ExtensionType.key_share, data: new Uint8Array([0, 0x1d]) }))) },
  { name: "EncryptedExtensions missing its last byte (§4)", sender: "server", alert: "decode_error",
    edit: hs(() => onType(HandshakeType.encrypted_extensions, (m) => truncateBody(m, body(m).length - 1))) },
  { name: "Certificate where EncryptedExtensions belongs (§4)", sender: "server", alert: "unexpected_message",
    edit: hs(() => onType(HandshakeType.encrypted_extensions, () => [])) },
  { name: "the server's Finished with a bit flipped (§4.4.4)", sender: "server", alert: "decrypt_error",
    edit: hs(() => onType(HandshakeType.finished, flipLastByte)) },
  { name: "the server's CertificateVerify with a bit flipped (§4.4.3)", sender: "server", alert: "decrypt_error",
    edit: hs(() => onType(HandshakeType.certificate_verify, flipLastByte)) },
  { name: "a server record with a ciphertext bit flipped (§5.2)", sender: "server", alert: "bad_record_mac",
    edit: flippedCiphertextBit },
  { name: "a server record of unknown type 99 (§5)", sender: "server", alert: "unexpected_message",
    edit: rec(() => true, (_, r) => [rawRecord(plaintextRecord(99, new Uint8Array([1])), "plaintext"), r]) },
  { name: "a server record with 2^14 + 1 bytes of plaintext (§5.2)", sender: "server", alert: "record_overflow",
    edit: rec(firstEncrypted, (_, r) => [{ ...r, content: concat([r.content, new Uint8Array((1 << 14) + 1 - r.content.length)]) }]) },
  { name: "server application data between two fragments of EncryptedExtensions (§5.1)", sender: "server", alert: "unexpected_message",
    edit: rec(firstEncrypted, (_, r) => [{ ...r, content: r.content.slice(0, 3) }, { ...r, type: ContentType.application_data, content: new Uint8Array([1]) }, { ...r, content: r.content.slice(3) }]) },
  { name: "a server change_cipher_spec with two bytes (§5)", sender: "server", alert: "unexpected_message", openssl: OPENSSL_CCS_ALERT,
    edit: rec((r) => r.type === ContentType.change_cipher_spec, (_, r) => [{ ...r, content: new Uint8Array([1, 1]) }]) },
  { name: "ServerHello sharing its record with the next message's start (§5.1 key change)", sender: "server", alert: "unexpected_message",
    edit: rec((r) => r.type === ContentType.handshake, (_, r) => [{ ...r, content: concat([r.content, new Uint8Array([8, 0, 0, 2])]) }]) },
];

// --- our engine, in memory ---

function ourAlert(c: Case): void {
  const p = makePair({
    client: { ...(c.hrr ? { groups: ["x25519", "secp384r1"], keyShareGroups: ["x25519"] } : {}), ...c.client },
    server: c.hrr ? { groups: ["secp384r1"] } : {},
  });
  const tap = new Tap(c.sender, c.sender === "client" ? p.clientLog : p.serverLog, p.suite);
  const edit = c.edit();
  const hook = (b: Uint8Array) => edit(tap, b);
  const x = exchange(p.client, p.server, c.sender === "client" ? { toServer: hook } : { toClient: hook });
  expectFailure(p, x, c.sender === "client" ? "server" : "client", c.alert);
}

// --- OpenSSL, over loopback ---

async function nodeServer(): Promise<number> {
  const server = tls.createServer({
    key: serverCred.keyPem,
    cert: serverCred.certPem,
    ca: CA_PEM,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: "TLSv1.3",
  });
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => sockets.add(s));
  server.on("tlsClientError", () => undefined);
  // The greeting proves OpenSSL accepted the whole handshake, our Finished included.
  server.on("secureConnection", (s) => {
    s.on("error", () => undefined);
    s.write("accepted");
  });
  cleanups.push(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return (server.address() as net.AddressInfo).port;
}

interface Outcome {
  /** OpenSSL's alert, as our connection received it (origin remote), or null. */
  alert: number | null;
  /** OpenSSL completed the handshake and its application data reached us. */
  accepted: boolean;
}

async function openssl(c: Case): Promise<Outcome> {
  const log = new KeyLog();
  const edit = c.edit();
  if (c.sender === "client") {
    const port = await nodeServer();
    const socket = await rawConnect(port);
    cleanups.push(() => socket.destroy());
    const { client } = makeClient({ cipherSuites: ["TLS_AES_128_GCM_SHA256"], ...c.client }, log);
    const tap = new Tap("client", log);
    let accepted = false;
    const { ourError, fromPeer } = await relay(client, socket, (b) => edit(tap, b), () => (accepted ||= client.read() !== null));
    return { alert: remoteAlert(ourError, fromPeer, "server", log), accepted };
  }
  const listener = await rawListenOnce();
  cleanups.push(listener.close);
  const nodeClient = tls.connect({
    host: "127.0.0.1",
    port: listener.port,
    ca: CA_PEM,
    servername: "localhost",
    cert: clientCred.certPem,
    key: clientCred.keyPem,
    minVersion: c.nodeAllowsTls12 ? "TLSv1.2" : "TLSv1.3",
  });
  nodeClient.on("error", () => undefined);
  nodeClient.on("secureConnect", () => nodeClient.write("accepted"));
  cleanups.push(() => nodeClient.destroy());
  const socket = await listener.accepted;
  cleanups.push(() => socket.destroy());
  const { server } = makeServer({ cipherSuites: ["TLS_AES_128_GCM_SHA256"], groups: c.hrr ? ["secp384r1"] : undefined }, log);
  const tap = new Tap("server", log);
  let accepted = false;
  const { ourError, fromPeer } = await relay(server, socket, (b) => edit(tap, b), () => (accepted ||= server.read() !== null));
  return { alert: remoteAlert(ourError, fromPeer, "client", log), accepted };
}

/** The alert OpenSSL sent: from our connection's remote error, cross-checked against the raw bytes. */
function remoteAlert(ourError: { alert: number; origin: string } | null, fromPeer: Uint8Array, peer: Side, log: KeyLog): number | null {
  if (ourError && ourError.origin === "remote") return ourError.alert;
  // Our connection may have stopped reading first (or failed locally): read the peer's alert off the wire.
  try {
    const alerts = alertsIn(peer, log, concat(splitRecords(fromPeer).records));
    return alerts.length > 0 ? alerts[alerts.length - 1].description : null;
  } catch {
    return null;
  }
}

describe("the same mutation, our engine and OpenSSL", () => {
  for (const c of CASES) {
    const receiver = c.sender === "client" ? "server" : "client";
    it(`${receiver}: ${c.name} → ${c.alert}`, async () => {
      ourAlert(c);
      const { alert } = await openssl(c);
      expect(alert === null ? "no alert" : (Object.keys(AlertDescription) as AlertName[]).find((k) => AlertDescription[k] === alert) ?? alert).toBe(c.openssl ?? c.alert);
    }, RAW_WAIT_MS * 3);
  }
});

/** `n` empty extensions of distinct types no RFC we implement defines. */
function unknownExtensions(n: number): { type: number; data: Uint8Array }[] {
  const out: { type: number; data: Uint8Array }[] = [];
  for (let type = 0x1000; out.length < n; type++) if (extensionName(type).startsWith("extension_")) out.push({ type, data: new Uint8Array(0) });
  return out;
}

describe("inputs RFC 8446 says to accept, accepted by our engine and OpenSSL alike", () => {
  // §5: a change_cipher_spec of value 1 between the first ClientHello and the peer's Finished
  // "MUST simply drop it without further processing", however many there are.
  const accepted: Omit<Case, "alert">[] = [
    { name: "the client's dummy change_cipher_spec, twice", sender: "client",
      edit: rec((r) => r.type === ContentType.change_cipher_spec, (_, r) => [r, r]) },
    { name: "the server's dummy change_cipher_spec, twice", sender: "server",
      edit: rec((r) => r.type === ContentType.change_cipher_spec, (_, r) => [r, r]) },
    { name: "a client record padded to 2^14 + 1 bytes of TLSInnerPlaintext (§5.4, the limit)", sender: "client",
      edit: rec(firstEncrypted, (_, r) => [{ ...r, padding: (1 << 14) - r.content.length }]) },
    // §4.2 / §9.3: servers MUST ignore unrecognized extensions, however many fit in extensions<8..2^16-1>.
    { name: "a ClientHello carrying 16,000 unknown extensions", sender: "client", edit: () => (_, b) => b,
      client: withTestHooks({}, { extensions: (m, exts) => (m === "client_hello" ? [...unknownExtensions(16000), ...exts] : exts) }) },
  ];
  for (const c of accepted) {
    const receiver = c.sender === "client" ? "server" : "client";
    it(`${receiver}: ${c.name}`, async () => {
      const p = makePair({ client: c.client });
      const tap = new Tap(c.sender, c.sender === "client" ? p.clientLog : p.serverLog, p.suite);
      const edit = c.edit();
      const hook = (b: Uint8Array) => edit(tap, b);
      const x = exchange(p.client, p.server, c.sender === "client" ? { toServer: hook } : { toClient: hook });
      expect([x.clientError, x.serverError]).toEqual([null, null]);
      expect(p.client.handshakeComplete && p.server.handshakeComplete).toBe(true);
      expect(await openssl({ ...c, alert: "close_notify" })).toEqual({ alert: null, accepted: true });
    }, RAW_WAIT_MS * 3);
  }
});
