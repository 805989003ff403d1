/**
 * The handshake messages as a peer's bytes arrive: the wire structure of messages.ts, with each
 * message's extensions read once, when it is decoded, into typed fields. RFC 8446 §4.2's table
 * of where each extension may appear is applied there too, so the handshake steps only ever see
 * extensions their message may carry, already decoded.
 */
import { bytesEqual, fail } from "../../bytes/index.js";
import { ExtensionType, HELLO_RETRY_REQUEST_RANDOM, SSL30, TLS13 } from "./constants.js";
import {
  type Extension,
  type KeyShareEntry,
  checkExtensionsAllowed,
  decodeAlpn,
  decodeCertificateAuthorities,
  decodeCookie,
  decodeKeyShareClient,
  decodeKeyShareHelloRetry,
  decodeKeyShareServer,
  decodeRecordSizeLimit,
  decodeServerName,
  decodeSupportedVersionsClient,
  decodeSupportedVersionsServer,
  decodeU16List,
} from "./extensions.js";
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeNewSessionTicket,
  decodeServerHello,
} from "./messages.js";
import { type OfferedPsks, decodeEarlyDataIndication, decodeOfferedPsks, decodePskModes, decodeSelectedIdentity } from "./psk-extensions.js";

/** Each extension's data by type (readExtensions has refused duplicates). */
function byType(extensions: readonly Extension[]): Map<number, Uint8Array> {
  return new Map(extensions.map((e) => [e.type, e.data]));
}

/** An extension that says what it says by being present (§4.2.6, §4.2.10, RFC 8773): its extension_data is empty. */
function flag(data: Uint8Array | undefined, notEmpty: string): boolean {
  if (data === undefined) return false;
  if (data.length !== 0) fail("decode_error", notEmpty);
  return true;
}

function decoded<T>(data: Uint8Array | undefined, decode: (data: Uint8Array) => T): T | undefined {
  return data === undefined ? undefined : decode(data);
}

// --- ClientHello (§4.1.2) ---

/** What a ClientHello's extensions offer. Extensions we do not recognise are ignored (§4.1.2, GREASE). */
export interface ClientHelloExtensions {
  /** RFC 6066 §3 host_name, lower-cased; null when none was sent (or only an IP literal, which is ignored). */
  readonly serverName: string | null;
  /** §4.2.1 */
  readonly supportedVersions: readonly number[] | undefined;
  /** §4.2.7 */
  readonly supportedGroups: readonly number[] | undefined;
  /** §4.2.8 client_shares */
  readonly keyShares: readonly KeyShareEntry[] | undefined;
  /** §4.2.3 */
  readonly signatureAlgorithms: readonly number[] | undefined;
  /** RFC 7301 §3.1 */
  readonly alpnProtocols: readonly string[] | undefined;
  /** §4.2.2: echoed from a HelloRetryRequest. */
  readonly cookie: Uint8Array | undefined;
  /** §4.2.9 */
  readonly pskKeyExchangeModes: readonly number[] | undefined;
  /** §4.2.11, the last extension. */
  readonly preSharedKey: OfferedPsks | undefined;
  /** §4.2.10: 0-RTT data follows. */
  readonly earlyData: boolean;
  /** §4.2.6 */
  readonly postHandshakeAuth: boolean;
  /** RFC 8773 tls_cert_with_extern_psk. */
  readonly certificatesWithExternalPsk: boolean;
  /** RFC 8449 §4 record_size_limit, at least 64. */
  readonly recordSizeLimit: number | undefined;
  /** RFC 6066 §4 max_fragment_length, the code as sent. */
  readonly maxFragmentLength: number | undefined;
}

/** §4.1.2 ClientHello, its extensions decoded. */
export interface ReceivedClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: ClientHelloExtensions;
}

export function readClientHello(body: Uint8Array): ReceivedClientHello {
  const { extensions: list, ...hello } = decodeClientHello(body);
  checkExtensionsAllowed("client_hello", list, null, "ClientHello");
  // §4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello".
  const preSharedKeyAt = list.findIndex((e) => e.type === ExtensionType.pre_shared_key);
  if (preSharedKeyAt !== -1 && preSharedKeyAt !== list.length - 1) {
    fail("illegal_parameter", "pre_shared_key must be the last ClientHello extension (§4.2.11)");
  }
  const ext = byType(list);
  const get = (type: number): Uint8Array | undefined => ext.get(type);
  const extensions: ClientHelloExtensions = {
    serverName: decoded(get(ExtensionType.server_name), decodeServerName) ?? null,
    supportedVersions: decoded(get(ExtensionType.supported_versions), decodeSupportedVersionsClient),
    supportedGroups: decoded(get(ExtensionType.supported_groups), (d) => decodeU16List(d, "supported_groups extension")),
    keyShares: decoded(get(ExtensionType.key_share), decodeKeyShareClient),
    signatureAlgorithms: decoded(get(ExtensionType.signature_algorithms), (d) => decodeU16List(d, "signature_algorithms extension")),
    alpnProtocols: decoded(get(ExtensionType.application_layer_protocol_negotiation), decodeAlpn),
    cookie: decoded(get(ExtensionType.cookie), decodeCookie),
    pskKeyExchangeModes: decoded(get(ExtensionType.psk_key_exchange_modes), decodePskModes),
    preSharedKey: decoded(get(ExtensionType.pre_shared_key), decodeOfferedPsks),
    earlyData: flag(get(ExtensionType.early_data), "the ClientHello's early_data extension must be empty"),
    postHandshakeAuth: flag(get(ExtensionType.post_handshake_auth), "the ClientHello's post_handshake_auth extension must be empty"),
    certificatesWithExternalPsk: flag(get(ExtensionType.tls_cert_with_extern_psk), "tls_cert_with_extern_psk must be empty (RFC 8773)"),
    recordSizeLimit: decoded(get(ExtensionType.record_size_limit), decodeRecordSizeLimit),
    maxFragmentLength: decoded(get(ExtensionType.max_fragment_length), decodeMaxFragmentLength),
  };
  return { ...hello, extensions };
}

function decodeMaxFragmentLength(data: Uint8Array): number {
  if (data.length !== 1) fail("decode_error", "malformed max_fragment_length extension");
  return data[0];
}

// --- ServerHello and HelloRetryRequest (§4.1.3, §4.1.4) ---

/** What a ServerHello's extensions select. */
export interface ServerHelloExtensions {
  /** §4.2.8 server_share; absent only in a psk_ke handshake (§4.2.9). */
  readonly keyShare: KeyShareEntry | undefined;
  /** §4.2.11 selected_identity. */
  readonly selectedIdentity: number | undefined;
  /** RFC 8773: the external PSK is combined with certificates. */
  readonly certificatesWithExternalPsk: boolean;
}

/** What a HelloRetryRequest's extensions ask for. */
export interface HelloRetryRequestExtensions {
  /** §4.2.8 selected_group. */
  readonly selectedGroup: number | undefined;
  /** §4.2.2 */
  readonly cookie: Uint8Array | undefined;
}

interface ServerHelloFields {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  /** §4.2.1 supported_versions' selected_version, or null: the server speaks TLS 1.2 or older. */
  readonly selectedVersion: number | null;
}

/** §4.1.3: a ServerHello, or (by its special random, §4.1.4) a HelloRetryRequest. */
export type ReceivedServerHello =
  | (ServerHelloFields & { readonly kind: "ServerHello"; readonly extensions: ServerHelloExtensions })
  | (ServerHelloFields & { readonly kind: "HelloRetryRequest"; readonly extensions: HelloRetryRequestExtensions });

/**
 * `offered` are the extension types of the ClientHello it answers: anything else is
 * unsupported_extension (§4.2), the HelloRetryRequest's cookie excepted. A ServerHello that does
 * not select TLS 1.3 (or names SSL 3.0, Appendix D.5) is refused on its version before its
 * extensions mean anything (§4.2.1), so they are not read.
 */
export function readServerHello(body: Uint8Array, offered: ReadonlySet<number>): ReceivedServerHello {
  const { extensions: list, ...hello } = decodeServerHello(body);
  const versionData = list.find((e) => e.type === ExtensionType.supported_versions)?.data;
  const fields: ServerHelloFields = { ...hello, selectedVersion: decoded(versionData, decodeSupportedVersionsServer) ?? null };
  const isRetry = bytesEqual(hello.random, HELLO_RETRY_REQUEST_RANDOM);
  const tls13 = fields.selectedVersion === TLS13 && hello.legacyVersion > SSL30;
  if (isRetry) {
    if (!tls13) return { ...fields, kind: "HelloRetryRequest", extensions: { selectedGroup: undefined, cookie: undefined } };
    checkExtensionsAllowed("hello_retry_request", list, offered, "HelloRetryRequest");
    const ext = byType(list);
    return {
      ...fields,
      kind: "HelloRetryRequest",
      extensions: {
        selectedGroup: decoded(ext.get(ExtensionType.key_share), decodeKeyShareHelloRetry),
        cookie: decoded(ext.get(ExtensionType.cookie), decodeCookie),
      },
    };
  }
  if (!tls13) return { ...fields, kind: "ServerHello", extensions: { keyShare: undefined, selectedIdentity: undefined, certificatesWithExternalPsk: false } };
  checkExtensionsAllowed("server_hello", list, offered, "ServerHello");
  const ext = byType(list);
  return {
    ...fields,
    kind: "ServerHello",
    extensions: {
      keyShare: decoded(ext.get(ExtensionType.key_share), decodeKeyShareServer),
      selectedIdentity: decoded(ext.get(ExtensionType.pre_shared_key), decodeSelectedIdentity),
      certificatesWithExternalPsk: flag(ext.get(ExtensionType.tls_cert_with_extern_psk), "tls_cert_with_extern_psk must be empty (RFC 8773)"),
    },
  };
}

// --- EncryptedExtensions (§4.3.1) ---

export interface EncryptedExtensionsFields {
  /** §4.2.10: the server accepts our 0-RTT data. */
  readonly earlyData: boolean;
  /** RFC 7301 §3.1 ProtocolNameList as sent (one name when well-formed). */
  readonly alpnProtocols: readonly string[] | undefined;
  /** RFC 8449 §4 record_size_limit, at least 64. */
  readonly recordSizeLimit: number | undefined;
}

/** §4.3.1: only extensions the ClientHello `offered`, each where §4.2 allows it. */
export function readEncryptedExtensions(body: Uint8Array, offered: ReadonlySet<number>): EncryptedExtensionsFields {
  const list = decodeEncryptedExtensions(body);
  checkExtensionsAllowed("encrypted_extensions", list, offered, "EncryptedExtensions");
  const ext = byType(list);
  // RFC 6066 §3: the server's server_name acknowledgement is empty.
  const sni = ext.get(ExtensionType.server_name);
  if (sni !== undefined && sni.length !== 0) fail("decode_error", "the server's server_name acknowledgement must be empty");
  const earlyData = ext.get(ExtensionType.early_data);
  if (earlyData !== undefined) decodeEarlyDataIndication(earlyData, "encrypted_extensions");
  return {
    earlyData: earlyData !== undefined,
    alpnProtocols: decoded(ext.get(ExtensionType.application_layer_protocol_negotiation), decodeAlpn),
    recordSizeLimit: decoded(ext.get(ExtensionType.record_size_limit), decodeRecordSizeLimit),
  };
}

// --- CertificateRequest (§4.3.2) ---

export interface CertificateRequestExtensions {
  /** §4.3.2: "The "signature_algorithms" extension MUST be specified". */
  readonly signatureAlgorithms: readonly number[];
  /** §4.2.4: the CAs the server accepts, as DER names. */
  readonly certificateAuthorities: readonly Uint8Array[] | undefined;
}

export interface ReceivedCertificateRequest {
  readonly certificateRequestContext: Uint8Array;
  readonly extensions: CertificateRequestExtensions;
}

export function readCertificateRequest(body: Uint8Array): ReceivedCertificateRequest {
  const { certificateRequestContext, extensions: list } = decodeCertificateRequest(body);
  checkExtensionsAllowed("certificate_request", list, null, "CertificateRequest");
  const ext = byType(list);
  const schemes = ext.get(ExtensionType.signature_algorithms);
  if (schemes === undefined) fail("missing_extension", "CertificateRequest lacks signature_algorithms");
  return {
    certificateRequestContext,
    extensions: {
      signatureAlgorithms: decodeU16List(schemes, "signature_algorithms extension"),
      certificateAuthorities: decoded(ext.get(ExtensionType.certificate_authorities), decodeCertificateAuthorities),
    },
  };
}

// --- Certificate (§4.4.2) ---

export interface ReceivedCertificate {
  readonly certificateRequestContext: Uint8Array;
  /** The certificate_list's cert_data, leaf first. */
  readonly certificates: readonly Uint8Array[];
}

/**
 * §4.4.2: "Extensions in the Certificate message from the server MUST correspond to ones from the
 * ClientHello message. Extensions in the Certificate message from the client MUST correspond to
 * extensions in the CertificateRequest message from the server." `offered` are those. We offer
 * none a CertificateEntry answers (status_request, signed_certificate_timestamp), so no entry
 * extension is read beyond this check.
 */
export function readCertificate(body: Uint8Array, offered: ReadonlySet<number>): ReceivedCertificate {
  const { certificateRequestContext, certificateList } = decodeCertificate(body);
  for (const entry of certificateList) checkExtensionsAllowed("certificate", entry.extensions, offered, "CertificateEntry");
  return { certificateRequestContext, certificates: certificateList.map((e) => e.certData) };
}

// --- NewSessionTicket (§4.6.1) ---

export interface ReceivedNewSessionTicket {
  readonly ticketLifetime: number;
  readonly ticketAgeAdd: number;
  readonly ticketNonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: {
    /** §4.2.10 max_early_data_size: the 0-RTT bytes the ticket allows. */
    readonly maxEarlyDataSize: number | undefined;
  };
}

export function readNewSessionTicket(body: Uint8Array): ReceivedNewSessionTicket {
  const { extensions: list, ...ticket } = decodeNewSessionTicket(body);
  checkExtensionsAllowed("new_session_ticket", list, null, "NewSessionTicket");
  const earlyData = byType(list).get(ExtensionType.early_data);
  return { ...ticket, extensions: { maxEarlyDataSize: decoded(earlyData, (d) => decodeEarlyDataIndication(d, "new_session_ticket")) } };
}
