/**
 * mutls/core: the engine with no default crypto provider. Every connection names its `provider`,
 * composed from the algorithms it negotiates (`createProvider`), so a bundle carries only those.
 * index.ts (`mutls`) is this surface plus the default provider. The HTTP client is
 * `mutls/fetch/core` (fetch-core.ts).
 */
import { ClientConnection as EngineClientConnection } from "./connection/client-connection.js";
import { ServerConnection as EngineServerConnection } from "./connection/server-connection.js";
import type { CryptoProvider } from "./crypto/provider.js";
import type { ClientConfig as AnyClientConfig, ServerConfig as AnyServerConfig } from "./handshake/config.js";
import type { AcceptOptions as AnyAcceptOptions, ConnectOptions as AnyConnectOptions } from "./transport/options.js";
import { type SecureConnection, accept as engineAccept, connect as engineConnect } from "./transport/secure-connection.js";
import type { Transport } from "./transport/transport.js";

/** A `provider` is required: the core has no default. */
interface WithProvider {
  readonly provider: CryptoProvider;
}
export type ClientConfig = AnyClientConfig & WithProvider;
export type ServerConfig = AnyServerConfig & WithProvider;
export type ConnectOptions = AnyConnectOptions & { readonly config: ClientConfig };
export type AcceptOptions = AnyAcceptOptions & { readonly config: ServerConfig };

export type ClientConnection = EngineClientConnection;
export type ServerConnection = EngineServerConnection;
/** A TLS 1.3 client. The ClientHello is queued on construction: call `takeOutput()` first. */
export const ClientConnection: new (config: ClientConfig) => EngineClientConnection = EngineClientConnection;
/** A TLS 1.3 server: feed it the client's bytes with `receive()`. */
export const ServerConnection: new (config: ServerConfig) => EngineServerConnection = EngineServerConnection;
export const connect: (transport: Transport, options: ConnectOptions) => Promise<SecureConnection> = engineConnect;
export const accept: (transport: Transport, options: AcceptOptions) => Promise<SecureConnection> = engineAccept;
export type { Connection } from "./connection/connection.js";
export type { ClientAuthMode, PeerVerifier, PeerVerificationContext } from "./handshake/config.js";
export type { ConnectionHandshakeResult as HandshakeResult } from "./handshake/handshake-io.js";
export type { Signer } from "./handshake/signer.js";
export { signerFromPrivateKey } from "./handshake/signer.js";
export { webCryptoSigner, type WebCryptoSignerOptions } from "./transport/webcrypto-signer.js";
/**
 * The WebCrypto provider (issue 13): key shares, signatures and AES-GCM on the runtime's
 * `crypto.subtle` where it has them, `options.fallback` (by default the pure provider) for the rest.
 * Asynchronous because each algorithm is probed once up front; build it once and share it:
 * `new ClientConnection({ provider: await webCryptoProvider(), ... })`. Handshake steps then wait
 * on `crypto.subtle` (`Connection.pending`); `provider.webCryptoAlgorithms` lists what runs natively.
 */
export { webCryptoProvider, type WebCryptoProvider, type WebCryptoProviderOptions, type WebCryptoAlgorithm } from "./crypto/webcrypto/index.js";
export type { CipherSuiteName, SignatureSchemeName } from "./handshake/codec/constants.js";
export { TLSError, UsageError, AlertDescription, alertName, type AlertName, type ErrorOrigin, type TLSErrorReason } from "./bytes/index.js";
export type { CryptoProvider, GroupName, HashName, AeadAlgorithm, AeadKey, KeyShare, PublicKey, PrivateKey, SignatureAlgorithm } from "./crypto/provider.js";
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
  x25519Compact,
  largeGcmTables,
  type GhashTables,
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
  CrlChecking,
  NameConstraintChecking,
  PrivateKeyReading,
  WebPkiProfile,
  TrustAnchorPrecomputation,
  AsyncChainVerification,
  TrustAnchor,
  SpiffeId,
  SpiffePolicyOptions,
  VerifyOptions,
  VerifiedChain,
} from "./x509/index.js";
export {
  parseCertificate,
  parsePrivateKey,
  privateKeyReading,
  pemCertificates,
  parseCertificateRevocationList,
  crlChecking,
  nameConstraintChecking,
  webPkiProfile,
  verifyCertificateChain,
  prepareTrustAnchors,
  trustAnchorPrecomputation,
  spkiSha256,
  parseSpiffeId,
  spiffePolicy,
} from "./x509/index.js";
// The chain's signatures on an asynchronous provider, and a client's CertificateVerify signed beside them.
export { asyncChainVerification } from "./handshake/client/sign-ahead.js";
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
export { clientResumption, type ClientResumption } from "./handshake/client/resumption.js";
export { credentialHooks, type CredentialHooks } from "./handshake/credential-hooks.js";
export { postHandshakeAuthentication, type PostHandshakeAuthModule } from "./handshake/post-handshake-auth.js";
export type { Transport } from "./transport/transport.js";
export { webStreamsTransport, webSocketTransport, memoryTransportPair } from "./transport/transport.js";
export type { WebStreamsPair, WebSocketLike, MemoryTransportOptions } from "./transport/transport.js";
export type { SecureConnection } from "./transport/secure-connection.js";
export type { SecureTransportOptions, PemOrDer } from "./transport/options.js";
export type { ScheduleTimeout } from "./transport/timer.js";
export type { ReadableStream, WritableStream } from "./transport/stream-types.js";

export { VERSION } from "./version.js";
