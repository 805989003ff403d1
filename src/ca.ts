/**
 * mutls/ca: the development certificate authority (create a root, issue server and client
 * certificates, certificate signing requests), as PEM. A tool built on the engine's X.509 code,
 * kept out of `mutls` and `mutls/core` so an application that only speaks TLS does not carry it.
 */
export {
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type CreateAuthorityOptions,
  type IssueOptions,
  type IssuedCertificate,
  type KeyType,
  createCertificateSigningRequest,
  type CertificateSigningRequest,
  type CertificateSigningRequestOptions,
} from "./ca/index.js";
