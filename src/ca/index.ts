/** The development CA: create a root, issue server and client certificates (PEM, PKCS#8). */
export {
  createCertificateAuthority,
  loadCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
  type CreateAuthorityOptions,
  type IssueOptions,
  type IssuedCertificate,
} from "./authority.js";
export { KEY_TYPES, type KeyType } from "./keys.js";
export { mintDemoCredentials, type DemoCredentials } from "./demo.js";
export { createCertificateSigningRequest, type CertificateSigningRequest, type CertificateSigningRequestOptions } from "./csr.js";
