import { AlertDescription, type AlertName, alertName } from "./alert.js";

/**
 * Who raised an error: `local` when this endpoint detected the problem (and sent the alert),
 * `remote` when the peer sent us a fatal alert.
 */
export type ErrorOrigin = "local" | "remote";

/**
 * The only error type mutls throws from a protocol path. It carries the TLS alert that was (or,
 * for a remote error, that arrived), who raised it, and a sentence a person can act on.
 */
export class TLSError extends Error {
  override readonly name = "TLSError";
  /** Alert description code (RFC 8446 §6). */
  readonly alert: number;
  readonly origin: ErrorOrigin;

  constructor(alert: number, message: string, origin: ErrorOrigin = "local") {
    super(message);
    this.alert = alert;
    this.origin = origin;
  }

  /** The RFC name of the alert, such as `certificate_required`. */
  get alertName(): string {
    return alertName(this.alert);
  }
}

/** Throw a locally raised fatal error. Typed `never` so callers can use it in expressions. */
export function fail(alert: AlertName, message: string): never {
  throw new TLSError(AlertDescription[alert], message);
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
