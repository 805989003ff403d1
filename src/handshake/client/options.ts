/**
 * The client's handshake options, checked when a ClientConnection is made, so a configuration
 * that cannot work fails at once with a TypeError that says what to change, not mid-handshake.
 */
import type { GroupName } from "../../crypto/provider.js";
import type { ClientConfig, ResolvedConfig } from "../config.js";
import { sniHostName } from "./client-hello.js";
import type { ExternalPsk } from "../resumption/external-psk.js";
import { PskKeyExchangeMode } from "../codec/psk-extensions.js";
import type { ClientResumption } from "./resumption.js";
import { missingModule } from "../../bytes/index.js";
import type { SessionStore } from "../resumption/session-store.js";
import { isIpAddress, isValidHostName } from "../../x509/index.js";

export interface ClientOptions {
  readonly serverName: string | null;
  /** The serverName as SNI sends it: null for an IP literal. */
  readonly sniName: string | null;
  /** RFC 8446 §D.4 middlebox compatibility mode. */
  readonly middleboxCompat: boolean;
  /** §4.2.6: offer post_handshake_auth. */
  readonly postHandshakeAuth: boolean;
  readonly externalPsk: ExternalPsk | null;
  /** §4.2.9 modes offered with the external PSK. */
  readonly pskModes: readonly number[];
  /** RFC 8773: the external PSK is offered only combined with certificates. */
  readonly pskWithCertificates: boolean;
  /** The groups the first ClientHello sends key shares for. */
  readonly keyShareGroups: readonly GroupName[];
  readonly sessionStore: SessionStore | null;
  /** §2.3: the 0-RTT data to send, if any. */
  readonly earlyData: Uint8Array | null;
  /** config.clientResumption; null when the entry point supplied none (mutls/core without resumption). */
  readonly resumption: ClientResumption | null;
}

/**
 * The serverName as the handshake uses it: an IP literal as given, a DNS name lower-cased and
 * without the trailing dot of an absolute name (RFC 6066 §3 sends HostName without it, and
 * certificates name hosts without it). Anything else cannot be sent or matched: TypeError.
 */
function checkServerName(name: string | undefined): string | null {
  if (name === undefined) return null;
  if (typeof name === "string" && isIpAddress(name)) return name;
  const host = typeof name === "string" && name.endsWith(".") ? name.slice(0, -1) : name;
  if (typeof host !== "string" || !isValidHostName(host)) {
    throw new TypeError(`serverName ${JSON.stringify(name)} is neither an IP address nor an ASCII DNS host name (IDNs as "xn--" A-labels)`);
  }
  return host.toLowerCase();
}

export function checkClientOptions(config: ResolvedConfig, clientConfig: ClientConfig): ClientOptions {
  const serverName = checkServerName(clientConfig.serverName);
  const sniName = sniHostName(serverName);
  const middleboxCompat = clientConfig.middleboxCompat ?? true;
  const postHandshakeAuth = clientConfig.postHandshakeAuth ?? false;
  if (postHandshakeAuth && config.postHandshakeAuthentication === null) {
    throw missingModule("postHandshakeAuth", "postHandshakeAuthentication");
  }
  const resumption = clientConfig.clientResumption ?? null;
  const { externalPsk: psk, sessionStore, earlyData, pskKeyExchangeModes } = clientConfig;
  if (resumption === null && (psk !== undefined || sessionStore !== undefined || earlyData !== undefined || pskKeyExchangeModes !== undefined)) {
    throw missingModule("sessionStore, externalPsk, pskKeyExchangeModes or earlyData", "clientResumption");
  }
  const externalPsk = psk ?? null;
  const pskModes = resumption ? resumption.pskModes(clientConfig) : [];
  const pskWithCertificates = externalPsk?.withCertificates === true;
  if (pskWithCertificates && !pskModes.includes(PskKeyExchangeMode.psk_dhe_ke)) {
    throw new TypeError("an external PSK withCertificates needs the psk_dhe_ke mode (RFC 8773)");
  }
  // Without an external PSK, or with one combined with certificates, the server proves itself by certificate.
  if ((!externalPsk || pskWithCertificates) && !config.verifyPeer && config.trustAnchors.length === 0 && config.spkiPins.length === 0) {
    throw new TypeError("a client needs trustAnchors (or spkiPins, or verifyPeer) to authenticate the server");
  }
  // RFC 8446 §4.4.2.4 and RFC 6125 §6: a certificate from a trusted CA proves only that the CA
  // vouched for some name; without the name we expect, any certificate the CA issued to anyone
  // (another service, another tenant) would be accepted. So a client that validates the
  // server's certificate against trust anchors needs serverName, unless it checks identity
  // itself (verifyPeer, authorizePeer) or says, with checkServerIdentity: false, that it wants none.
  if (serverName === null && config.trustAnchors.length > 0 && !config.verifyPeer && !config.authorizePeer && clientConfig.checkServerIdentity !== false) {
    throw new TypeError(
      "a client with trustAnchors needs serverName, the name the server's certificate must carry (or authorizePeer/verifyPeer, or checkServerIdentity: false to accept any certificate they issued)",
    );
  }
  const keyShareGroups = clientConfig.keyShareGroups ?? [config.groups[0]];
  for (const g of keyShareGroups) {
    if (!config.groups.includes(g)) throw new TypeError(`keyShareGroups lists ${g}, which is not in groups`);
  }
  return {
    serverName,
    sniName,
    middleboxCompat,
    postHandshakeAuth,
    externalPsk,
    pskModes,
    pskWithCertificates,
    keyShareGroups,
    sessionStore: sessionStore ?? null,
    earlyData: earlyData && earlyData.length > 0 ? earlyData : null,
    resumption,
  };
}
