/** X.509 for the TLS engine: PEM, certificates, private keys, and path validation. */
export { decodePem, encodePem, pemCertificates, type PemBlock } from "./pem.js";
export { parseCertificate, describeCertificate, type Certificate } from "./certificate.js";
export type { DistinguishedName } from "./name.js";
export type { BasicConstraints, KeyUsage, SubjectAltName } from "./extensions.js";
export { parsePrivateKey, publicKeyOf, privateKeyMatchesCertificate } from "./private-key.js";
export { verifyCertificateChain, type VerifiedChain, type PeerIdentity, type VerifyOptions } from "./verify.js";
export { certificateMatchesServerName, dnsNameMatches, isIpAddress } from "./hostname.js";
export type { Purpose } from "./chain-checks.js";
