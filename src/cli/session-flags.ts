/**
 * Command-line flags for session features both `mutls client` and `mutls server` take:
 * `--export LABEL:LENGTH`, `--keylog FILE`, `--record-size-limit N`.
 */
import { appendFileSync } from "node:fs";
import type { SecureConnection } from "../index.js";
import { type FlagSpec, type ParsedArgs, UsageError, fileProblem } from "./args.js";

/** Flags both `mutls client` and `mutls server` take. */
export const SESSION_FLAGS: readonly FlagSpec[] = [
  { name: "export", value: "LABEL:LEN", help: "print LEN bytes of the RFC 8446 §7.5 exporter for LABEL in hex (as openssl -keymatexport)" },
  { name: "keylog", value: "FILE", help: "append NSS key-log lines (SSLKEYLOGFILE format) to FILE; exposes secrets, debugging only" },
  { name: "record-size-limit", value: "N", help: "largest record plaintext to accept, 64 to 16384 (RFC 8449)" },
];

export interface ExportRequest {
  readonly label: string;
  readonly length: number;
}

/** `--export LABEL:LENGTH` (as `openssl s_client -keymatexport LABEL -keymatexportlen LENGTH`). */
export function parseExport(args: ParsedArgs): ExportRequest | undefined {
  const text = args.values.get("export");
  if (text === undefined) return undefined;
  const m = /^(.+):(\d+)$/.exec(text);
  const length = m ? Number(m[2]) : NaN;
  if (!m || length < 1 || length > 8160) throw new UsageError(`--export must be LABEL:LENGTH with LENGTH 1 to 8160, not ${JSON.stringify(text)}`);
  return { label: m[1], length };
}

/** One line: the exporter value in hex, like s_client's "Keying material:". */
export function describeExport(connection: SecureConnection, request: ExportRequest): string {
  const value = connection.exportKeyingMaterial(request.length, request.label);
  return `exporter ${request.label} (${request.length} bytes): ${Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** `--keylog FILE`: NSS key-log lines appended to FILE (SSLKEYLOGFILE format). Secrets: debugging only. */
export function keyLogOption(args: ParsedArgs): ((line: string) => void) | undefined {
  const path = args.values.get("keylog");
  if (path === undefined) return undefined;
  try {
    appendFileSync(path, "");
  } catch (e) {
    throw new UsageError(`--keylog ${path}: cannot write it: ${fileProblem(e)}`);
  }
  return (line) => appendFileSync(path, line + "\n", { mode: 0o600 });
}

/** `--record-size-limit N` (RFC 8449), 64 to 16384. */
export function recordSizeLimitOption(args: ParsedArgs): number | undefined {
  const text = args.values.get("record-size-limit");
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 64 && n <= 16384)) throw new UsageError(`--record-size-limit must be 64 to 16384, not ${JSON.stringify(text)}`);
  return n;
}

/** The line a user types on `mutls client`'s stdin to send a KeyUpdate (like gnutls-cli's `^rekey^`). */
export const KEY_UPDATE_LINE = "^keyupdate^";
