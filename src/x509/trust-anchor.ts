/**
 * Trust anchors prepared for repeated use. Verifying under a configured CA is the common case,
 * so an anchor's public key can carry a precomputed verifier (for EC keys, a table of the
 * point's multiples built once) that chain checks use instead of a cold verify.
 */
import type { CryptoProvider, SignatureAlgorithm } from "../crypto/provider.js";
import type { Certificate } from "./certificate.js";
import { precomputedVerifier } from "./precomputed-verifier.js";

/** Verifies a signature made by the anchor's key; false for a bad signature. */
export type AnchorVerifier = (algorithm: SignatureAlgorithm, message: Uint8Array, signature: Uint8Array) => boolean;

export interface TrustAnchor {
  readonly certificate: Certificate;
  /** A faster verifier for the anchor's key, or null to use the provider. */
  readonly verifier: AnchorVerifier | null;
}

function isTrustAnchor(a: Certificate | TrustAnchor): a is TrustAnchor {
  return (a as TrustAnchor).certificate !== undefined;
}

export function anchorCertificate(a: Certificate | TrustAnchor): TrustAnchor {
  return isTrustAnchor(a) ? a : { certificate: a, verifier: null };
}

/**
 * Prepares anchors for path validation: EC keys get precomputed tables when the provider is
 * composed by `createProvider` (the pure provider among them) with ECDSA for the key's curve; a
 * native provider is already fast and is used as it is.
 */
export function prepareTrustAnchors(anchors: readonly Certificate[], provider: CryptoProvider): TrustAnchor[] {
  return anchors.map((certificate) => ({ certificate, verifier: precomputedVerifier(certificate, provider) }));
}

/**
 * Anchor precomputation as a module for the engine's `trustAnchorPrecomputation` option: the
 * `mutls` entry supplies it to every configuration (unless the low-memory profile is on); a
 * `mutls/core` configuration without it verifies under its anchors as under any key, with the
 * same verdicts, so a device that counts bytes (or memory: a P-256 table is about 4,000 points)
 * carries neither the tables nor their code.
 */
export interface TrustAnchorPrecomputation {
  readonly prepare: typeof prepareTrustAnchors;
}

export const trustAnchorPrecomputation: TrustAnchorPrecomputation = { prepare: prepareTrustAnchors };
