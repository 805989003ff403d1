/**
 * What the client's ClientHello offers (RFC 8446 §4.1.2): its extension list, first or after a
 * HelloRetryRequest, in the order the server reads it.
 */
import type { AsyncKeyShare } from "../../crypto/provider.js";
import { ExtensionType, TLS13, groupCode } from "../codec/constants.js";
import type { ResolvedConfig } from "../config.js";
import {
  type Extension,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
} from "../codec/extensions.js";
import { isIpAddress } from "../../x509/index.js";
import { recordSizeLimitOffer } from "../record-size-limit.js";
import type { OfferedSession } from "./resumption.js";

/** RFC 6066 §3: literal IP addresses are not permitted in SNI. */
export function sniHostName(serverName: string | null): string | null {
  return serverName !== null && !isIpAddress(serverName) ? serverName : null;
}

/** What this ClientHello carries beyond the configuration. */
export interface ClientHelloOffer {
  /** §4.2.10: 0-RTT data goes with this ClientHello (never with the second). */
  readonly earlyData: boolean;
  /** The server_name to send (sniHostName), if any. */
  readonly sniName: string | null;
  readonly keyShares: readonly AsyncKeyShare[];
  /** RFC 8773: the external PSK is offered only combined with certificates. */
  readonly pskWithCertificates: boolean;
  readonly postHandshakeAuth: boolean;
  /** §4.2.2: the HelloRetryRequest's cookie, if it sent one. */
  readonly cookie: Uint8Array | null;
  /** The PSK we offer (§4.2.11), if any. */
  readonly psk: OfferedSession | null;
  /** Its psk_key_exchange_modes and pre_shared_key extensions (the resumption module's), placeholder binder included. */
  readonly pskExtensions: readonly Extension[] | null;
}

/** The ClientHello's extensions; `retry` is true for the second ClientHello (§4.1.2). */
export function clientHelloExtensions(config: ResolvedConfig, offer: ClientHelloOffer, retry: boolean): Extension[] {
  const exts: Extension[] = [];
  if (!retry && offer.earlyData) exts.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
  if (offer.sniName !== null) exts.push({ type: ExtensionType.server_name, data: encodeServerName(offer.sniName) });
  exts.push({ type: ExtensionType.supported_groups, data: encodeU16List(config.groups.map(groupCode)) });
  exts.push({
    type: ExtensionType.key_share,
    data: encodeKeyShareClient(offer.keyShares.map((k) => ({ group: groupCode(k.group), keyExchange: k.publicKey }))),
  });
  exts.push({ type: ExtensionType.supported_versions, data: encodeSupportedVersionsClient([TLS13]) });
  exts.push({ type: ExtensionType.signature_algorithms, data: encodeU16List(config.acceptedSchemes.map((s) => s.code)) });
  if (config.alpnProtocols.length > 0) {
    exts.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn(config.alpnProtocols) });
  }
  const recordSizeLimit = recordSizeLimitOffer(config.recordSizeLimit);
  if (recordSizeLimit) exts.push(recordSizeLimit);
  // RFC 8773: ask to combine the external PSK with certificates (only while we still offer it).
  if (offer.pskWithCertificates && offer.psk) exts.push({ type: ExtensionType.tls_cert_with_extern_psk, data: new Uint8Array(0) });
  // §4.2.6: lets the server ask for our certificate after the handshake.
  if (offer.postHandshakeAuth) exts.push({ type: ExtensionType.post_handshake_auth, data: new Uint8Array(0) });
  // §4.2.2: the cookie from a HelloRetryRequest is echoed in the second ClientHello.
  if (offer.cookie) exts.push({ type: ExtensionType.cookie, data: encodeCookie(offer.cookie) });
  const hooked = config.testHooks.extensions ? config.testHooks.extensions("client_hello", exts, retry) : exts;
  // §4.2.11: pre_shared_key must be the last extension, after anything a hook adds.
  return offer.pskExtensions ? [...hooked, ...offer.pskExtensions] : hooked;
}
