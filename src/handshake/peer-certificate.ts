/**
 * The one path a peer's certificate takes (RFC 8446 §4.4.2, §4.4.2.4, §4.4.3): the server's during
 * the handshake, the client's during the handshake, and the client's in post-handshake
 * authentication (§4.6.2) are all judged here, so the three cannot drift apart.
 */
import { bytesEqual, fail } from "../bytes/index.js";
import { type MaybePromise, type PublicKey, asyncOperations, isPromise } from "../crypto/provider.js";
import type { VerificationBudget } from "../x509/index.js";
import { certificateVerifyContent, schemeFitsKey } from "./signer.js";
import type { ResolvedConfig } from "./config.js";
import { type SignatureScheme, signatureSchemeByCode } from "./codec/constants.js";
import { decodeCertificateVerify } from "./codec/messages.js";
import { readCertificate } from "./codec/received-messages.js";
import { type VerifiedPeer, verifyPeerCertificates } from "./peer-verification.js";

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
  return verifyPeerCertificates(config, certificate.certificates, peerRole, asked.serverName, asked.budget);
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
): MaybePromise<SignatureScheme> {
  const signed = readCertificateVerify(config, body, asked, peer, transcriptHash);
  const { scheme } = signed;
  const valid = asyncOperations(config.provider).verify(scheme.algorithm, signed.key, signed.content, signed.signature);
  if (isPromise(valid)) return valid.then((v) => signatureChecked(v, scheme, asked.peerRole));
  return signatureChecked(valid, scheme, asked.peerRole);
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
    fail(
      "decrypt_error",
      `the ${peerRole}'s CertificateVerify signature is invalid: it does not hold the certificate's private key, or the handshake was tampered with`,
    );
  }
  return scheme;
}
