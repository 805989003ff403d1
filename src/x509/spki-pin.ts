/**
 * SPKI pinning: trust decided by the SHA-256 digest of a SubjectPublicKeyInfo (the form HPKP,
 * RFC 7469 §2.4, and `openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum` use).
 * Pins survive certificate renewal with the same key.
 */
import { constantTimeEqual, toHex, type TLSError } from "../bytes/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { describeCertificate, type Certificate } from "./certificate.js";
import { certificateError } from "./chain-checks.js";

/** SHA-256 of the certificate's SubjectPublicKeyInfo DER. */
export function spkiSha256(cert: Certificate, provider: CryptoProvider): Uint8Array {
  return provider.hash("SHA-256", cert.spki);
}

/** Refuses unless some certificate of `path` (leaf first, anchor last) has a pinned key. */
export function checkSpkiPins(path: readonly Certificate[], pins: readonly Uint8Array[], provider: CryptoProvider): TLSError | null {
  for (const cert of path) {
    const digest = spkiSha256(cert, provider);
    if (pins.some((pin) => constantTimeEqual(pin, digest))) return null;
  }
  const leaf = path[0];
  return certificateError(
    "bad_certificate",
    `no certificate on the path of ${describeCertificate(leaf)} has a pinned public key (leaf SPKI sha256 ${toHex(spkiSha256(leaf, provider))})`,
  );
}
