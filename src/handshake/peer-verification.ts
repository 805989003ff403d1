import { fail } from "../bytes/index.js";
import { type Certificate, type PeerIdentity, parseCertificate, verifyCertificateChain } from "../x509/index.js";
import type { ResolvedConfig } from "./config.js";
import type { CertificateEntry } from "./messages.js";

export interface VerifiedPeer {
  readonly chain: readonly Uint8Array[];
  readonly leaf: Certificate;
  readonly identity: PeerIdentity;
}

/**
 * Checks the peer's Certificate message (RFC 8446 §4.4.2.4): through the application's own
 * verifier when configured, otherwise by path validation to the trust anchors.
 */
export function verifyPeerCertificates(
  config: ResolvedConfig,
  entries: readonly CertificateEntry[],
  peerRole: "server" | "client",
  serverName: string | null,
): VerifiedPeer {
  for (const entry of entries) {
    // §4.4.2: entry extensions must answer something we asked for; we ask for none (no OCSP/SCT).
    if (entry.extensions.length > 0) fail("unsupported_extension", `the ${peerRole} sent CertificateEntry extensions we did not request`);
  }
  const chain = entries.map((e) => e.certData);
  const now = config.now();
  if (config.verifyPeer) {
    const identity = config.verifyPeer(chain, { peerRole, serverName, now });
    return { chain, leaf: parseCertificate(chain[0]), identity };
  }
  const verified = verifyCertificateChain({
    chain,
    trustAnchors: config.trustAnchors,
    now,
    provider: config.provider,
    purpose: peerRole === "server" ? "serverAuth" : "clientAuth",
    serverName: peerRole === "server" && serverName !== null ? serverName : undefined,
  });
  return { chain, leaf: verified.leaf, identity: verified.identity };
}
