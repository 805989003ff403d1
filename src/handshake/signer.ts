import { fail } from "../bytes/index.js";
import type { CryptoProvider, PrivateKey, PublicKey } from "../crypto/provider.js";
import { type SignatureSchemeName, signatureSchemeByName } from "./constants.js";

/**
 * Produces CertificateVerify signatures for our own certificate. `sign` may return a Promise
 * (a non-extractable WebCrypto key, a secure element, a KMS); the engine pauses the handshake
 * until it settles (see `Connection.pending`).
 */
export interface Signer {
  /** Schemes this key can produce, in our preference order (RFC 8446 §4.2.3 names). */
  readonly schemes: readonly SignatureSchemeName[];
  sign(scheme: SignatureSchemeName, message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** The CertificateVerify schemes a public key can be used with (RFC 8446 §4.2.3). */
export function schemesForKey(key: PublicKey | PrivateKey, pssOnly = false): SignatureSchemeName[] {
  switch (key.kind) {
    case "ec":
      return [key.curve === "P-256" ? "ecdsa_secp256r1_sha256" : "ecdsa_secp384r1_sha384"];
    case "ed25519":
      return ["ed25519"];
    case "rsa":
      // A certificate with an id-RSASSA-PSS key can only use rsa_pss_pss_* (§4.2.3).
      return pssOnly || ("pssOnly" in key && key.pssOnly)
        ? ["rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512"]
        : ["rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512"];
  }
}

/** A synchronous signer over a private key held in memory, using the provider. */
export function signerFromPrivateKey(key: PrivateKey, provider: CryptoProvider, pssOnly = false): Signer {
  const schemes = schemesForKey(key, pssOnly);
  return {
    schemes,
    sign(scheme, message) {
      if (!schemes.includes(scheme)) fail("internal_error", `this key cannot sign with ${scheme}`);
      return provider.sign(signatureSchemeByName(scheme).algorithm, key, message);
    },
  };
}
