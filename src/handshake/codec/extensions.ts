import { Reader, Writer, fail, asciiBytes, bytesToAscii } from "../../bytes/index.js";
import { isIpAddress, isValidHostName } from "../../x509/index.js";
import { ExtensionType, extensionName } from "./constants.js";

/** One extension as it appears on the wire (RFC 8446 §4.2); `data` is the raw extension_data. */
export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

/**
 * Reads an `Extension extensions<min..2^16-1>` block (`min` bytes from the message's presentation
 * language, below which it is decode_error). RFC 8446 §4.2: no type may appear twice.
 */
export function readExtensions(r: Reader, what: string, min = 0): Extension[] {
  const block = r.sub16(`${what} extensions`, min);
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (!block.atEnd) {
    const type = block.u16();
    const data = block.vector16();
    if (seen.has(type)) fail("illegal_parameter", `${what} contains the ${extensionName(type)} extension twice`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

/** The handshake messages that carry extensions (RFC 8446 §4.2 table: CH, SH, HRR, EE, CR, CT, NST). */
export type ExtensionContext =
  "client_hello" | "server_hello" | "hello_retry_request" | "encrypted_extensions" | "certificate_request" | "certificate" | "new_session_ticket";

const CH = "client_hello";
const EE = "encrypted_extensions";
/**
 * Where each extension we recognise may appear: RFC 8446 §4.2, RFC 8449 §4 (record_size_limit),
 * RFC 8773 §3 (tls_cert_with_extern_psk).
 * TLS 1.2-era extensions (ec_point_formats, extended_master_secret, session_ticket,
 * renegotiation_info) may ride in a ClientHello that also offers TLS 1.2, and nowhere else.
 */
const EXTENSION_CONTEXTS = new Map<number, readonly ExtensionContext[]>([
  [ExtensionType.server_name, [CH, EE]],
  [ExtensionType.max_fragment_length, [CH, EE]],
  [ExtensionType.status_request, [CH, "certificate_request", "certificate"]],
  [ExtensionType.supported_groups, [CH, EE]],
  [ExtensionType.ec_point_formats, [CH]],
  [ExtensionType.signature_algorithms, [CH, "certificate_request"]],
  [ExtensionType.use_srtp, [CH, EE]],
  [ExtensionType.heartbeat, [CH, EE]],
  [ExtensionType.application_layer_protocol_negotiation, [CH, EE]],
  [ExtensionType.signed_certificate_timestamp, [CH, "certificate_request", "certificate"]],
  [ExtensionType.client_certificate_type, [CH, EE]],
  [ExtensionType.server_certificate_type, [CH, EE]],
  [ExtensionType.padding, [CH]],
  [ExtensionType.extended_master_secret, [CH]],
  [ExtensionType.record_size_limit, [CH, EE]],
  [ExtensionType.tls_cert_with_extern_psk, [CH, "server_hello"]],
  [ExtensionType.session_ticket, [CH]],
  [ExtensionType.pre_shared_key, [CH, "server_hello"]],
  [ExtensionType.early_data, [CH, EE, "new_session_ticket"]],
  [ExtensionType.supported_versions, [CH, "server_hello", "hello_retry_request"]],
  [ExtensionType.cookie, [CH, "hello_retry_request"]],
  [ExtensionType.psk_key_exchange_modes, [CH]],
  [ExtensionType.certificate_authorities, [CH, "certificate_request"]],
  [ExtensionType.oid_filters, ["certificate_request"]],
  [ExtensionType.post_handshake_auth, [CH]],
  [ExtensionType.signature_algorithms_cert, [CH, "certificate_request"]],
  [ExtensionType.key_share, [CH, "server_hello", "hello_retry_request"]],
  [ExtensionType.renegotiation_info, [CH]],
]);

/**
 * RFC 8446 §4.2: a recognised extension in a message it is not specified for is
 * `illegal_parameter`; in a response (`requested` given), an extension that answers nothing we
 * sent is `unsupported_extension` (the HelloRetryRequest cookie is the one exception).
 * Extensions we do not recognise are otherwise ignored, as §4.2 requires.
 */
export function checkExtensionsAllowed(context: ExtensionContext, extensions: readonly Extension[], requested: ReadonlySet<number> | null, what: string): void {
  for (const e of extensions) {
    const contexts = EXTENSION_CONTEXTS.get(e.type);
    if (contexts && !contexts.includes(context)) fail("illegal_parameter", `${extensionName(e.type)} is not allowed in ${what}`);
    if (requested && !requested.has(e.type) && !(context === "hello_retry_request" && e.type === ExtensionType.cookie)) {
      fail("unsupported_extension", `${what} contains ${extensionName(e.type)}, which we did not offer`);
    }
  }
}

export function writeExtensions(w: Writer, extensions: readonly Extension[]): void {
  w.vector16((w) => {
    for (const e of extensions) w.u16(e.type).vector16((w) => w.bytes(e.data));
  });
}

function encode(body: (w: Writer) => void): Uint8Array {
  const w = new Writer(64);
  body(w);
  return w.finish();
}

// --- supported_versions (RFC 8446 §4.2.1) ---

export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  return encode((w) => w.vector8((w) => versions.forEach((v) => w.u16(v))));
}

export function decodeSupportedVersionsClient(data: Uint8Array): number[] {
  const r = new Reader(data, "supported_versions extension");
  const list = r.sub8("supported_versions list", 2);
  r.expectEnd();
  const out: number[] = [];
  while (!list.atEnd) out.push(list.u16());
  if (data.length % 2 === 0) fail("decode_error", "malformed supported_versions extension");
  return out;
}

export function encodeSupportedVersionsServer(version: number): Uint8Array {
  return encode((w) => w.u16(version));
}

export function decodeSupportedVersionsServer(data: Uint8Array): number {
  const r = new Reader(data, "supported_versions extension");
  const v = r.u16();
  r.expectEnd();
  return v;
}

// --- u16 lists: supported_groups (§4.2.7), signature_algorithms(_cert) (§4.2.3) ---

export function encodeU16List(values: readonly number[]): Uint8Array {
  return encode((w) => w.vector16((w) => values.forEach((v) => w.u16(v))));
}

export function decodeU16List(data: Uint8Array, what: string): number[] {
  const r = new Reader(data, what);
  const list = r.sub16(what, 2);
  r.expectEnd();
  if ((data.length - 2) % 2 !== 0) fail("decode_error", `malformed ${what}`);
  const out: number[] = [];
  while (!list.atEnd) out.push(list.u16());
  return out;
}

// --- key_share (§4.2.8) ---

export interface KeyShareEntry {
  readonly group: number;
  readonly keyExchange: Uint8Array;
}

export function encodeKeyShareClient(entries: readonly KeyShareEntry[]): Uint8Array {
  return encode((w) => w.vector16((w) => entries.forEach((e) => w.u16(e.group).vector16((w) => w.bytes(e.keyExchange)))));
}

export function decodeKeyShareClient(data: Uint8Array): KeyShareEntry[] {
  const r = new Reader(data, "key_share extension");
  const list = r.sub16("key_share client_shares");
  r.expectEnd();
  const out: KeyShareEntry[] = [];
  while (!list.atEnd) {
    const group = list.u16();
    const keyExchange = list.vector16(1);
    // §4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the same group."
    if (out.some((e) => e.group === group)) fail("illegal_parameter", "ClientHello key_share offers the same group twice");
    out.push({ group, keyExchange });
  }
  return out;
}

export function encodeKeyShareServer(entry: KeyShareEntry): Uint8Array {
  return encode((w) => w.u16(entry.group).vector16((w) => w.bytes(entry.keyExchange)));
}

export function decodeKeyShareServer(data: Uint8Array): KeyShareEntry {
  const r = new Reader(data, "key_share extension");
  const group = r.u16();
  const keyExchange = r.vector16(1);
  r.expectEnd();
  return { group, keyExchange };
}

/** In a HelloRetryRequest the key_share carries only the selected group (§4.2.8). */
export function encodeKeyShareHelloRetry(group: number): Uint8Array {
  return encode((w) => w.u16(group));
}

export function decodeKeyShareHelloRetry(data: Uint8Array): number {
  const r = new Reader(data, "key_share extension");
  const group = r.u16();
  r.expectEnd();
  return group;
}

// --- server_name (RFC 6066 §3) ---

export function encodeServerName(hostName: string): Uint8Array {
  return encode((w) => w.vector16((w) => w.u8(0).vector16((w) => w.bytes(asciiBytes(hostName)))));
}

/** The bytes of a host_name for a message: printable ASCII as is, anything else escaped. */
function showHostName(value: Uint8Array): string {
  let out = "";
  for (let i = 0; i < value.length && i < 64; i++) {
    const b = value[i];
    out += b >= 0x21 && b <= 0x7e && b !== 0x5c ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0");
  }
  return value.length > 64 ? out + "..." : out;
}

/**
 * Returns the host_name, lower-cased (DNS names compare without case), or null when the list
 * holds none. RFC 6066 §3: a HostName is an ASCII DNS name without a trailing dot, never an IP
 * literal. A host_name that is not one is refused with illegal_parameter (it decodes, but its
 * value is not allowed; rustls refuses it the same way, OpenSSL refuses NUL bytes and names past
 * 255 bytes with unrecognized_name), so no control character or non-ASCII byte reaches
 * certificate selection, `result.serverName` or a session ticket. An IP literal, which some
 * clients send in error, is ignored as if no name had been sent.
 */
export function decodeServerName(data: Uint8Array): string | null {
  const r = new Reader(data, "server_name extension");
  const list = r.sub16("server_name list", 1);
  r.expectEnd();
  let name: string | null = null;
  while (!list.atEnd) {
    const type = list.u8();
    const value = list.vector16(1);
    if (type === 0) {
      // RFC 6066 §3: the list MUST NOT contain more than one name of the same name_type.
      if (name !== null) fail("illegal_parameter", "server_name lists two host names");
      name = bytesToAscii(value);
      if (isIpAddress(name)) name = "";
      else if (!isValidHostName(name)) {
        fail("illegal_parameter", `server_name host_name "${showHostName(value)}" is not an ASCII DNS host name without a trailing dot (RFC 6066 §3)`);
      }
    }
  }
  return name === null || name === "" ? null : name.toLowerCase();
}

// --- ALPN (RFC 7301 §3.1) ---

export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  return encode((w) => w.vector16((w) => protocols.forEach((p) => w.vector8((w) => w.bytes(asciiBytes(p))))));
}

export function decodeAlpn(data: Uint8Array): string[] {
  const r = new Reader(data, "application_layer_protocol_negotiation extension");
  const list = r.sub16("ALPN protocol list", 2);
  r.expectEnd();
  const out: string[] = [];
  while (!list.atEnd) out.push(bytesToAscii(list.vector8(1)));
  return out;
}

// --- record_size_limit (RFC 8449 §4) ---

/** RFC 8449 §4: "Endpoints MUST NOT send a record_size_limit extension with a value smaller than 64." */
const MIN_RECORD_SIZE_LIMIT = 64;

export function encodeRecordSizeLimit(limit: number): Uint8Array {
  return encode((w) => w.u16(limit));
}

export function decodeRecordSizeLimit(data: Uint8Array): number {
  const r = new Reader(data, "record_size_limit extension");
  const value = r.u16();
  r.expectEnd();
  if (value < MIN_RECORD_SIZE_LIMIT) fail("illegal_parameter", `the peer's record_size_limit ${value} is below the minimum of 64 (RFC 8449 §4)`);
  return value;
}

// --- cookie (§4.2.2) ---

export function encodeCookie(cookie: Uint8Array): Uint8Array {
  return encode((w) => w.vector16((w) => w.bytes(cookie)));
}

export function decodeCookie(data: Uint8Array): Uint8Array {
  const r = new Reader(data, "cookie extension");
  const cookie = r.vector16(1);
  r.expectEnd();
  return cookie;
}

// --- certificate_authorities (§4.2.4): DistinguishedName authorities<3..2^16-1> ---

export function encodeCertificateAuthorities(names: readonly Uint8Array[]): Uint8Array {
  return encode((w) => w.vector16((w) => names.forEach((n) => w.vector16((w) => w.bytes(n)))));
}

export function decodeCertificateAuthorities(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data, "certificate_authorities extension");
  const list = r.sub16("certificate_authorities list", 3);
  r.expectEnd();
  const out: Uint8Array[] = [];
  while (!list.atEnd) out.push(list.vector16(1));
  return out;
}
