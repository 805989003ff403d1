/** X.509 for the TLS engine: PEM, certificates, private keys, CRLs, and path validation. */
export { decodePem, encodePem, pemCertificates, type PemBlock } from "./pem.js";
export { parseCertificate, parseCertificateWith, describeCertificate, type Certificate } from "./certificate.js";
export { distinguishedNameKeyOf, distinguishedNameText, sameName, type DistinguishedName } from "./name.js";
export type { AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectAltName } from "./extensions.js";
export type { NameConstraints, NameConstraintsReader } from "./name-constraints.js";
export { nameConstraintChecking, type NameConstraintChecking } from "./name-constraint-checks.js";
export { readPrivateKey, privateKeyReading, type PrivateKeyReading } from "./private-key.js";
export { privateKeyFitsCertificate } from "./key-fit.js";
export { parsePrivateKey, publicKeyOf, privateKeyMatchesCertificate } from "./public-key.js";
export { verifyChainWithAsync, asyncChainVerification, type AsyncChainVerification } from "./async-verify.js";
export { verifyCertificateChain, verifyChainWith, identityOf, type VerifiedChain, type PeerIdentity, type VerifyOptions } from "./verify.js";
export { certificateMatchesServerName, dnsNameMatches, isIpAddress, isValidDnsName, isValidHostName, type PublicSuffixCheck } from "./hostname.js";
export { MIN_RSA_BITS, type LeafKeyUsage, type Purpose } from "./chain-checks.js";
export { DEFAULT_VERIFICATION_COST, VerificationBudget } from "./verification-budget.js";
export type { CertificateProfile } from "./profile-checks.js";
export { webPkiProfile, type WebPkiProfile } from "./webpki-profile.js";
export { parseCertificateRevocationList, crlChecking, type CrlChecking, type CertificateRevocationList, type RevokedEntry } from "./crl.js";
export { spkiSha256 } from "./spki-pin.js";
export {
  prepareTrustAnchors,
  trustAnchorPrecomputation,
  type TrustAnchorPrecomputation,
  type TrustAnchor,
  type AnchorVerifier,
} from "./trust-anchor.js";
export { parseSpiffeId, spiffeIdOf, spiffeIdMatches, spiffePolicy, x509SvidProblem, type SpiffeId, type SpiffePolicyOptions, type SpiffeAuthorizationContext } from "./spiffe.js";
