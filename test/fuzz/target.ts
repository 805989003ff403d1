/**
 * What a fuzz target is, and the properties every target checks: only the library's
 * TLSError comes out, with an alert RFC 8446 allows for that failure. The runner adds the time and
 * memory bounds; connection targets add "after a fatal alert nothing more is accepted".
 */
import { TLSError } from "../../src/index.js";

export interface FuzzTarget {
  readonly name: string;
  /** Real inputs in this target's format; mutation starts from them. */
  readonly seeds: readonly Uint8Array[];
  /** Runs one input; throws FuzzViolation when a property breaks. */
  run(input: Uint8Array): void;
}

/** A broken property (as opposed to an expected TLSError refusal). */
export class FuzzViolation extends Error {
  override name = "FuzzViolation";
}

export function violation(message: string): never {
  throw new FuzzViolation(message);
}

function describeThrown(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}` : String(e);
}

/** Runs `work`; a throw must be a local TLSError whose alert is in `allowed`. Returns it, or null. */
export function onlyTLSError(allowed: ReadonlySet<string>, work: () => unknown): TLSError | null {
  try {
    work();
    return null;
  } catch (e) {
    if (e instanceof FuzzViolation) throw e;
    if (!(e instanceof TLSError)) violation(`threw ${describeThrown(e)} instead of a TLSError`);
    if (!allowed.has(e.alertName)) violation(`TLSError with alert ${e.alertName} (allowed: ${[...allowed].join(", ")}): ${e.message}`);
    return e;
  }
}

/** RFC 8446 §6.2 error alerts a structure decoder may raise. */
export const DECODE_ALERTS: ReadonlySet<string> = new Set(["decode_error", "illegal_parameter"]);
/** Extension decoders may also refuse values they cannot use (§4.2). */
export const EXTENSION_ALERTS: ReadonlySet<string> = new Set(["decode_error", "illegal_parameter", "unsupported_extension"]);
/** A peer's certificate: RFC 8446 §6.2 certificate alerts plus decode_error. */
export const CERTIFICATE_ALERTS: ReadonlySet<string> = new Set([
  "bad_certificate",
  "unsupported_certificate",
  "certificate_expired",
  "certificate_revoked",
  "certificate_unknown",
  "unknown_ca",
  "decode_error",
]);
/** Local key files are configuration: their failures are internal_error by design (src/x509/private-key.ts). */
export const KEY_ALERTS: ReadonlySet<string> = new Set(["internal_error", "decode_error"]);
/** The record layer (§5): framing, overflow, authentication. */
export const RECORD_ALERTS: ReadonlySet<string> = new Set(["decode_error", "record_overflow", "bad_record_mac", "unexpected_message"]);
/** Every RFC 8446 §6.2 alert a peer's bad bytes can call for (never internal_error: that is an engine bug). */
export const INPUT_ALERTS: ReadonlySet<string> = new Set([
  "unexpected_message",
  "bad_record_mac",
  "record_overflow",
  "handshake_failure",
  "bad_certificate",
  "unsupported_certificate",
  "certificate_revoked",
  "certificate_expired",
  "certificate_unknown",
  "illegal_parameter",
  "unknown_ca",
  "access_denied",
  "decode_error",
  "decrypt_error",
  "protocol_version",
  "insufficient_security",
  "missing_extension",
  "unsupported_extension",
  "unrecognized_name",
  "certificate_required",
  "no_application_protocol",
]);
