/**
 * mutls: a sans-I/O TLS 1.3 engine for client and server, built around mutual authentication.
 * The public surface is deliberately small; see README.md for examples.
 */
export { ClientConnection, ServerConnection, connect, accept, mtlsFetch } from "./default-provider.js";
export type { Connection } from "./connection/connection.js";
export type {
  ClientConfig,
  ServerConfig,
  ClientAuthMode,
  PeerVerifier,
  PeerVerificationContext,
} from "./handshake/config.js";
export type { HandshakeResult } from "./handshake/handshake-io.js";
export type { Signer } from "./handshake/signer.js";
export { signerFromPrivateKey } from "./handshake/signer.js";
export { webCryptoSigner, type WebCryptoSignerOptions } from "./transport/webcrypto-signer.js";
export type { CipherSuiteName, SignatureSchemeName } from "./handshake/codec/constants.js";
export { TLSError, UsageError, AlertDescription, alertName, type AlertName, type ErrorOrigin, type TLSErrorReason } from "./bytes/index.js";
export type {
  CryptoProvider,
  GroupName,
  HashName,
  AeadAlgorithm,
  AeadKey,
  KeyShare,
  PublicKey,
  PrivateKey,
  SignatureAlgorithm,
} from "./crypto/provider.js";
export { pureProvider, createPureProvider, type PureProviderOptions } from "./crypto/pure.js";
export {
  createProvider,
  type ProviderAlgorithms,
  sha256,
  sha384,
  sha512,
  type HashAlgorithm,
  aes128gcm,
  aes256gcm,
  chacha20poly1305,
  type AeadCipher,
  x25519,
  secp256r1,
  secp384r1,
  x25519mlkem768,
  type KeyShareGroup,
  ecdsaP256,
  ecdsaP384,
  ed25519,
  rsa,
  type SignatureKeyAlgorithm,
  type SignatureKeyType,
} from "./crypto/algorithms.js";
export type {
  PeerIdentity,
  Certificate,
  CertificateProfile,
  CertificateRevocationList,
  TrustAnchor,
  SpiffeId,
  SpiffePolicyOptions,
  VerifyOptions,
  VerifiedChain,
} from "./x509/index.js";
export {
  parseCertificate,
  parsePrivateKey,
  pemCertificates,
  parseCertificateRevocationList,
  verifyCertificateChain,
  prepareTrustAnchors,
  spkiSha256,
  parseSpiffeId,
  spiffePolicy,
} from "./x509/index.js";
export type {
  PeerAuthorizer,
  PeerAuthorizationContext,
  CertificateKeyPair,
  Limits,
  ClientHelloInfo,
  ServerCertificateSelector,
  CertificateRequestInfo,
  ClientCertificateSelector,
} from "./handshake/config.js";
export { DEFAULT_LIMITS } from "./handshake/config.js";
export { MemorySessionStore, encodeSession, decodeSession, type SessionStore, type ResumableSession } from "./handshake/resumption/session-store.js";
export type { ExternalPsk, PskModeName } from "./handshake/resumption/external-psk.js";
export {
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
  type KeyType,
} from "./ca/index.js";
export { createCertificateSigningRequest, type CertificateSigningRequest, type CertificateSigningRequestOptions } from "./ca/index.js";

export type { Transport } from "./transport/transport.js";
export { webStreamsTransport, webSocketTransport, memoryTransportPair } from "./transport/transport.js";
export type { WebStreamsPair, WebSocketLike, MemoryTransportOptions } from "./transport/transport.js";
export type { SecureConnection } from "./transport/secure-connection.js";
export type { ConnectOptions, AcceptOptions, SecureTransportOptions, PemOrDer } from "./transport/options.js";
export type { ScheduleTimeout } from "./transport/timer.js";
export type { ReadableStream, WritableStream } from "./transport/stream-types.js";

export {
  createConnectionPool,
  ConnectionPool,
  HttpError,
  DEFAULT_HTTP_LIMITS,
  type MtlsFetchOptions,
  type MtlsRequestInit,
  type TransportFactory,
  type TransportOrigin,
  type ConnectionPoolOptions,
  type HttpErrorCode,
  type HttpLimits,
  type ResponseLike,
  type RequestLike,
  type HeadersLike,
  type HeadersInitLike,
  type BodyInitLike,
  type AbortSignalLike,
} from "./http/index.js";

export { VERSION } from "./version.js";
