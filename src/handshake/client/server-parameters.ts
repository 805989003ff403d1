/**
 * What the client checks in the server's parameters (RFC 8446 §4.3): EncryptedExtensions and,
 * in a certificate handshake, the CertificateRequest.
 */
import { fail } from "../../bytes/index.js";
import { ExtensionType } from "../constants.js";
import type { ResolvedConfig } from "../config.js";
import { decodeEarlyDataIndication } from "../early-data-indication.js";
import { checkExtensionsAllowed, decodeAlpn, findExtension } from "../extensions.js";
import { type CertificateRequest, decodeCertificateRequest, decodeEncryptedExtensions } from "../messages.js";
import type { Extension } from "../extensions.js";
import type { Negotiated, ServerParameters } from "./state.js";

/**
 * §4.3.1: only extensions we offered; an empty server_name acknowledgement; early_data only for
 * the ticket's first PSK and cipher suite (§4.2.10); one ALPN protocol we offered (RFC 7301 §3.1).
 */
export function checkEncryptedExtensions(
  config: ResolvedConfig,
  body: Uint8Array,
  hs: Negotiated,
  earlyDataSent: boolean,
): { params: ServerParameters; extensions: readonly Extension[] } {
  const extensions = decodeEncryptedExtensions(body);
  checkExtensionsAllowed("encrypted_extensions", extensions, hs.offeredExtensions, "EncryptedExtensions");
  const sni = findExtension(extensions, ExtensionType.server_name);
  if (sni !== undefined && sni.length !== 0) fail("decode_error", "the server's server_name acknowledgement must be empty");
  let earlyData: ServerParameters["earlyData"] = earlyDataSent ? "rejected" : "none";
  const earlyAccepted = findExtension(extensions, ExtensionType.early_data);
  if (earlyAccepted !== undefined) {
    decodeEarlyDataIndication(earlyAccepted, "encrypted_extensions");
    // §4.2.10: accepting 0-RTT requires the first PSK and the ticket's own cipher suite.
    const session = hs.psk?.session;
    if (!session || hs.suite.code !== session.cipherSuite) {
      fail("illegal_parameter", "the server accepted early data without resuming the ticket it was sent under");
    }
    earlyData = "accepted";
  }
  let alpnProtocol: string | null = null;
  const alpn = findExtension(extensions, ExtensionType.application_layer_protocol_negotiation);
  if (alpn !== undefined) {
    const chosen = decodeAlpn(alpn);
    // RFC 7301 §3.1: exactly one protocol, one we offered.
    if (chosen.length !== 1 || !config.alpnProtocols.includes(chosen[0])) {
      fail("illegal_parameter", `the server selected ALPN protocol "${chosen.join(",")}", which we did not offer`);
    }
    alpnProtocol = chosen[0];
  }
  return { params: { alpnProtocol, earlyData }, extensions };
}

/** §4.3.2: during the handshake the context is empty, and signature_algorithms is required. */
export function checkCertificateRequest(body: Uint8Array): CertificateRequest {
  const request = decodeCertificateRequest(body);
  checkExtensionsAllowed("certificate_request", request.extensions, null, "CertificateRequest");
  // §4.3.2: the context is empty except in post-handshake authentication.
  if (request.certificateRequestContext.length !== 0) {
    fail("illegal_parameter", "CertificateRequest during the handshake must have an empty context");
  }
  if (findExtension(request.extensions, ExtensionType.signature_algorithms) === undefined) {
    fail("missing_extension", "CertificateRequest lacks signature_algorithms");
  }
  return request;
}
