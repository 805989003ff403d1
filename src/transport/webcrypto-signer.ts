/**
 * A `Signer` over a WebCrypto `CryptoKey`: CertificateVerify signatures from a key the runtime
 * holds, typically generated non-extractable so its bytes are never visible to JavaScript
 * (issue 13). Signing answers with a Promise, which the engine already waits on
 * (docs/architecture.md, "Asynchronous signing"). It lives above the handshake layer because a
 * `Signer` speaks TLS scheme names, while crypto/webcrypto/ knows only signature algorithms.
 */
import { UsageError, fail } from "../bytes/index.js";
import type { SignatureAlgorithm } from "../crypto/provider.js";
import { type SubtleLike, type WebCryptoKey, signWithCryptoKey, signatureAlgorithmOfKey } from "../crypto/webcrypto/index.js";
import { runtimeSubtle } from "../crypto/webcrypto/subtle.js";
import { SIGNATURE_SCHEMES, type SignatureScheme, type SignatureSchemeName, signatureSchemeByName } from "../handshake/codec/constants.js";
import type { Signer } from "../handshake/signer.js";

export interface WebCryptoSignerOptions {
  /**
   * The certificate's key is id-RSASSA-PSS rather than rsaEncryption, so only rsa_pss_pss_* may be
   * used (RFC 8446 §4.2.3). Only for RSA-PSS keys.
   */
  readonly pssOnly?: boolean;
  /** The `SubtleCrypto` the key belongs to; by default the runtime's `globalThis.crypto.subtle`. */
  readonly subtle?: SubtleLike;
}

function fits(scheme: SignatureScheme, own: SignatureAlgorithm, curve: string | undefined, pssOnly: boolean): boolean {
  // RFC 8446 §4.2.3: rsa_pkcs1_* never signs a handshake.
  if (scheme.certificateOnly || scheme.algorithm.kind !== own.kind) return false;
  switch (own.kind) {
    case "ecdsa":
      return scheme.key === curve;
    case "ed25519":
      return true;
    case "rsa-pss":
      return scheme.key === (pssOnly ? "rsa-pss" : "rsa") && scheme.algorithm.kind === "rsa-pss" && scheme.algorithm.hash === own.hash;
    default:
      return false;
  }
}

/**
 * The CertificateVerify signer for a private `CryptoKey` with the "sign" usage: ECDSA on P-256 or
 * P-384, Ed25519, or RSA-PSS (one scheme: WebCrypto binds the hash to the key). Give it as
 * `signer` beside `certificateChain`. Throws a UsageError for a key that cannot sign TLS 1.3
 * handshakes, such as an RSASSA-PKCS1-v1_5 key.
 */
export function webCryptoSigner(key: WebCryptoKey, options: WebCryptoSignerOptions = {}): Signer {
  const own = signatureAlgorithmOfKey(key);
  const pssOnly = options.pssOnly === true;
  if (pssOnly && own.kind !== "rsa-pss") throw new UsageError(`pssOnly is for RSA-PSS keys, not ${key.algorithm.name}`);
  const schemes: SignatureSchemeName[] = SIGNATURE_SCHEMES.filter((s) => fits(s, own, key.algorithm.namedCurve, pssOnly)).map((s) => s.name);
  if (schemes.length === 0) throw new UsageError(`a ${key.algorithm.name} key cannot sign TLS 1.3 handshakes (RFC 8446 §4.2.3); use ECDSA, Ed25519 or RSA-PSS`);
  const subtle = options.subtle ?? runtimeSubtle();
  if (subtle === null) throw new UsageError("this runtime has no crypto.subtle");
  return {
    schemes,
    sign(scheme, message) {
      if (!schemes.includes(scheme)) fail("internal_error", `this key cannot sign with ${scheme}`);
      return signWithCryptoKey(subtle, key, signatureSchemeByName(scheme).algorithm, message);
    },
  };
}
