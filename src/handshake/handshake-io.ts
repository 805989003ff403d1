import type { CipherSuite } from "./codec/constants.js";
import type { PeerIdentity } from "../x509/index.js";

/**
 * What the handshake learned, as the handshake steps fill it in. The connections expose it with the
 * provider added (`ConnectionHandshakeResult`, which the entry points export as `HandshakeResult`)
 * as `handshake` on the engine's `Connection` (null until complete) and on the transport's
 * `SecureConnection`.
 */
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
  /**
   * Whether this connection resumed an earlier session with a PSK (RFC 8446 §2.2). The peer's
   * certificates and identity are then those the original handshake verified, re-checked
   * against the current trust anchors and authorization policy.
   */
  readonly resumed: boolean;
  /** The external PSK's identity (as text) when the handshake was authenticated by one, else null. */
  readonly pskIdentity: string | null;
  /**
   * 0-RTT (RFC 8446 §2.3, §4.2.10): "accepted" when early data was sent and the server took it
   * (server: `Connection.earlyDataReceived` bytes came first and may be replays); "rejected" when
   * the client sent early data the server discarded: the application must send it again.
   */
  readonly earlyData: "accepted" | "rejected" | "none";
}

/**
 * What a connection reports (`Connection.handshake`, `SecureConnection.handshake`; exported as
 * `HandshakeResult`): the handshake's outcome and the crypto provider it ran on.
 */
export interface ConnectionHandshakeResult extends HandshakeResult {
  /** The crypto provider's `name` ("pure", "native", "webcrypto", or a custom provider's). */
  readonly provider: string;
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
  setReadSecret(suite: CipherSuite, secret: Uint8Array, epoch: "early" | "handshake" | "application"): void;
  setWriteSecret(suite: CipherSuite, secret: Uint8Array, epoch: "early" | "handshake" | "application"): void;
  /** Client: 0-RTT application data under the current (early) write keys (§2.3). */
  sendEarlyData(data: Uint8Array): void;
  /** Client: back to plaintext records for the second ClientHello after 0-RTT was sent (§4.1.4). */
  resetWriteProtection(): void;
  /** Server: accept up to `maxBytes` of 0-RTT application data under the early read keys (§4.2.10). */
  acceptEarlyData(maxBytes: number): void;
  /** The handshake finished for this endpoint; application data may flow, and `session` takes the post-handshake messages (§4.6). */
  complete(result: HandshakeResult, session: import("./post-handshake.js").PostHandshake): void;
  /** RFC 8449 record_size_limit / RFC 6066 max_fragment_length, once negotiated (content bytes; null = 2^14). */
  setRecordLimits(limits: { readonly send: number | null; readonly receive: number | null }): void;
  /**
   * Server: the client offered early data we will not accept, so skip records we cannot decrypt,
   * up to `maxEarlyDataSize` bytes of them (§4.2.10), and none once the client's next flight begins.
   */
  skipEarlyData(maxEarlyDataSize: number): void;
  /** The early exporter (§7.5) for the PSK in use; null takes it back (the client after a HelloRetryRequest). */
  setEarlyExporter(exporter: import("./resumption/early-exporter.js").EarlyExporter | null): void;
  /**
   * The handshake message after the one being handled, when it has already arrived complete
   * (opened under the current keys), without taking it: it is still handed to the next step in
   * its turn. Null when it has not (it may be in a record not yet opened). `skip`: the one that
   * many messages further on. For work a step that waits may start early (peer-certificate.ts,
   * `verifyCertificateVerifyEarly`; client/certificate.ts, `signAhead`).
   */
  peekHandshake(skip?: number): import("./codec/messages.js").HandshakeMessage | null;
}

/** One explicit handshake state: the message types it accepts and what to do with them. */
export interface Step {
  readonly name: string;
  readonly expects: readonly number[];
  readonly handle: (message: import("./codec/messages.js").HandshakeMessage) => void | Promise<void>;
}
