/**
 * CertificateVerify (RFC 8446 §4.4.3): what is signed, the Signer that signs ours, the schemes a
 * key can sign with, and whether the peer's scheme fits its certificate's key.
 */
import { asciiBytes, concatBytes, fail } from "../bytes/index.js";
import { type CryptoProvider, type PrivateKey, type PublicKey, asyncOperations } from "../crypto/provider.js";
import { type SignatureScheme, type SignatureSchemeName, signatureSchemeByName } from "./codec/constants.js";

/**
 * What a CertificateVerify signs (ours: client/certificate.ts, server/handshake.ts; the peer's is checked in
 * peer-certificate.ts). RFC 8446 §4.4.3: the signed content is 64 spaces, a context string, a zero byte and the
 * transcript hash.
 */
export function certificateVerifyContent(role: "server" | "client", transcriptHash: Uint8Array): Uint8Array {
  const pad = new Uint8Array(64).fill(0x20);
  const context = asciiBytes(`TLS 1.3, ${role} CertificateVerify`);
  return concatBytes(pad, context, new Uint8Array([0]), transcriptHash);
}

/** Whether a CertificateVerify scheme fits the leaf's key (§4.2.3 binds curve and key type). */
export function schemeFitsKey(scheme: SignatureScheme, key: PublicKey): boolean {
  switch (scheme.key) {
    case "P-256":
    case "P-384":
      return key.kind === "ec" && key.curve === scheme.key;
    case "ed25519":
      return key.kind === "ed25519";
    case "rsa":
      return key.kind === "rsa" && !key.pssOnly;
    case "rsa-pss":
      return key.kind === "rsa" && key.pssOnly;
  }
}

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

/**
 * A signer over a private key held in memory, through the provider's asynchronous operations
 * (issue 13): synchronous with the pure and native providers, a Promise where the provider signs
 * later (WebCrypto).
 */
export function signerFromPrivateKey(key: PrivateKey, provider: CryptoProvider, pssOnly = false): Signer {
  const schemes = schemesForKey(key, pssOnly);
  const operations = asyncOperations(provider);
  return {
    schemes,
    sign(scheme, message) {
      if (!schemes.includes(scheme)) fail("internal_error", `this key cannot sign with ${scheme}`);
      return operations.sign(signatureSchemeByName(scheme).algorithm, key, message);
    },
  };
}
