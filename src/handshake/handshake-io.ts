import type { CipherSuite } from "./constants.js";
import type { PeerIdentity } from "../x509/index.js";

/** What the handshake learned; exposed as `Connection.result`. */
export interface HandshakeResult {
  readonly version: "TLSv1.3";
  readonly cipherSuite: string;
  readonly group: string;
  readonly alpnProtocol: string | null;
  /** Whether a HelloRetryRequest round trip happened. */
  readonly helloRetry: boolean;
  /** SNI: the name the client asked for (as sent or as received). */
  readonly serverName: string | null;
  /** The peer's certificate chain (DER, as received, leaf first); empty if the peer sent none. */
  readonly peerCertificates: readonly Uint8Array[];
  /** Who the peer proved to be; null when it presented no certificate. */
  readonly peerIdentity: PeerIdentity | null;
  /** The signature scheme the peer's CertificateVerify used, if any. */
  readonly peerSignatureScheme: string | null;
}

/**
 * The connection's side of the handshake: the handshake never touches records directly
 * (design.md: it talks to the record layer through the connection).
 */
export interface HandshakeIO {
  /** Queue a complete handshake message under the current write keys. */
  sendHandshake(message: Uint8Array): void;
  /** RFC 8446 §D.4 dummy change_cipher_spec. */
  sendChangeCipherSpec(): void;
  /** Switch keys; `epoch` says which secrets they come from. */
  setReadSecret(suite: CipherSuite, secret: Uint8Array, epoch: "handshake" | "application"): void;
  setWriteSecret(suite: CipherSuite, secret: Uint8Array, epoch: "handshake" | "application"): void;
  /** The handshake finished for this endpoint; application data may flow. */
  complete(result: HandshakeResult): void;
  /** Server: the client offered early data we will not accept, so skip records we cannot decrypt (§4.2.10). */
  skipEarlyData(): void;
}

/** One explicit handshake state: the message types it accepts and what to do with them. */
export interface Step {
  readonly name: string;
  readonly expects: readonly number[];
  readonly handle: (message: import("./messages.js").HandshakeMessage) => void | Promise<void>;
}
