import { AlertDescription, TLSError } from "../bytes/index.js";
import { andThen } from "../crypto/maybe-promise.js";
import type { MaybePromise } from "../crypto/provider.js";
import { type Certificate, type PeerIdentity, type VerifiedChain, type VerifyOptions, VerificationBudget, verifyChainWith } from "../x509/index.js";
import type { PeerVerifier, ResolvedConfig } from "./config.js";

export interface VerifiedPeer {
  readonly chain: readonly Uint8Array[];
  readonly leaf: Certificate;
  readonly identity: PeerIdentity;
}

/** How refusals name the peer: its SPIFFE ID, else its subject. */
function describePeer(identity: PeerIdentity): string {
  return identity.spiffeId ?? (identity.subject || identity.dnsNames[0] || identity.uris[0] || "(no name)");
}

/** A fresh budget of limits.maxVerificationCost for one handshake or post-handshake authentication. */
export function verificationBudget(config: ResolvedConfig): VerificationBudget {
  return new VerificationBudget(config.limits.maxVerificationCost);
}

/**
 * Checks the peer's certificate chain (RFC 8446 §4.4.2.4): through the application's own
 * verifier when configured, otherwise by path validation to the trust anchors (or SPKI pins);
 * then asks the application's authorization policy, which refuses with access_denied (§6.2).
 * The work is charged to `budget`, the handshake's (design principle 7). A Certificate message
 * reaches this through checkPeerCertificate (peer-certificate.ts); resumption re-checks a stored chain.
 */
export function verifyPeerCertificates(
  config: ResolvedConfig,
  chain: readonly Uint8Array[],
  peerRole: "server" | "client",
  serverName: string | null,
  budget: VerificationBudget = verificationBudget(config),
): VerifiedPeer {
  const now = config.now();
  if (config.verifyPeer) return customVerified(config, config.verifyPeer, chain, peerRole, serverName, budget, now);
  const verified = verifyChainWith(
    chainOptions(config, chain, peerRole, serverName, budget, now),
    config.crlChecking?.check ?? null,
    config.nameConstraintChecking?.check ?? null,
  );
  return pathVerified(config, chain, verified, peerRole, serverName, now);
}

/**
 * verifyPeerCertificates with the chain's signatures on the provider's asynchronous `verify`
 * (x509/async-verify.ts, issue 13): the same checks, alerts and budget, in the same order (the
 * application's verifyPeer and authorizePeer still run after path validation); the VerifiedPeer
 * itself when the provider answers at once, else a Promise of it.
 */
export function verifyPeerCertificatesAsync(
  config: ResolvedConfig,
  chain: readonly Uint8Array[],
  peerRole: "server" | "client",
  serverName: string | null,
  budget: VerificationBudget,
): MaybePromise<VerifiedPeer> {
  const now = config.now();
  if (config.verifyPeer) return customVerified(config, config.verifyPeer, chain, peerRole, serverName, budget, now);
  // Without the module (mutls/core), the provider's synchronous verify checks the chain: same verdicts.
  const verifyChain = config.asyncChainVerification?.verify ?? verifyChainWith;
  const verified = verifyChain(
    chainOptions(config, chain, peerRole, serverName, budget, now),
    config.crlChecking?.check ?? null,
    config.nameConstraintChecking?.check ?? null,
  );
  return andThen(verified, (v) => pathVerified(config, chain, v, peerRole, serverName, now));
}

/** The application's own verifier (config.verifyPeer), then its authorization policy. */
function customVerified(
  config: ResolvedConfig,
  verifyPeer: PeerVerifier,
  chain: readonly Uint8Array[],
  peerRole: "server" | "client",
  serverName: string | null,
  budget: VerificationBudget,
  now: Date,
): VerifiedPeer {
  budget.chargeParse(chain[0].length, "parsing the leaf certificate");
  const identity = verifyPeer(chain, { peerRole, serverName, now });
  const peer = { chain, leaf: config.peerCertificates.parse(chain[0]), identity };
  authorizePeer(config, peer, peerRole, serverName, now);
  return peer;
}

/** A validated path, then the application's authorization policy. */
function pathVerified(
  config: ResolvedConfig,
  chain: readonly Uint8Array[],
  verified: VerifiedChain,
  peerRole: "server" | "client",
  serverName: string | null,
  now: Date,
): VerifiedPeer {
  const peer = { chain, leaf: verified.leaf, identity: verified.identity };
  authorizePeer(config, peer, peerRole, serverName, now);
  return peer;
}

function chainOptions(
  config: ResolvedConfig,
  chain: readonly Uint8Array[],
  peerRole: "server" | "client",
  serverName: string | null,
  budget: VerificationBudget,
  now: Date,
): VerifyOptions {
  return {
    chain,
    trustAnchors: config.preparedTrustAnchors,
    now,
    provider: config.provider,
    purpose: peerRole === "server" ? "serverAuth" : "clientAuth",
    serverName: peerRole === "server" && serverName !== null ? serverName : undefined,
    profile: config.certificateProfile,
    webPkiProfile: config.webPkiProfile ?? undefined,
    isPublicSuffix: config.isPublicSuffix ?? undefined,
    crls: config.crls,
    spkiPins: config.spkiPins,
    maxSignatureChecks: config.limits.maxSignatureChecks,
    maxPathCandidates: config.limits.maxPathCandidates,
    budget,
    minRsaModulusBits: config.minRsaModulusBits,
    parseCertificate: (der) => config.peerCertificates.parse(der),
  };
}

function authorizePeer(config: ResolvedConfig, peer: VerifiedPeer, peerRole: "server" | "client", serverName: string | null, now: Date): void {
  if (config.authorizePeer === null) return;
  const verdict = config.authorizePeer(peer.identity, { peerRole, serverName, now, leaf: peer.leaf });
  if (verdict === true || verdict === undefined) return;
  const reason = typeof verdict === "string" && verdict !== "" ? verdict : "the authorization policy refused it";
  throw new TLSError(AlertDescription.access_denied, `${peerRole} ${describePeer(peer.identity)} is not authorized: ${reason}`);
}
