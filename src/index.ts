/**
 * mutls: a sans-I/O TLS 1.3 engine for client and server, built around mutual authentication.
 * The public surface is deliberately small; see README.md for examples.
 */
export { ClientConnection } from "./connection/client-connection.js";
export { ServerConnection } from "./connection/server-connection.js";
export type { Connection } from "./connection/connection.js";
export type {
  ClientConfig,
  ServerConfig,
  ClientAuthMode,
  PeerVerifier,
  PeerVerificationContext,
  TestHooks,
} from "./handshake/config.js";
export type { HandshakeResult } from "./handshake/handshake-io.js";
export type { Signer } from "./handshake/signer.js";
export { signerFromPrivateKey } from "./handshake/signer.js";
export type { CipherSuiteName, SignatureSchemeName } from "./handshake/constants.js";
export { TLSError, AlertDescription, alertName, type AlertName, type ErrorOrigin } from "./bytes/index.js";
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
export { pureProvider } from "./crypto/pure.js";
export type { PeerIdentity, Certificate } from "./x509/index.js";
export { parseCertificate, parsePrivateKey, pemCertificates } from "./x509/index.js";

export const VERSION = "0.1.0";
