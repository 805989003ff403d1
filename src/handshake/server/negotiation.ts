/**
 * What a server reads from a ClientHello before it answers (RFC 8446 §4.1.1, §4.1.2): the checks
 * every ClientHello must pass, the ones a second ClientHello must pass after a HelloRetryRequest,
 * and the choice of cipher suite, group, ALPN protocol and signature scheme. Pure functions over
 * the decoded message and the configuration; the state machine stays in handshake.ts.
 */
import { bytesEqual, constantTimeEqual, fail } from "../../bytes/index.js";
import type { GroupName } from "../../crypto/provider.js";
import { type CipherSuite, ExtensionType, SSL30, TLS13, extensionName, groupCode, signatureSchemeByName, type SignatureScheme } from "../constants.js";
import type { Credentials, ResolvedConfig, ServerConfig } from "../config.js";
import {
  type KeyShareEntry,
  decodeAlpn,
  decodeCookie,
  decodeKeyShareClient,
  decodeServerName,
  decodeSupportedVersionsClient,
  decodeU16List,
  findExtension,
} from "../extensions.js";
import type { ClientHello } from "../messages.js";
import { externalPskHash } from "./resumption.js";

/** What the server decided from the ClientHello (§4.1.1 negotiation). */
export interface Negotiated {
  readonly suite: CipherSuite;
  /** The (EC)DHE group and the client's share for it, or null when the PSK alone keys the handshake (psk_ke, §4.2.9). */
  readonly keyExchange: { readonly group: GroupName; readonly clientShare: KeyShareEntry } | null;
  readonly alpnProtocol: string | null;
  readonly serverName: string | null;
}

/** What can be decided before the PSK is chosen: everything but the key exchange group. */
export interface NegotiatedBeforePsk extends Omit<Negotiated, "keyExchange"> {
  /** The client's supported_groups and key_share, decoded and checked; null when it sent neither. */
  readonly offeredGroups: OfferedGroups | null;
}

/** A ClientHello's supported_groups (§4.2.7) and key_share (§4.2.8). */
export interface OfferedGroups {
  readonly groups: readonly number[];
  readonly shares: readonly KeyShareEntry[];
}

/** The (EC)DHE group and the client's share for it (undefined: a HelloRetryRequest must ask for one). */
export interface GroupChoice {
  readonly group: GroupName;
  readonly clientShare: KeyShareEntry | undefined;
}

/** The parameters a HelloRetryRequest fixed (§4.1.4), which the second ClientHello must keep. */
export interface HelloRetryChoice {
  readonly suite: CipherSuite;
  readonly group: GroupName;
  readonly cookie: Uint8Array;
}

/** §4.1.2, §4.2.1, §4.2.11: what every ClientHello must get right before anything is negotiated. */
export function checkClientHello(hello: ClientHello): void {
  // Appendix D.5: a Hello with legacy_version 0x0300 (SSL 3.0) or less MUST be refused with
  // protocol_version, whatever supported_versions says; above that §4.2.1 ignores the field.
  if (hello.legacyVersion <= SSL30) {
    fail(
      "protocol_version",
      `the ClientHello's legacy_version is 0x${hello.legacyVersion.toString(16).padStart(4, "0")} (SSL 3.0 or older); TLS 1.3 clients send 0x0303`,
    );
  }
  const data = findExtension(hello.extensions, ExtensionType.supported_versions);
  if (data === undefined) fail("protocol_version", "the client offered only TLS 1.2 or older; mutls speaks only TLS 1.3");
  if (!decodeSupportedVersionsClient(data).includes(TLS13)) {
    fail("protocol_version", "the client's supported_versions does not include TLS 1.3");
  }
  if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
    fail("illegal_parameter", "a TLS 1.3 ClientHello must offer only the null compression method");
  }
  // §4.2.6, §4.2.10: in a ClientHello these two say so by being present; their extension_data is empty.
  for (const type of [ExtensionType.post_handshake_auth, ExtensionType.early_data]) {
    const data = findExtension(hello.extensions, type);
    if (data !== undefined && data.length !== 0) fail("decode_error", `the ClientHello's ${extensionName(type)} extension must be empty`);
  }
  const preSharedKeyAt = hello.extensions.findIndex((e) => e.type === ExtensionType.pre_shared_key);
  if (preSharedKeyAt !== -1 && preSharedKeyAt !== hello.extensions.length - 1) {
    fail("illegal_parameter", "pre_shared_key must be the last ClientHello extension (§4.2.11)");
  }
}

/** §4.1.2: after a HelloRetryRequest the client may change only the key share, the cookie and early data. */
export function checkSecondClientHello(first: ClientHello, hello: ClientHello, retry: HelloRetryChoice): void {
  if (!bytesEqual(first.random, hello.random) || !bytesEqual(first.legacySessionId, hello.legacySessionId)) {
    fail("illegal_parameter", "the second ClientHello changed its random or session id");
  }
  // "The client MUST send the same ClientHello without modification, except as follows": none of
  // the exceptions touches these fields.
  if (
    first.legacyVersion !== hello.legacyVersion ||
    !bytesEqual(first.legacyCompressionMethods, hello.legacyCompressionMethods) ||
    first.cipherSuites.length !== hello.cipherSuites.length ||
    first.cipherSuites.some((s, i) => s !== hello.cipherSuites[i])
  ) {
    fail("illegal_parameter", "the second ClientHello changed its legacy_version, cipher_suites or compression methods (§4.1.2)");
  }
  if (!hello.cipherSuites.includes(retry.suite.code)) {
    fail("illegal_parameter", "the second ClientHello no longer offers the cipher suite chosen in the HelloRetryRequest");
  }
  const cookie = findExtension(hello.extensions, ExtensionType.cookie);
  if (cookie === undefined || !constantTimeEqual(decodeCookie(cookie), retry.cookie)) {
    fail("illegal_parameter", "the second ClientHello does not echo the HelloRetryRequest cookie");
  }
  const shares = findExtension(hello.extensions, ExtensionType.key_share);
  const entries = shares === undefined ? [] : decodeKeyShareClient(shares);
  // §4.2.8: exactly one share, for the group the HelloRetryRequest selected.
  if (entries.length !== 1 || entries[0].group !== groupCode(retry.group)) {
    fail("illegal_parameter", `the second ClientHello must carry exactly one key share, for ${retry.group}`);
  }
  if (findExtension(hello.extensions, ExtensionType.early_data) !== undefined) {
    fail("illegal_parameter", "early_data is not allowed after a HelloRetryRequest (§4.2.10)");
  }
}

/**
 * §4.1.1: suite, SNI and ALPN; a retry keeps the suite it fixed. The group waits for the PSK
 * (`negotiateGroup`): a psk_ke handshake needs none (§4.2.9), so the client may send none.
 */
export function negotiate(c: ResolvedConfig, serverConfig: ServerConfig, hello: ClientHello, retry: HelloRetryChoice | null): NegotiatedBeforePsk {
  const offeredGroups = readOfferedGroups(hello);
  // §4.2.11: an external PSK fixes the hash; prefer a suite that can use it.
  const pskHash = externalPskHash(serverConfig, hello.extensions);
  const offered = c.cipherSuites.filter((s) => hello.cipherSuites.includes(s.code));
  const suite = retry?.suite ?? offered.find((s) => s.hash === pskHash) ?? offered[0];
  if (!suite) {
    fail("handshake_failure", `no cipher suite in common; we support ${c.cipherSuites.map((s) => s.name).join(", ")}`);
  }
  const sni = findExtension(hello.extensions, ExtensionType.server_name);
  const serverName = sni === undefined ? null : decodeServerName(sni);
  return { suite, alpnProtocol: negotiateAlpn(c, hello), serverName, offeredGroups };
}

/**
 * §9.2: supported_groups and key_share come together or not at all, and a ClientHello without
 * pre_shared_key must carry both and signature_algorithms; otherwise missing_extension, before
 * anything is negotiated. Both are decoded and checked
 * even when a psk_ke handshake will not use them.
 */
function readOfferedGroups(hello: ClientHello): OfferedGroups | null {
  const groupsData = findExtension(hello.extensions, ExtensionType.supported_groups);
  const sharesData = findExtension(hello.extensions, ExtensionType.key_share);
  const offersPsk = findExtension(hello.extensions, ExtensionType.pre_shared_key) !== undefined;
  if (!offersPsk && findExtension(hello.extensions, ExtensionType.signature_algorithms) === undefined) {
    fail("missing_extension", "the ClientHello lacks signature_algorithms and offers no PSK (§9.2: then it is mandatory)");
  }
  if (groupsData === undefined && sharesData === undefined) {
    if (!offersPsk) {
      fail("missing_extension", "the ClientHello lacks supported_groups and key_share, and offers no PSK: mutls requires (EC)DHE");
    }
    return null;
  }
  if (groupsData === undefined || sharesData === undefined) {
    fail(
      "missing_extension",
      `the ClientHello has ${groupsData ? "supported_groups but no key_share" : "key_share but no supported_groups"} (§9.2: both or neither)`,
    );
  }
  const groups = decodeU16List(groupsData, "supported_groups extension");
  const shares = decodeKeyShareClient(sharesData);
  for (const s of shares) {
    if (!groups.includes(s.group)) fail("illegal_parameter", "the ClientHello sent a key share for a group missing from supported_groups");
  }
  return { groups, shares };
}

/**
 * §4.2.7, §4.2.8: the (EC)DHE group, preferring one the client already sent a share for; a retry
 * keeps its group. Called only when the handshake needs (EC)DHE, i.e. not for psk_ke.
 */
export function negotiateGroup(c: ResolvedConfig, offered: OfferedGroups | null, retry: HelloRetryChoice | null): GroupChoice {
  if (offered === null) {
    // As §4.2.3 has it for signature_algorithms: missing what the handshake we can do needs.
    fail(
      "missing_extension",
      "the ClientHello lacks supported_groups and key_share, and the PSK it offers was not accepted for psk_ke: mutls requires (EC)DHE",
    );
  }
  const mutual = c.groups.filter((g) => offered.groups.includes(groupCode(g)));
  if (mutual.length === 0) {
    fail("handshake_failure", `no key exchange group in common; we support ${c.groups.join(", ")}`);
  }
  // Prefer a mutually supported group the client already sent a share for: it saves a round trip.
  const withShare = mutual.find((g) => offered.shares.some((s) => s.group === groupCode(g)));
  const group = retry?.group ?? withShare ?? mutual[0];
  return { group, clientShare: offered.shares.find((s) => s.group === groupCode(group)) };
}

/** RFC 7301 §3.2: our first protocol the client offers; none in common is fatal. */
function negotiateAlpn(c: ResolvedConfig, hello: ClientHello): string | null {
  const alpnData = findExtension(hello.extensions, ExtensionType.application_layer_protocol_negotiation);
  if (alpnData === undefined || c.alpnProtocols.length === 0) return null;
  const offered = decodeAlpn(alpnData);
  const chosen = c.alpnProtocols.find((p) => offered.includes(p));
  if (chosen === undefined) {
    fail("no_application_protocol", `the client offers ALPN ${offered.join(", ")}; we support ${c.alpnProtocols.join(", ")}`);
  }
  return chosen;
}

/** §4.2.3: the scheme our CertificateVerify will use; only a certificate-authenticated handshake needs one. */
/** The certificate we authenticate with (§4.4.2) and the scheme that signs our CertificateVerify (§4.4.3). */
export interface ServerAuthentication {
  readonly credentials: Credentials;
  readonly scheme: SignatureScheme;
}

export function negotiateSignatureScheme(credentials: Credentials | null, hello: ClientHello): ServerAuthentication {
  if (!credentials) fail("handshake_failure", "the client offered no PSK this server knows, and it has no certificate to authenticate with");
  const schemesData = findExtension(hello.extensions, ExtensionType.signature_algorithms);
  if (schemesData === undefined) fail("missing_extension", "the ClientHello lacks signature_algorithms (§4.2.3)");
  const clientSchemes = decodeU16List(schemesData, "signature_algorithms extension");
  const scheme = credentials.signer.schemes.map((name) => signatureSchemeByName(name)).find((s) => !s.certificateOnly && clientSchemes.includes(s.code));
  if (!scheme) {
    fail("handshake_failure", `the client accepts none of the signature schemes our key can make (${credentials.signer.schemes.join(", ")})`);
  }
  return { credentials, scheme };
}
