/**
 * The one path a peer's certificate takes (RFC 8446 §4.4.2, §4.4.2.4, §4.4.3): the server's during
 * the handshake, the client's during the handshake, and the client's in post-handshake
 * authentication (§4.6.2) are all judged here, so the three cannot drift apart.
 */
import { bytesEqual, fail } from "../bytes/index.js";
import { type MaybePromise, type PublicKey, asyncOperations, isPromise } from "../crypto/provider.js";
import { signatureVerificationCost } from "../crypto/verification-cost.js";
import type { VerificationBudget } from "../x509/index.js";
import { PARSE_COST_PER_BYTE } from "../x509/verification-budget.js";
import { certificateVerifyContent, schemeFitsKey } from "./signer.js";
import type { ResolvedConfig } from "./config.js";
import { HandshakeType, type SignatureScheme, signatureSchemeByCode } from "./codec/constants.js";
import { type HandshakeMessage, decodeCertificateVerify } from "./codec/messages.js";
import { readCertificate } from "./codec/received-messages.js";
import { type VerifiedPeer, verifyPeerCertificates, verifyPeerCertificatesAsync } from "./peer-verification.js";
import type { Transcript } from "./transcript.js";

/** What we asked the peer for, and what its Certificate and CertificateVerify may cost us. */
export interface CertificateAsked {
  readonly peerRole: "server" | "client";
  /**
   * The certificate_request_context the peer must echo (§4.4.2): empty during the handshake
   * (§4.3.2), the request's own in post-handshake authentication (§4.6.2).
   */
  readonly context: Uint8Array;
  /**
   * The extension types of the message that asked (§4.4.2): our ClientHello for the server's
   * certificate, our CertificateRequest for the client's. CertificateEntry extensions must answer one.
   */
  readonly offeredExtensions: ReadonlySet<number>;
  /**
   * Whether an empty Certificate is refused (§4.4.2.4): a server's always is, with decode_error; a
   * client's is refused with certificate_required when we require one, else the client goes unauthenticated.
   */
  readonly required: boolean;
  /** The server name the handshake is for (the server's certificate must match it, §4.4.2.2). */
  readonly serverName: string | null;
  /** The budget of this handshake or this post-handshake request (limits.maxVerificationCost). */
  readonly budget: VerificationBudget;
}

/** A request an empty Certificate cannot answer. */
export type RequiredCertificate = CertificateAsked & { readonly required: true };

/**
 * §4.4.2: decodes the peer's Certificate body and checks it against what we asked; validates the
 * chain (peer-verification.ts), charging `asked.budget`. Returns null when a client answered with
 * no certificate and that is allowed.
 */
export function checkPeerCertificate(config: ResolvedConfig, body: Uint8Array, asked: RequiredCertificate): VerifiedPeer;
export function checkPeerCertificate(config: ResolvedConfig, body: Uint8Array, asked: CertificateAsked): VerifiedPeer | null;
export function checkPeerCertificate(config: ResolvedConfig, body: Uint8Array, asked: CertificateAsked): VerifiedPeer | null {
  const chain = readPeerCertificate(body, asked);
  if (chain === null) return null;
  return verifyPeerCertificates(config, chain, asked.peerRole, asked.serverName, asked.budget);
}

/**
 * `checkPeerCertificate` with the chain's signatures on the provider's asynchronous `verify`
 * (issue 13, x509/async-verify.ts): the same checks, alerts and budget in the same order; the
 * answer itself when the provider answers at once (always for a provider without `asynchronous`),
 * else a Promise of it. The handshake uses this one; post-handshake authentication, which cannot
 * wait, keeps `checkPeerCertificate`.
 */
export function checkPeerCertificateAsync(config: ResolvedConfig, body: Uint8Array, asked: RequiredCertificate): MaybePromise<VerifiedPeer>;
export function checkPeerCertificateAsync(config: ResolvedConfig, body: Uint8Array, asked: CertificateAsked): MaybePromise<VerifiedPeer | null>;
export function checkPeerCertificateAsync(config: ResolvedConfig, body: Uint8Array, asked: CertificateAsked): MaybePromise<VerifiedPeer | null> {
  const chain = readPeerCertificate(body, asked);
  if (chain === null) return null;
  return verifyPeerCertificatesAsync(config, chain, asked.peerRole, asked.serverName, asked.budget);
}

/** §4.4.2, §4.4.2.4: the Certificate's chain, checked against what we asked; null for an allowed empty one. */
function readPeerCertificate(body: Uint8Array, asked: CertificateAsked): readonly Uint8Array[] | null {
  const { peerRole } = asked;
  // §4.4.2: each CertificateEntry's extensions must answer the message that asked (checked as it is read).
  const certificate = readCertificate(body, asked.offeredExtensions);
  if (!bytesEqual(certificate.certificateRequestContext, asked.context)) {
    fail(
      "illegal_parameter",
      asked.context.length === 0
        ? `the ${peerRole}'s Certificate must have an empty certificate_request_context (it answers no post-handshake request)`
        : `the ${peerRole}'s post-handshake Certificate does not echo our certificate_request_context`,
    );
  }
  // §4.4.2.4: "If the server supplies an empty Certificate message, the client MUST abort the
  // handshake with a "decode_error" alert"; a server MAY continue without client authentication.
  if (certificate.certificates.length === 0) {
    if (peerRole === "server") fail("decode_error", "the server sent an empty Certificate message");
    if (asked.required) fail("certificate_required", "this server requires a client certificate; the client sent none");
    return null;
  }
  return certificate.certificates;
}

/**
 * §4.4.3: checks the peer's CertificateVerify body over `transcriptHash` (the transcript through
 * its Certificate) with the key of the certificate `peer` proved. The scheme must be one we
 * offered and fit the key (illegal_parameter), the verification is charged to `asked.budget`
 * first, and the signature over the peer role's context string must verify (decrypt_error).
 * Synchronous: the provider's own `verify` (post-handshake authentication, which cannot wait).
 */
export function checkPeerCertificateVerify(
  config: ResolvedConfig,
  body: Uint8Array,
  asked: CertificateAsked,
  peer: VerifiedPeer,
  transcriptHash: Uint8Array,
): SignatureScheme {
  const signed = readCertificateVerify(config, body, asked, peer, transcriptHash);
  const { scheme } = signed;
  return signatureChecked(config.provider.verify(scheme.algorithm, signed.key, signed.content, signed.signature), scheme, asked.peerRole);
}

/**
 * `checkPeerCertificateVerify` through the provider's asynchronous operations (issue 13): the same
 * checks and alerts, and the scheme itself when the provider answers at once, else a Promise of it.
 */
export function checkPeerCertificateVerifyAsync(
  config: ResolvedConfig,
  body: Uint8Array,
  asked: CertificateAsked,
  peer: VerifiedPeer,
  transcriptHash: Uint8Array,
  early: EarlyCertificateVerify | null = null,
): MaybePromise<SignatureScheme> {
  const signed = readCertificateVerify(config, body, asked, peer, transcriptHash);
  const { scheme } = signed;
  // The verdict started early stands in for this verification only if it was asked of the same
  // message, key and signed content (all the inputs `verify` gets).
  const valid =
    early !== null && early.key === signed.key && bytesEqual(early.body, body) && bytesEqual(early.content, signed.content)
      ? early.valid
      : asyncOperations(config.provider).verify(scheme.algorithm, signed.key, signed.content, signed.signature);
  if (isPromise(valid)) return valid.then((v) => signatureChecked(v, scheme, asked.peerRole));
  return signatureChecked(valid, scheme, asked.peerRole);
}

/**
 * A CertificateVerify whose signature check started before its turn (issue 13). While the peer's
 * chain is verified asynchronously, the CertificateVerify that arrived behind its Certificate (the
 * same record, as a flight is usually sent) is verified beside it, so the handshake waits once for
 * both. Nothing is decided here: the message is still handled in its turn, after the chain, by
 * `checkPeerCertificateVerifyAsync` with all its checks, charges and alerts, which takes this
 * verdict instead of asking again. A failed chain drops it unread: the alert is the chain's.
 */
export interface EarlyCertificateVerify {
  readonly body: Uint8Array;
  readonly key: PublicKey;
  readonly content: Uint8Array;
  /** The verdict once known (so its step need not wait again), else the verification. */
  valid: MaybePromise<boolean>;
}

/**
 * Starts the verification of `next` when it is a CertificateVerify that
 * `checkPeerCertificateVerifyAsync` would verify after `certificate` (the peer's Certificate,
 * not yet in `transcript`): a scheme we offered that fits the leaf's key, within what is left of
 * the budget. Null otherwise, or for anything it cannot read: the message's own turn judges it.
 * Called once the chain's check has searched the path and started the chain's verifications (the
 * search is short, those verifications the longest wait), so the runtime verifies all of them
 * together; the leaf it parses is the one the search put in the configuration's cache.
 */
export function verifyCertificateVerifyEarly(
  config: ResolvedConfig,
  certificate: HandshakeMessage,
  next: HandshakeMessage | null,
  asked: CertificateAsked,
  transcript: Transcript,
): EarlyCertificateVerify | null {
  if (next === null || next.type !== HandshakeType.certificate_verify) return null;
  try {
    const chain = readCertificate(certificate.body, asked.offeredExtensions).certificates;
    // Design principle 7: only work the budget allows now, beyond what the chain's search has
    // charged: the leaf's parse (charged again, as for any cached certificate) and this
    // verification. If a later round of the chain's check spends the rest, this verdict is
    // dropped in its turn: at most one verification beyond the budget per Certificate, and only
    // on a provider that answers later.
    const { budget } = asked;
    if (chain.length === 0 || budget.used + chain[0].length * PARSE_COST_PER_BYTE > budget.limit) return null;
    const key = config.peerCertificates.parse(chain[0]).publicKey;
    const { algorithm, signature } = decodeCertificateVerify(next.body);
    const scheme = signatureSchemeByCode(algorithm);
    if (!key || !scheme || scheme.certificateOnly || !config.acceptedSchemes.includes(scheme) || !schemeFitsKey(scheme, key)) return null;
    if (budget.used + chain[0].length * PARSE_COST_PER_BYTE + signatureVerificationCost(scheme.algorithm, key) > budget.limit) return null;
    const hash = transcript.fork();
    hash.update(certificate.raw);
    const content = certificateVerifyContent(asked.peerRole, hash.digest());
    const early: EarlyCertificateVerify = {
      body: next.body,
      key,
      content,
      valid: asyncOperations(config.provider).verify(scheme.algorithm, key, content, signature),
    };
    const { valid } = early;
    // A rejection is the CertificateVerify step's to report, if that step comes.
    if (isPromise(valid))
      valid.then(
        (verdict) => (early.valid = verdict),
        () => undefined,
      );
    return early;
  } catch {
    return null;
  }
}

/** A CertificateVerify whose scheme and key passed, ready to verify. */
interface SignedContent {
  readonly scheme: SignatureScheme;
  readonly key: PublicKey;
  readonly content: Uint8Array;
  readonly signature: Uint8Array;
}

/** Everything of §4.4.3 before the signature itself; charges the verification to the budget. */
function readCertificateVerify(
  config: ResolvedConfig,
  body: Uint8Array,
  asked: CertificateAsked,
  peer: VerifiedPeer,
  transcriptHash: Uint8Array,
): SignedContent {
  const { peerRole } = asked;
  const { algorithm, signature } = decodeCertificateVerify(body);
  const scheme = signatureSchemeByCode(algorithm);
  // §4.4.3: a scheme we offered in signature_algorithms (our ClientHello or CertificateRequest),
  // "compatible with the key in the sender's end-entity certificate".
  if (!scheme || scheme.certificateOnly || !config.acceptedSchemes.includes(scheme)) {
    const name = scheme?.name ?? `0x${algorithm.toString(16).padStart(4, "0")}`;
    fail("illegal_parameter", `${peerRole} signed CertificateVerify with ${name}, which we did not offer`);
  }
  const key = peer.leaf.publicKey;
  if (!key) fail("unsupported_certificate", `the ${peerRole} certificate's public key type is not supported`);
  if (!schemeFitsKey(scheme, key)) {
    fail("illegal_parameter", `${peerRole} used ${scheme.name}, which does not fit its certificate's ${key.kind} key`);
  }
  asked.budget.chargeSignature(scheme.algorithm, key, `the ${peerRole}'s CertificateVerify signature`);
  return { scheme, key, content: certificateVerifyContent(peerRole, transcriptHash), signature };
}

/** §4.4.3: "If the verification fails, the receiver MUST terminate the handshake with a "decrypt_error" alert." */
function signatureChecked(valid: boolean, scheme: SignatureScheme, peerRole: "server" | "client"): SignatureScheme {
  if (!valid) {
    fail("decrypt_error", `the ${peerRole}'s CertificateVerify signature is invalid: wrong private key, or the handshake was tampered with`);
  }
  return scheme;
}
