import { Reader, Writer, fail } from "../../bytes/index.js";
import { HandshakeType, handshakeTypeName } from "./constants.js";
import { type Extension, readExtensions, writeExtensions } from "./extensions.js";

/** RFC 8446 §4: `Handshake` framing — msg_type(1) and a 24-bit length, then the body. */
export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >>> 16;
  out[2] = body.length >>> 8;
  out[3] = body.length;
  out.set(body, 4);
  return out;
}

function build(body: (w: Writer) => void): Uint8Array {
  const w = new Writer(512);
  body(w);
  return w.finish();
}

/** §4.1.2 */
export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeClientHello(m: ClientHello): Uint8Array {
  return encodeHandshake(
    HandshakeType.client_hello,
    build((w) => {
      w.u16(m.legacyVersion).bytes(m.random);
      w.vector8((w) => w.bytes(m.legacySessionId));
      w.vector16((w) => m.cipherSuites.forEach((s) => w.u16(s)));
      w.vector8((w) => w.bytes(m.legacyCompressionMethods));
      writeExtensions(w, m.extensions);
    }),
  );
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body, "ClientHello");
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const legacySessionId = r.vector8();
  if (legacySessionId.length > 32) fail("decode_error", "ClientHello legacy_session_id is longer than 32 bytes");
  const suites = r.sub16("ClientHello cipher_suites", 2);
  if (suites.remaining % 2 !== 0) fail("decode_error", "malformed ClientHello cipher_suites");
  const cipherSuites: number[] = [];
  while (!suites.atEnd) cipherSuites.push(suites.u16());
  const legacyCompressionMethods = r.vector8(1);
  // §4.1.2: a pre-TLS 1.2 ClientHello may end here; it cannot negotiate TLS 1.3 anyway.
  const extensions = r.atEnd ? [] : readExtensions(r, "ClientHello");
  r.expectEnd();
  return { legacyVersion, random, legacySessionId, cipherSuites, legacyCompressionMethods, extensions };
}

/** §4.1.3; a HelloRetryRequest is a ServerHello with the special random. */
export interface ServerHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  readonly extensions: readonly Extension[];
}

export function encodeServerHello(m: ServerHello): Uint8Array {
  return encodeHandshake(
    HandshakeType.server_hello,
    build((w) => {
      w.u16(m.legacyVersion).bytes(m.random);
      w.vector8((w) => w.bytes(m.legacySessionIdEcho));
      w.u16(m.cipherSuite).u8(m.legacyCompressionMethod);
      writeExtensions(w, m.extensions);
    }),
  );
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body, "ServerHello");
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const legacySessionIdEcho = r.vector8();
  if (legacySessionIdEcho.length > 32) fail("decode_error", "ServerHello legacy_session_id_echo is longer than 32 bytes");
  const cipherSuite = r.u16();
  const legacyCompressionMethod = r.u8();
  // A TLS 1.2-or-older ServerHello may omit extensions; the caller refuses it with protocol_version.
  const extensions = r.atEnd ? [] : readExtensions(r, "ServerHello");
  r.expectEnd();
  return { legacyVersion, random, legacySessionIdEcho, cipherSuite, legacyCompressionMethod, extensions };
}

/** §4.3.1 */
export function encodeEncryptedExtensions(extensions: readonly Extension[]): Uint8Array {
  return encodeHandshake(HandshakeType.encrypted_extensions, build((w) => writeExtensions(w, extensions)));
}

export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body, "EncryptedExtensions");
  const extensions = readExtensions(r, "EncryptedExtensions");
  r.expectEnd();
  return extensions;
}

/** §4.3.2 */
export interface CertificateRequest {
  readonly certificateRequestContext: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeCertificateRequest(m: CertificateRequest): Uint8Array {
  return encodeHandshake(
    HandshakeType.certificate_request,
    build((w) => {
      w.vector8((w) => w.bytes(m.certificateRequestContext));
      writeExtensions(w, m.extensions);
    }),
  );
}

export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new Reader(body, "CertificateRequest");
  const certificateRequestContext = r.vector8();
  // Extension extensions<2..2^16-1> (§4.3.2): at least one extension's header.
  const extensions = readExtensions(r, "CertificateRequest", 2);
  r.expectEnd();
  return { certificateRequestContext, extensions };
}

/** §4.4.2 */
export interface CertificateEntry {
  readonly certData: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface CertificateMessage {
  readonly certificateRequestContext: Uint8Array;
  readonly certificateList: readonly CertificateEntry[];
}

export function encodeCertificate(m: CertificateMessage): Uint8Array {
  return encodeHandshake(
    HandshakeType.certificate,
    build((w) => {
      w.vector8((w) => w.bytes(m.certificateRequestContext));
      w.vector24((w) => {
        for (const e of m.certificateList) {
          w.vector24((w) => w.bytes(e.certData));
          writeExtensions(w, e.extensions);
        }
      });
    }),
  );
}

export function decodeCertificate(body: Uint8Array): CertificateMessage {
  const r = new Reader(body, "Certificate");
  const certificateRequestContext = r.vector8();
  const list = r.sub24("Certificate certificate_list");
  r.expectEnd();
  const certificateList: CertificateEntry[] = [];
  while (!list.atEnd) {
    const certData = list.vector24(1);
    const extensions = readExtensions(list, "CertificateEntry");
    certificateList.push({ certData, extensions });
  }
  return { certificateRequestContext, certificateList };
}

/** §4.4.3 */
export interface CertificateVerify {
  readonly algorithm: number;
  readonly signature: Uint8Array;
}

export function encodeCertificateVerify(m: CertificateVerify): Uint8Array {
  return encodeHandshake(
    HandshakeType.certificate_verify,
    build((w) => w.u16(m.algorithm).vector16((w) => w.bytes(m.signature))),
  );
}

export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new Reader(body, "CertificateVerify");
  const algorithm = r.u16();
  // opaque signature<0..2^16-1>: an empty signature decodes, and then fails to verify (decrypt_error).
  const signature = r.vector16();
  r.expectEnd();
  return { algorithm, signature };
}

/** §4.4.4: verify_data is exactly Hash.length bytes. */
export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.finished, verifyData);
}

export function decodeFinished(body: Uint8Array, hashLength: number): Uint8Array {
  if (body.length !== hashLength) fail("decode_error", `Finished is ${body.length} bytes; ${hashLength} were expected`);
  return body;
}

/** §4.6.1 */
export interface NewSessionTicket {
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body, "NewSessionTicket");
  const ticketLifetime = r.u32();
  const ticketAgeAdd = r.u32();
  const ticketNonce = r.vector8();
  const ticket = r.vector16(1);
  const extensions = readExtensions(r, "NewSessionTicket");
  r.expectEnd();
  // §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds."
  if (ticketLifetime > 604800) fail("illegal_parameter", "NewSessionTicket lifetime exceeds seven days");
  return { ticketLifetime, ticketAgeAdd, ticketNonce, ticket, extensions };
}

/** §4.6.3: request_update is 0 or 1; anything else is illegal_parameter. */
export function decodeKeyUpdate(body: Uint8Array): boolean {
  const r = new Reader(body, "KeyUpdate");
  const requestUpdate = r.u8();
  r.expectEnd();
  if (requestUpdate > 1) fail("illegal_parameter", `KeyUpdate request_update is ${requestUpdate}; only 0 or 1 are defined`);
  return requestUpdate === 1;
}

export function encodeKeyUpdate(requestUpdate: boolean): Uint8Array {
  return encodeHandshake(HandshakeType.key_update, new Uint8Array([requestUpdate ? 1 : 0]));
}

/**
 * The longest body each TLS 1.3 handshake message can have, from its presentation language
 * (RFC 8446 §4, §B.3); a longer one is malformed whatever our limits are: decode_error (§6.2:
 * "the length of the message was incorrect"). Types without a bound here (Certificate, unknown
 * types) are limited by `limits.maxHandshakeMessageSize` alone.
 */
const MAX_BODY_LENGTH = new Map<number, number>([
  // legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..2^16-2>, legacy_compression_methods<1..2^8-1>, extensions<8..2^16-1>
  [HandshakeType.client_hello, 2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535],
  // legacy_version, random, legacy_session_id_echo<0..32>, cipher_suite, legacy_compression_method, extensions<6..2^16-1>
  [HandshakeType.server_hello, 2 + 32 + 1 + 32 + 2 + 1 + 2 + 65535],
  // ticket_lifetime, ticket_age_add, ticket_nonce<0..255>, ticket<1..2^16-1>, extensions<0..2^16-2>
  [HandshakeType.new_session_ticket, 4 + 4 + 1 + 255 + 2 + 65535 + 2 + 65534],
  [HandshakeType.end_of_early_data, 0],
  [HandshakeType.encrypted_extensions, 2 + 65535],
  // certificate_request_context<0..2^8-1>, extensions<2..2^16-1>
  [HandshakeType.certificate_request, 1 + 255 + 2 + 65535],
  // algorithm, signature<0..2^16-1>
  [HandshakeType.certificate_verify, 2 + 2 + 65535],
  // verify_data[Hash.length]: 48 for SHA-384, the longest hash of our suites (decodeFinished checks the exact length).
  [HandshakeType.finished, 48],
  [HandshakeType.key_update, 1],
]);

/** §4: a message of `type` announcing a `length`-byte body longer than its structure allows is decode_error. */
export function checkHandshakeLength(type: number, length: number): void {
  const max = MAX_BODY_LENGTH.get(type);
  if (max !== undefined && length > max) {
    fail("decode_error", `a ${handshakeTypeName(type)} message of ${length} bytes is malformed: its structure allows at most ${max}`);
  }
}

/** A complete handshake message as reassembled from records: type, body, and the exact bytes for the transcript. */
export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  readonly raw: Uint8Array;
}

export function describeHandshake(m: HandshakeMessage): string {
  return handshakeTypeName(m.type);
}
