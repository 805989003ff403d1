import { AlertDescription, type AlertName, alertName } from "./alert.js";

/**
 * Who raised an error: `local` when this endpoint detected the problem (and sent the alert),
 * `remote` when the peer sent us a fatal alert, `transport` when the connection underneath TLS
 * failed (refused, reset, a WebSocket error): then no alert went either way, and `alert` holds
 * internal_error only because the field needs a value.
 */
export type ErrorOrigin = "local" | "remote" | "transport";

/**
 * Why a connection failed, as a stable code a program can switch on (the alert says what went on
 * the wire; several reasons share one alert, and one reason may come with several alerts). The
 * list is closed: a new code is a new minor version. docs/guide.md "Errors" documents each.
 */
export type TLSErrorReason =
  /** The peer sent a fatal alert (`alert` says which); origin is `remote`. */
  | "peer_alert"
  /** The peer or the network ended the connection mid-handshake or mid-record, or without close_notify. */
  | "peer_closed"
  /** The transport failed underneath TLS (connection refused, reset, WebSocket error). */
  | "transport_failure"
  /** The handshake or a close did not finish in the configured time. */
  | "timeout"
  /** The application aborted the connection. */
  | "canceled"
  /** Bytes that do not parse as what they claim to be (decode_error, record_overflow). */
  | "malformed_message"
  /** A well-formed message that breaks a rule of the protocol (unexpected_message, illegal_parameter, extension rules). */
  | "protocol_violation"
  /** No TLS 1.3 in common. */
  | "unsupported_version"
  /** No cipher suite, group, signature scheme or ALPN protocol in common (handshake_failure, no_application_protocol). */
  | "no_common_parameters"
  /** A record, Finished or CertificateVerify failed its cryptographic check (bad_record_mac, decrypt_error). */
  | "integrity_failure"
  /** The peer sent no certificate where one is required. */
  | "certificate_required"
  /** A certificate on the path is expired or not yet valid. */
  | "certificate_expired"
  /** No path from the peer's certificate to a trust anchor (unknown_ca). */
  | "certificate_untrusted"
  /** A certificate on the path is revoked by a configured CRL. */
  | "certificate_revoked"
  /** The server's certificate is valid but not for the name the client asked for. */
  | "name_mismatch"
  /** Any other certificate defect (bad_certificate, unsupported_certificate): the message says which. */
  | "certificate_invalid"
  /** The peer is authenticated but `authorizePeer` (or a pin) refused it (access_denied). */
  | "not_authorized"
  /** The peer made us pass a configured limit or budget (`limits.*`, verification cost); the message names it. */
  | "limit_exceeded"
  /**
   * Our own credential hook (`selectCertificate`, `selectClientCertificate`) threw or returned an
   * unusable chain (internal_error), or a server's had no certificate for the hello (handshake_failure).
   */
  | "credential_unavailable"
  /** A failure inside mutls or its crypto provider (internal_error). */
  | "internal_error";

/** The reason a locally raised alert implies when the raising site gives no finer one (else internal_error). */
const REASON_OF_ALERT: { readonly [A in AlertName]?: TLSErrorReason } = {
  decode_error: "malformed_message",
  record_overflow: "malformed_message",
  unexpected_message: "protocol_violation",
  illegal_parameter: "protocol_violation",
  missing_extension: "protocol_violation",
  unsupported_extension: "protocol_violation",
  protocol_version: "unsupported_version",
  handshake_failure: "no_common_parameters",
  no_application_protocol: "no_common_parameters",
  insufficient_security: "no_common_parameters",
  bad_record_mac: "integrity_failure",
  decrypt_error: "integrity_failure",
  certificate_required: "certificate_required",
  certificate_expired: "certificate_expired",
  unknown_ca: "certificate_untrusted",
  certificate_revoked: "certificate_revoked",
  bad_certificate: "certificate_invalid",
  unsupported_certificate: "certificate_invalid",
  certificate_unknown: "certificate_invalid",
  access_denied: "not_authorized",
  user_canceled: "canceled",
};

function reasonOfAlert(alert: number): TLSErrorReason {
  return REASON_OF_ALERT[alertName(alert) as AlertName] ?? "internal_error";
}

/**
 * The only error type mutls throws from a protocol path. It carries the TLS alert that was (or,
 * for a remote error, that arrived), who raised it, a stable `reason` code, and a sentence a
 * person can act on.
 */
export class TLSError extends Error {
  override readonly name = "TLSError";
  /** Alert description code (RFC 8446 §6). */
  readonly alert: number;
  readonly origin: ErrorOrigin;
  /** Why, as a code a program can act on (see TLSErrorReason). */
  readonly reason: TLSErrorReason;

  constructor(alert: number, message: string, origin: ErrorOrigin = "local", reason?: TLSErrorReason) {
    super(message);
    this.alert = alert;
    this.origin = origin;
    this.reason = reason ?? (origin === "remote" ? "peer_alert" : origin === "transport" ? "transport_failure" : reasonOfAlert(alert));
  }

  /** The RFC name of the alert, such as `certificate_required`. */
  get alertName(): string {
    return alertName(this.alert);
  }
}

/** Throw a locally raised fatal error. Typed `never` so callers can use it in expressions. */
export function fail(alert: AlertName, message: string, reason?: TLSErrorReason): never {
  throw new TLSError(AlertDescription[alert], message, "local", reason);
}

/** Throw `decode_error` with a message naming the structure being read. */
export function decodeError(what: string): never {
  throw new TLSError(AlertDescription.decode_error, `malformed ${what}`);
}

/**
 * A program used the API wrongly: an option out of range, a call in the wrong state, an argument
 * of the wrong type. Thrown synchronously at the call, never sent to the peer as an alert, and a
 * TypeError so code that already catches TypeError keeps working. Protocol failures are TLSError.
 */
export class UsageError extends TypeError {
  override readonly name = "UsageError";
}

/** A `mutls/core` configuration asks for what a module does, without the module (`mutls` passes them all). */
export function missingModule(what: string, module: string, otherwise = ""): UsageError {
  return new UsageError(`${what} needs a module: pass ${module} (from "mutls/core")${otherwise}`);
}
