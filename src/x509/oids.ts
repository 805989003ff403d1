/** Object identifiers used by the X.509 profile mutls understands, with the RFC that assigns each. */

export const OID = {
  // RFC 8017 Appendix C / RFC 4055 §5: RSA.
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsassaPss: "1.2.840.113549.1.1.10",
  mgf1: "1.2.840.113549.1.1.8",
  sha256WithRSAEncryption: "1.2.840.113549.1.1.11",
  sha384WithRSAEncryption: "1.2.840.113549.1.1.12",
  sha512WithRSAEncryption: "1.2.840.113549.1.1.13",
  // RFC 5480 §2.1.1, RFC 5758 §3.2: elliptic curves and ECDSA.
  ecPublicKey: "1.2.840.10045.2.1",
  prime256v1: "1.2.840.10045.3.1.7",
  secp384r1: "1.3.132.0.34",
  ecdsaWithSHA256: "1.2.840.10045.4.3.2",
  ecdsaWithSHA384: "1.2.840.10045.4.3.3",
  ecdsaWithSHA512: "1.2.840.10045.4.3.4",
  // RFC 8410 §3: Ed25519.
  ed25519: "1.3.101.112",
  // RFC 5754 §2 (via NIST): hash algorithms.
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  // RFC 8018 / RFC 5958: PKCS#8.
  encryptedPrivateKey: "1.2.840.113549.1.5.13",
  // RFC 5280 §4.2.1: certificate extensions.
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  nameConstraints: "2.5.29.30",
  policyConstraints: "2.5.29.36",
  // RFC 5280 §4.2.2.1.
  authorityInfoAccess: "1.3.6.1.5.5.7.1.1",
  // RFC 5280 §5.2: CRL extensions.
  cRLNumber: "2.5.29.20",
  deltaCRLIndicator: "2.5.29.27",
  issuingDistributionPoint: "2.5.29.28",
  reasonCode: "2.5.29.21",
  invalidityDate: "2.5.29.24",
  certificateIssuer: "2.5.29.29",
  cRLDistributionPoints: "2.5.29.31",
} as const;

/** RFC 5280 §4.2.1.12 key purposes, by the names OpenSSL prints. */
export const KEY_PURPOSE_NAMES: Record<string, string> = {
  "2.5.29.37.0": "anyExtendedKeyUsage",
  "1.3.6.1.5.5.7.3.1": "serverAuth",
  "1.3.6.1.5.5.7.3.2": "clientAuth",
  "1.3.6.1.5.5.7.3.3": "codeSigning",
  "1.3.6.1.5.5.7.3.4": "emailProtection",
  "1.3.6.1.5.5.7.3.8": "timeStamping",
  "1.3.6.1.5.5.7.3.9": "OCSPSigning",
};

/** Names for signature algorithms in error messages, including ones mutls refuses. */
const ALGORITHM_NAMES: Record<string, string> = {
  "1.2.840.113549.1.1.2": "md2WithRSAEncryption",
  "1.2.840.113549.1.1.4": "md5WithRSAEncryption",
  "1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
  "1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
  "1.2.840.10045.4.1": "ecdsa-with-SHA1",
  "1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
  "1.2.840.10040.4.3": "dsa-with-SHA1",
  "2.16.840.1.101.3.4.3.2": "dsa-with-SHA256",
  "1.3.101.113": "Ed448",
  "1.2.840.113549.1.1.1": "rsaEncryption",
  "1.2.840.10045.2.1": "id-ecPublicKey",
  "1.2.840.10040.4.1": "DSA",
  "1.3.101.110": "X25519",
  "1.3.101.111": "X448",
};
for (const [name, oid] of Object.entries(OID)) ALGORITHM_NAMES[oid] ??= name;
ALGORITHM_NAMES[OID.rsassaPss] = "RSASSA-PSS";
ALGORITHM_NAMES[OID.ed25519] = "Ed25519";

/**
 * Signature algorithms over MD2, MD5 or SHA-1. RFC 8446 §4.4.2.4: a certificate that would need
 * one of them checked MUST (MD5) or is RECOMMENDED to (SHA-1) end the handshake with bad_certificate.
 */
export const BROKEN_HASH_SIGNATURE_OIDS: ReadonlySet<string> = new Set([
  "1.2.840.113549.1.1.2",
  "1.2.840.113549.1.1.4",
  "1.2.840.113549.1.1.5",
  "1.2.840.10045.4.1",
  "1.2.840.10040.4.3",
]);

/** A readable name for an algorithm OID, or the OID itself. */
export function algorithmName(oid: string): string {
  return ALGORITHM_NAMES[oid] ?? oid;
}
