/**
 * mutls: a sans-I/O TLS 1.3 engine for client and server, built around mutual authentication.
 * The public surface is deliberately small; see README.md for examples.
 *
 * It is `mutls/core` (core.ts) with two additions: the pure provider as the default for every
 * connection made without `provider` (default-provider.ts), so the config types here leave
 * `provider` optional; and the development CA. Names exported here take precedence over the
 * core's of the same name (ECMAScript: a local export shadows `export *`).
 */
export * from "./core.js";
export { ClientConnection, ServerConnection, connect, accept, mtlsFetch } from "./default-provider.js";
export type { ClientConfig, ServerConfig } from "./handshake/config.js";
export type { ConnectOptions, AcceptOptions } from "./transport/options.js";
export type { MtlsRequestInit } from "./http/index.js";
export { pureProvider, createPureProvider, type PureProviderOptions } from "./crypto/pure.js";
export {
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
  type KeyType,
} from "./ca/index.js";
export { createCertificateSigningRequest, type CertificateSigningRequest, type CertificateSigningRequestOptions } from "./ca/index.js";
