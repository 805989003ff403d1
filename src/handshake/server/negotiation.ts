/**
 * What a server reads from a ClientHello before it answers (RFC 8446 §4.1.1, §4.1.2): the checks
 * every ClientHello must pass, the ones a second ClientHello must pass after a HelloRetryRequest,
 * and the choice of cipher suite, group, ALPN protocol and signature scheme. Pure functions over
 * the decoded message and the configuration; the state machine stays in handshake.ts.
 */
import { bytesEqual, constantTimeEqual, fail } from "../../bytes/index.js";
import type { GroupName } from "../../crypto/provider.js";
import { type CipherSuite, SSL30, TLS13, groupCode, signatureSchemeByName, type SignatureScheme } from "../codec/constants.js";
import type { Credentials, ResolvedConfig, ServerConfig } from "../config.js";
import type { KeyShareEntry } from "../codec/extensions.js";
import type { ReceivedClientHello } from "../codec/received-messages.js";
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
  /** What the HelloRetryRequest's cookie carried; null when it had none. */
  readonly cookie: Uint8Array | null;
}

/** §4.1.2, §4.2.1, §4.2.11: what every ClientHello must get right before anything is negotiated. */
export function checkClientHello(hello: ReceivedClientHello): void {
  // Appendix D.5: a Hello with legacy_version 0x0300 (SSL 3.0) or less MUST be refused with
  // protocol_version, whatever supported_versions says; above that §4.2.1 ignores the field.
  if (hello.legacyVersion <= SSL30) {
    fail(
      "protocol_version",
      `the ClientHello's legacy_version is 0x${hello.legacyVersion.toString(16).padStart(4, "0")} (SSL 3.0 or older); TLS 1.3 clients send 0x0303`,
    );
  }
  const versions = hello.extensions.supportedVersions;
  if (versions === undefined) fail("protocol_version", "the client offered only TLS 1.2 or older; mutls speaks only TLS 1.3");
  if (!versions.includes(TLS13)) {
    fail("protocol_version", "the client's supported_versions does not include TLS 1.3");
  }
  if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
    fail("illegal_parameter", "a TLS 1.3 ClientHello must offer only the null compression method");
  }
}

/** §4.1.2: after a HelloRetryRequest the client may change only the key share, the cookie and early data. */
export function checkSecondClientHello(first: ReceivedClientHello, hello: ReceivedClientHello, retry: HelloRetryChoice): void {
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
  // §4.1.2: "Including a 'cookie' extension if one was provided in the HelloRetryRequest", and
  // only then.
  const cookie = hello.extensions.cookie;
  if (retry.cookie === null) {
    if (cookie !== undefined) fail("illegal_parameter", "the second ClientHello carries a cookie the HelloRetryRequest did not send");
  } else if (cookie === undefined || !constantTimeEqual(cookie, retry.cookie)) {
    fail("illegal_parameter", "the second ClientHello does not echo the HelloRetryRequest cookie");
  }
  const entries = hello.extensions.keyShares ?? [];
  // §4.2.8: exactly one share, for the group the HelloRetryRequest selected.
  if (entries.length !== 1 || entries[0].group !== groupCode(retry.group)) {
    fail("illegal_parameter", `the second ClientHello must carry exactly one key share, for ${retry.group}`);
  }
  if (hello.extensions.earlyData) {
    fail("illegal_parameter", "early_data is not allowed after a HelloRetryRequest (§4.2.10)");
  }
}

/**
 * §4.1.1: suite, SNI and ALPN; a retry keeps the suite it fixed. The group waits for the PSK
 * (`negotiateGroup`): a psk_ke handshake needs none (§4.2.9), so the client may send none.
 */
export function negotiate(c: ResolvedConfig, serverConfig: ServerConfig, hello: ReceivedClientHello, retry: HelloRetryChoice | null): NegotiatedBeforePsk {
  const offeredGroups = readOfferedGroups(hello);
  // §4.2.11: an external PSK fixes the hash; prefer a suite that can use it.
  const pskHash = externalPskHash(serverConfig, hello.extensions.preSharedKey);
  const offered = c.cipherSuites.filter((s) => hello.cipherSuites.includes(s.code));
  const suite = retry?.suite ?? offered.find((s) => s.hash === pskHash) ?? offered[0];
  if (!suite) {
    fail("handshake_failure", `no cipher suite in common; we support ${c.cipherSuites.map((s) => s.name).join(", ")}`);
  }
  return { suite, alpnProtocol: negotiateAlpn(c, hello), serverName: hello.extensions.serverName, offeredGroups };
}

/**
 * §9.2: supported_groups and key_share come together or not at all, and a ClientHello without
 * pre_shared_key must carry both and signature_algorithms; otherwise missing_extension, before
 * anything is negotiated. Both are checked even when a psk_ke handshake will not use them.
 */
function readOfferedGroups(hello: ReceivedClientHello): OfferedGroups | null {
  const { supportedGroups: groups, keyShares: shares } = hello.extensions;
  const offersPsk = hello.extensions.preSharedKey !== undefined;
  if (!offersPsk && hello.extensions.signatureAlgorithms === undefined) {
    fail("missing_extension", "the ClientHello lacks signature_algorithms and offers no PSK (§9.2: then it is mandatory)");
  }
  if (groups === undefined && shares === undefined) {
    if (!offersPsk) {
      fail("missing_extension", "the ClientHello lacks supported_groups and key_share, and offers no PSK: mutls requires (EC)DHE");
    }
    return null;
  }
  if (groups === undefined || shares === undefined) {
    fail(
      "missing_extension",
      `the ClientHello has ${groups ? "supported_groups but no key_share" : "key_share but no supported_groups"} (§9.2: both or neither)`,
    );
  }
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
function negotiateAlpn(c: ResolvedConfig, hello: ReceivedClientHello): string | null {
  const offered = hello.extensions.alpnProtocols;
  if (offered === undefined || c.alpnProtocols.length === 0) return null;
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

export function negotiateSignatureScheme(credentials: Credentials | null, hello: ReceivedClientHello): ServerAuthentication {
  if (!credentials) fail("handshake_failure", "the client offered no PSK this server knows, and it has no certificate to authenticate with");
  const clientSchemes = hello.extensions.signatureAlgorithms;
  if (clientSchemes === undefined) fail("missing_extension", "the ClientHello lacks signature_algorithms (§4.2.3)");
  const scheme = credentials.signer.schemes.map((name) => signatureSchemeByName(name)).find((s) => !s.certificateOnly && clientSchemes.includes(s.code));
  if (!scheme) {
    fail("handshake_failure", `the client accepts none of the signature schemes our key can make (${credentials.signer.schemes.join(", ")})`);
  }
  return { credentials, scheme };
}
