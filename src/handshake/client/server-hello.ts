/**
 * What the client checks in a ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): the
 * version, the echoes of our ClientHello, the key share it answers, what a HelloRetryRequest asks
 * for, and whether an external PSK was combined with certificates (RFC 8773).
 */
import { bytesEqual, fail } from "../../bytes/index.js";
import { type AsyncKeyShare, type GroupName, type MaybePromise, isPromise } from "../../crypto/provider.js";
import { type CipherSuite, DOWNGRADE_TLS11, DOWNGRADE_TLS12, SSL30, TLS13, cipherSuiteByCode, groupByCode, groupCode } from "../codec/constants.js";
import { PskKeyExchangeMode } from "../codec/psk-extensions.js";
import type { OfferedSession } from "./resumption.js";
import type { HelloRetryRequestExtensions, ReceivedServerHello, ServerHelloExtensions } from "../codec/received-messages.js";

/** §4.1.3 and §4.2.1: TLS 1.3 only, and the downgrade sentinels. */
export function checkServerVersion(hello: ReceivedServerHello): void {
  // Appendix D.5: legacy_version 0x0300 or less is protocol_version even beside supported_versions
  // (which otherwise makes us ignore the field, §4.2.1).
  if (hello.legacyVersion <= SSL30) {
    fail("protocol_version", `the server's legacy_version is 0x${hello.legacyVersion.toString(16).padStart(4, "0")} (SSL 3.0 or older)`);
  }
  const version = hello.selectedVersion;
  if (version === null) {
    const tail = hello.random.subarray(24);
    if (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11)) {
      fail("illegal_parameter", "the server's random carries a downgrade sentinel: an attacker may be forcing an older TLS version");
    }
    fail("protocol_version", "the server chose TLS 1.2 or older; mutls speaks only TLS 1.3");
  }
  if (version !== TLS13) {
    fail("illegal_parameter", `the server selected version 0x${version.toString(16)}, which we did not offer`);
  }
}

/** What the ClientHello the server answers offered. */
export interface ClientHelloSent {
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly CipherSuite[];
  readonly extensions: ReadonlySet<number>;
}

/**
 * Checks common to ServerHello and HelloRetryRequest (§4.1.3, §4.1.4); returns the suite selected.
 * Their extensions were checked against what we `sent` when they were read (received-messages.ts).
 */
export function checkServerHelloFields(hello: ReceivedServerHello, sent: ClientHelloSent): CipherSuite {
  const what = hello.kind;
  if (!bytesEqual(hello.legacySessionIdEcho, sent.legacySessionId)) {
    fail("illegal_parameter", `${what} legacy_session_id_echo does not match our session id`);
  }
  const suite = cipherSuiteByCode(hello.cipherSuite);
  if (!suite || !sent.cipherSuites.includes(suite)) {
    fail("illegal_parameter", `${what} selected cipher suite 0x${hello.cipherSuite.toString(16)}, which we did not offer`);
  }
  if (hello.legacyCompressionMethod !== 0) fail("illegal_parameter", `${what} selected a compression method`);
  return suite;
}

/** The (EC)DHE input to the key schedule and its group (null: psk_ke, no (EC)DHE). */
export interface KeyExchangeOutcome {
  readonly sharedSecret: Uint8Array;
  readonly group: GroupName | null;
}

/**
 * The (EC)DHE input to the key schedule from the ServerHello's key_share and the shares we sent.
 * `pskModes` are the §4.2.9 modes of the PSK the server accepted, or null in a full handshake.
 * A Promise only when our share's provider derives asynchronously; the checks and alerts are the same.
 */
export function serverKeyShareSecret(
  extensions: ServerHelloExtensions,
  keyShares: readonly AsyncKeyShare[],
  suite: CipherSuite,
  pskModes: readonly number[] | null,
): MaybePromise<KeyExchangeOutcome> {
  const share = extensions.keyShare;
  if (share === undefined) {
    // §4.2.9: only psk_ke, which we must have offered, goes without (EC)DHE.
    if (pskModes === null) fail("missing_extension", "ServerHello has no key_share; we require (EC)DHE");
    // §4.2.11: a PSK accepted without the key_share our psk_key_exchange_modes require is illegal_parameter.
    if (!pskModes.includes(PskKeyExchangeMode.psk_ke)) {
      fail("illegal_parameter", "ServerHello accepted our PSK without a key_share, but we offered only psk_dhe_ke");
    }
    return { sharedSecret: new Uint8Array(suite.hash === "SHA-384" ? 48 : 32), group: null };
  }
  if (pskModes !== null && !pskModes.includes(PskKeyExchangeMode.psk_dhe_ke)) {
    fail("illegal_parameter", "ServerHello chose psk_dhe_ke, which we did not offer");
  }
  const ours = keyShares.find((k) => groupCode(k.group) === share.group);
  if (!ours) fail("illegal_parameter", "ServerHello key_share is for a group we sent no share for");
  const secret = ours.deriveSharedSecret(share.keyExchange);
  if (isPromise(secret)) return secret.then((s) => sharedSecretChecked(s, ours.group));
  return sharedSecretChecked(secret, ours.group);
}

function sharedSecretChecked(secret: Uint8Array | null, group: GroupName): KeyExchangeOutcome {
  if (!secret) fail("illegal_parameter", `the server's ${group} key share is not a valid public key`);
  return { sharedSecret: secret, group };
}

/** What the HelloRetryRequest asked for. */
export interface HelloRetry {
  readonly suite: CipherSuite;
  /** The group to send a key share for in the second ClientHello, or null to keep ours. */
  readonly group: GroupName | null;
  /** §4.2.2: the cookie to echo, if any. */
  readonly cookie: Uint8Array | null;
}

/**
 * The HelloRetryRequest's key_share and cookie, checked against the `groups` we support and the
 * groups we `sentShares` for; `suite` is the one it selected, already checked.
 */
export function checkHelloRetryRequest(
  extensions: HelloRetryRequestExtensions,
  suite: CipherSuite,
  groups: readonly GroupName[],
  sentShares: readonly GroupName[],
): HelloRetry {
  let group: GroupName | null = null;
  if (extensions.selectedGroup !== undefined) {
    const g = groupByCode(extensions.selectedGroup);
    // §4.2.8: the group must be one we support, and not one we already sent a share for.
    if (!g || !groups.includes(g)) fail("illegal_parameter", "HelloRetryRequest asks for a group we did not offer");
    if (sentShares.includes(g)) {
      fail("illegal_parameter", `HelloRetryRequest asks for ${g}, for which we already sent a key share`);
    }
    group = g;
  }
  const cookie = extensions.cookie ?? null;
  // §4.1.4: an HRR that would not change the ClientHello is illegal.
  if (group === null && cookie === null) fail("illegal_parameter", "HelloRetryRequest would not change the ClientHello");
  return { suite, group, cookie };
}

/**
 * RFC 8773: the server combines our external PSK with certificates by echoing the empty
 * tls_cert_with_extern_psk beside pre_shared_key and key_share (psk_dhe_ke). A client that asked
 * for the combination accepts nothing less: neither the PSK alone nor certificates alone.
 * Returns whether the combination was negotiated; `pskAccepted` is whether the ServerHello
 * selected our PSK.
 */
export function checkCertificatesWithPsk(serverHelloExtensions: ServerHelloExtensions, asked: boolean, pskAccepted: boolean): boolean {
  if (!serverHelloExtensions.certificatesWithExternalPsk) {
    if (!asked) return false;
    fail(
      "handshake_failure",
      pskAccepted
        ? "the server accepted our external PSK without certificates, but this client uses it only withCertificates (RFC 8773)"
        : "the server declined to combine our external PSK with certificates (RFC 8773); this client is configured to require both",
    );
  }
  if (!pskAccepted) fail("missing_extension", "ServerHello has tls_cert_with_extern_psk without pre_shared_key (RFC 8773)");
  if (serverHelloExtensions.keyShare === undefined) {
    fail("missing_extension", "ServerHello has tls_cert_with_extern_psk without key_share; RFC 8773 requires psk_dhe_ke");
  }
  return true;
}

/** The PSK a ServerHello accepted (§4.2.11), and whether it is combined with certificates (RFC 8773). */
export interface AcceptedPsk {
  readonly psk: OfferedSession | null;
  readonly certificatesWithPsk: boolean;
}

/**
 * §4.2.11 and RFC 8773 on the ServerHello: the PSK it selected, if any (checkSelectedPsk), then the
 * combination with certificates (checkCertificatesWithPsk). `withCertificates`: our external PSK
 * asks for the combination. Reached through the client's resumption module only: a client that
 * offered no PSK has already refused either extension as unsupported_extension (readServerHello).
 */
export function acceptServerHelloPsk(
  extensions: ServerHelloExtensions,
  offer: OfferedSession | null,
  suite: CipherSuite,
  withCertificates: boolean,
): AcceptedPsk {
  const selected = extensions.selectedIdentity;
  const psk = selected !== undefined ? checkSelectedPsk(offer, selected, suite) : null;
  return { psk, certificatesWithPsk: checkCertificatesWithPsk(extensions, withCertificates, psk !== null) };
}

/** §4.2.11: what the client checks when the ServerHello accepts its PSK. */
export function checkSelectedPsk(offer: OfferedSession | null, selected: number, suite: CipherSuite): OfferedSession {
  if (offer === null) fail("unsupported_extension", "ServerHello selected a PSK, but we offered none");
  if (selected !== 0) fail("illegal_parameter", `ServerHello selected PSK identity ${selected}; we offered only one`);
  if (suite.hash !== offer.suite.hash) fail("illegal_parameter", "ServerHello selected a cipher suite whose hash does not match the resumed session's");
  return offer;
}
