/**
 * What the client checks in the server's parameters (RFC 8446 §4.3): EncryptedExtensions and,
 * in a certificate handshake, the CertificateRequest.
 */
import { fail } from "../../bytes/index.js";
import type { ResolvedConfig } from "../config.js";
import {
  type EncryptedExtensionsFields,
  type ReceivedCertificateRequest,
  readCertificateRequest,
  readEncryptedExtensions,
} from "../codec/received-messages.js";
import type { Negotiated, ServerParameters } from "./state.js";

/**
 * §4.3.1: only extensions we offered and an empty server_name acknowledgement (both checked as
 * the message is read, received-messages.ts); early_data only for
 * the ticket's first PSK, cipher suite and ALPN protocol (§4.2.10); one ALPN protocol we offered
 * (RFC 7301 §3.1).
 */
export function checkEncryptedExtensions(
  config: ResolvedConfig,
  body: Uint8Array,
  hs: Negotiated,
  earlyDataSent: boolean,
): { params: ServerParameters; extensions: EncryptedExtensionsFields } {
  const extensions = readEncryptedExtensions(body, hs.offeredExtensions);
  let earlyData: ServerParameters["earlyData"] = earlyDataSent ? "rejected" : "none";
  if (extensions.earlyData) {
    // §4.2.10: accepting 0-RTT requires the first PSK and the ticket's own cipher suite.
    const session = hs.psk?.session;
    if (!session || hs.suite.code !== session.cipherSuite) {
      fail("illegal_parameter", "the server accepted early data without resuming the ticket it was sent under");
    }
    earlyData = "accepted";
  }
  let alpnProtocol: string | null = null;
  const chosen = extensions.alpnProtocols;
  if (chosen !== undefined) {
    // RFC 7301 §3.1: exactly one protocol, one we offered.
    if (chosen.length !== 1 || !config.alpnProtocols.includes(chosen[0])) {
      fail("illegal_parameter", `the server selected ALPN protocol "${chosen.join(",")}", which we did not offer`);
    }
    alpnProtocol = chosen[0];
  }
  // §4.2.10: a server that accepts 0-RTT must have selected the ticket's ALPN protocol, the one
  // the early data was written for.
  const ticketAlpn = hs.psk?.session?.alpnProtocol ?? null;
  if (earlyData === "accepted" && alpnProtocol !== ticketAlpn) {
    fail(
      "illegal_parameter",
      `the server accepted early data written for ALPN protocol ${ticketAlpn === null ? "none" : `"${ticketAlpn}"`}, but selected ${alpnProtocol === null ? "none" : `"${alpnProtocol}"`}`,
    );
  }
  return { params: { alpnProtocol, earlyData }, extensions };
}

/** §4.3.2: during the handshake the context is empty (signature_algorithms, required, is checked as it is read). */
export function checkCertificateRequest(body: Uint8Array): ReceivedCertificateRequest {
  const request = readCertificateRequest(body);
  // §4.3.2: the context is empty except in post-handshake authentication.
  if (request.certificateRequestContext.length !== 0) {
    fail("illegal_parameter", "CertificateRequest during the handshake must have an empty context");
  }
  return request;
}
