/**
 * The server's handshake options, checked when a ServerConnection is made, so a configuration
 * that cannot work fails at once with a TypeError that says what to change, not mid-handshake.
 */
import type { ClientAuthMode, ResolvedConfig, ServerConfig } from "../config.js";
import { maxEarlyDataOf } from "./early-data.js";
import { checkExternalPsk, pskModeCodes } from "../resumption/external-psk.js";
import { ticketCountOf, ticketLifetimeOf } from "./resumption.js";

export interface ServerOptions {
  readonly clientAuth: ClientAuthMode;
  /** Whether CertificateRequest names our trust anchors (§4.2.4). */
  readonly advertiseCertificateAuthorities: boolean;
}

export function checkServerOptions(config: ResolvedConfig, serverConfig: ServerConfig): ServerOptions {
  ticketCountOf(serverConfig);
  ticketLifetimeOf(serverConfig);
  const clientAuth = serverConfig.clientAuth ?? "none";
  if (!["none", "request", "require"].includes(clientAuth)) {
    throw new TypeError(`clientAuth must be "none", "request" or "require", not "${clientAuth}"`);
  }
  // selectCertificate may supply every handshake's certificate (credential-hooks.ts).
  const certificates = config.credentials !== null || config.selectCertificate !== null;
  if (!certificates && !serverConfig.externalPsks?.length)
    throw new TypeError("a server needs certificateChain and privateKey (or signer), selectCertificate, or externalPsks");
  for (const psk of serverConfig.externalPsks ?? []) checkExternalPsk(psk);
  if (!certificates && serverConfig.externalPsks?.some((p) => p.withCertificates)) {
    throw new TypeError("an external PSK withCertificates needs the server's certificateChain and privateKey (or signer), or selectCertificate, too");
  }
  pskModeCodes(serverConfig.pskKeyExchangeModes);
  maxEarlyDataOf(serverConfig);
  if (clientAuth !== "none" && !config.verifyPeer && config.trustAnchors.length === 0 && config.spkiPins.length === 0) {
    throw new TypeError("requesting client certificates needs trustAnchors (or spkiPins, or verifyPeer) to check them");
  }
  return { clientAuth, advertiseCertificateAuthorities: serverConfig.advertiseCertificateAuthorities ?? config.trustAnchors.length <= 16 };
}
