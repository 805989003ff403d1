import { UsageError } from "../../bytes/index.js";
import { DEFAULT_VERIFICATION_COST } from "../../x509/index.js";

/**
 * What one peer may make this connection hold or do (issue 7). A limit that trips ends the
 * connection with the alert given here and a message naming the limit and its value.
 */
export interface Limits {
  /**
   * Largest handshake message we hold, certificate chains included (illegal_parameter: the message
   * may be well-formed, but we will not hold it). Default 65536. A message longer than its own
   * structure allows (a Finished over 48 bytes, a KeyUpdate over 1) is decode_error whatever this is.
   */
  readonly maxHandshakeMessageSize: number;
  /** Most certificates in the peer's Certificate message (bad_certificate). Default 10. */
  readonly maxCertificateChainLength: number;
  /**
   * Most extensions in one extension block: a handshake message or a certificate entry
   * (illegal_parameter). Default 16383, as many as an extensions<..2^16-1> block can hold, so no
   * well-formed message is refused: a ClientHello full of unknown extensions must be answered
   * (RFC 8446 §4.2, §9.3), and the work is linear in the message size (bounded by
   * maxHandshakeMessageSize). Browsers send 15 to 25.
   */
  readonly maxExtensions: number;
  /** Most received application data held unread, in bytes (internal_error: read() more often). Default 16 MiB. */
  readonly maxBufferedPlaintext: number;
  /**
   * Most records received before the handshake completes (unexpected_message). Default 2048:
   * room for a largest handshake message cut into RFC 8449's smallest (64-byte) records.
   */
  readonly maxRecordsBeforeHandshake: number;
  /** Most empty records (no content, or a dropped change_cipher_spec) in a row (unexpected_message). Default 32. */
  readonly maxEmptyRecords: number;
  /** Most warning alerts (user_canceled) in a row (unexpected_message). Default 5. */
  readonly maxWarningAlerts: number;
  // ---- Post-handshake floods (issue 11 §3). Each kind of message the peer may send after the
  // handshake on its own, and that costs us a derivation or a signature, draws on an allowance: it
  // starts full, earns one message back per `bytesPerPostHandshakeMessage` bytes of application
  // data received and per `msPerPostHandshakeMessage` ms of the configured clock (`now`), and
  // never holds more than its maximum. A message over the allowance is unexpected_message.
  /**
   * KeyUpdates the peer may send at once (unexpected_message). Default 32, as BoringSSL's
   * kMaxKeyUpdates. The answers to our own update_requested do not count.
   */
  readonly maxKeyUpdates: number;
  /** Client: NewSessionTickets the server may send at once (unexpected_message). Default 32. */
  readonly maxNewSessionTickets: number;
  /**
   * Received application data, in bytes, that earns the peer one more KeyUpdate and (client) one
   * more NewSessionTicket. Default 131072 (128 KiB).
   */
  readonly bytesPerPostHandshakeMessage: number;
  /** Milliseconds that earn the peer one more KeyUpdate and NewSessionTicket. Default 1000. */
  readonly msPerPostHandshakeMessage: number;
  /**
   * Client: post-handshake CertificateRequests (§4.6.2) the server may send at once; each costs
   * us a signature (unexpected_message). Default 4. Earned back by time only.
   */
  readonly maxCertificateRequests: number;
  /** Client: milliseconds that earn the server one more post-handshake CertificateRequest. Default 60000. */
  readonly msPerCertificateRequest: number;
  // ---- end of post-handshake floods
  /** Most signature checks one certificate path validation may spend (bad_certificate). Default 64. */
  readonly maxSignatureChecks: number;
  /** Most partial certification paths one validation may explore (bad_certificate). Default 256. */
  readonly maxPathCandidates: number;
  /**
   * Most work one handshake (or one post-handshake authentication) may spend on the peer's
   * certificates before it has authenticated: parsing (1 unit per KiB), partial paths (0.05
   * each), certificate and CertificateVerify signatures (1 per ECDSA P-256, 3 per P-384, 1 per
   * Ed25519, RSA by modulus size squared and exponent length, 1 for 8192 bits and e = 2^32 - 1),
   * in units of one ECDSA P-256 verification (bad_certificate). Default 64.
   */
  readonly maxVerificationCost: number;
}

/** RFC 8446 §4.2: an extensions<..2^16-1> block of empty extensions (4 bytes each) holds at most this many. */
export const MAX_EXTENSIONS_PER_BLOCK = Math.floor(65535 / 4);

export const DEFAULT_LIMITS: Limits = {
  maxHandshakeMessageSize: 65536,
  maxCertificateChainLength: 10,
  maxExtensions: MAX_EXTENSIONS_PER_BLOCK,
  maxBufferedPlaintext: 16 * 1024 * 1024,
  maxRecordsBeforeHandshake: 2048,
  maxEmptyRecords: 32,
  maxWarningAlerts: 5,
  maxKeyUpdates: 32,
  maxNewSessionTickets: 32,
  bytesPerPostHandshakeMessage: 128 * 1024,
  msPerPostHandshakeMessage: 1000,
  maxCertificateRequests: 4,
  msPerCertificateRequest: 60_000,
  maxSignatureChecks: 64,
  maxPathCandidates: 256,
  maxVerificationCost: DEFAULT_VERIFICATION_COST,
};

/** The limits of a config: the defaults, overridden by `limits` (and the older top-level maxHandshakeMessageSize). */
export function resolveLimits(config: { readonly limits?: Partial<Limits>; readonly maxHandshakeMessageSize?: number }): Limits {
  const given = config.limits ?? {};
  for (const [name, value] of Object.entries(given)) {
    if (!(name in DEFAULT_LIMITS)) throw new UsageError(`unknown limit "${name}"; known: ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new UsageError(`limits.${name} must be a positive whole number`);
  }
  return {
    ...DEFAULT_LIMITS,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    maxHandshakeMessageSize: given.maxHandshakeMessageSize ?? config.maxHandshakeMessageSize ?? DEFAULT_LIMITS.maxHandshakeMessageSize,
  };
}
