/**
 * What the client checks in a ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): the
 * version, the echoes of our ClientHello, and the key share it answers.
 */
import { bytesEqual, fail } from "../bytes/index.js";
import type { GroupName, KeyShare } from "../crypto/provider.js";
import { type CipherSuite, DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, SSL30, TLS13, cipherSuiteByCode, groupCode } from "./constants.js";
import { type Extension, checkExtensionsAllowed, decodeKeyShareServer, decodeSupportedVersionsServer, findExtension } from "./extensions.js";
import type { ServerHello } from "./messages.js";
import { PskKeyExchangeMode } from "./psk.js";

/** §4.1.3 and §4.2.1: TLS 1.3 only, and the downgrade sentinels. */
export function checkServerVersion(hello: ServerHello): void {
  // Appendix D.5: legacy_version 0x0300 or less is protocol_version even beside supported_versions
  // (which otherwise makes us ignore the field, §4.2.1).
  if (hello.legacyVersion <= SSL30) {
    fail("protocol_version", `the server's legacy_version is 0x${hello.legacyVersion.toString(16).padStart(4, "0")} (SSL 3.0 or older)`);
  }
  const versions = findExtension(hello.extensions, ExtensionType.supported_versions);
  if (versions === undefined) {
    const tail = hello.random.subarray(24);
    if (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11)) {
      fail("illegal_parameter", "the server's random carries a downgrade sentinel: an attacker may be forcing an older TLS version");
    }
    fail("protocol_version", "the server chose TLS 1.2 or older; mutls speaks only TLS 1.3");
  }
  const version = decodeSupportedVersionsServer(versions);
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

/** Checks common to ServerHello and HelloRetryRequest (§4.1.3, §4.1.4); returns the suite selected. */
export function checkServerHelloFields(hello: ServerHello, what: "ServerHello" | "HelloRetryRequest", sent: ClientHelloSent): CipherSuite {
  if (!bytesEqual(hello.legacySessionIdEcho, sent.legacySessionId)) {
    fail("illegal_parameter", `${what} legacy_session_id_echo does not match our session id`);
  }
  const suite = cipherSuiteByCode(hello.cipherSuite);
  if (!suite || !sent.cipherSuites.includes(suite)) {
    fail("illegal_parameter", `${what} selected cipher suite 0x${hello.cipherSuite.toString(16)}, which we did not offer`);
  }
  if (hello.legacyCompressionMethod !== 0) fail("illegal_parameter", `${what} selected a compression method`);
  checkExtensionsAllowed(what === "ServerHello" ? "server_hello" : "hello_retry_request", hello.extensions, sent.extensions, what);
  return suite;
}

/**
 * The (EC)DHE input to the key schedule from the ServerHello's key_share and the shares we sent.
 * `pskModes` are the §4.2.9 modes of the PSK the server accepted, or null in a full handshake.
 */
export function serverKeyShareSecret(
  extensions: readonly Extension[],
  keyShares: readonly KeyShare[],
  suite: CipherSuite,
  pskModes: readonly number[] | null,
): { sharedSecret: Uint8Array; group: GroupName | null } {
  const shareData = findExtension(extensions, ExtensionType.key_share);
  if (shareData === undefined) {
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
  const share = decodeKeyShareServer(shareData);
  const ours = keyShares.find((k) => groupCode(k.group) === share.group);
  if (!ours) fail("illegal_parameter", "ServerHello key_share is for a group we sent no share for");
  const secret = ours.deriveSharedSecret(share.keyExchange);
  if (!secret) fail("illegal_parameter", `the server's ${ours.group} key share is not a valid public key`);
  return { sharedSecret: secret, group: ours.group };
}
