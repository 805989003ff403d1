/**
 * Command-line flags for resumption and PSKs (RFC 8446 §2.2): `mutls client --sess-out FILE /
 * --sess-in FILE` (like `openssl s_client -sess_out/-sess_in`, in mutls's own file format),
 * `mutls server --tickets N`, and `--psk-identity ID --psk HEX` on both.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { MemorySessionStore, type ResumableSession, type SessionStore, decodeSession, encodeSession } from "../handshake/resumption/session-store.js";
import { AlertDescription, TLSError } from "../index.js";
import type { ExternalPsk } from "../handshake/resumption/external-psk.js";
import { type FlagSpec, type ParsedArgs, UsageError, fileProblem } from "./args.js";

export const CLIENT_RESUMPTION_FLAGS: readonly FlagSpec[] = [
  { name: "sess-out", value: "FILE", help: "write each session ticket the server sends to FILE (mode 0600; it holds the session's key)" },
  { name: "sess-in", value: "FILE", help: "resume the session saved in FILE by --sess-out (RFC 8446 §2.2)" },
  {
    name: "early-data",
    value: "FILE",
    help: "send FILE's bytes as 0-RTT data on the session from --sess-in (after the handshake if not taken, unless the server chose another ALPN protocol than the session's)",
  },
];
export const SERVER_RESUMPTION_FLAGS: readonly FlagSpec[] = [
  { name: "tickets", value: "N", help: "session tickets to send per connection, 0 to 16 (RFC 8446 §4.6.1)" },
  { name: "early-data", help: "accept up to 16384 bytes of 0-RTT data per connection (each ticket once; replayable)" },
];

/** `--sess-in FILE`: the session to resume, read and decoded once (the store and `--early-data` both use it). */
export function sessionInOption(args: ParsedArgs): ResumableSession | undefined {
  const input = args.values.get("sess-in");
  if (input === undefined) return undefined;
  try {
    return decodeSession(new Uint8Array(readFileSync(input)));
  } catch (e) {
    throw new UsageError(`--sess-in ${input}: cannot read a session from it: ${fileProblem(e)}`);
  }
}

/**
 * The client's session store: seeded from `--sess-in` (`sessionIn`, read by sessionInOption); with
 * `--sess-out`, every ticket the server sends is written to FILE (the latest wins). The file holds
 * the session's PSK, so it is mode 0600.
 */
export function sessionStoreOption(args: ParsedArgs, sessionIn: ResumableSession | undefined): SessionStore | undefined {
  const output = args.values.get("sess-out");
  if (sessionIn === undefined && output === undefined) return undefined;
  const store = new MemorySessionStore();
  if (sessionIn !== undefined) store.put(sessionIn);
  if (output === undefined) return store;
  return {
    put(session) {
      writeFileSync(output, encodeSession(session), { mode: 0o600 });
      store.put(session);
    },
    take: (serverName) => store.take(serverName),
  };
}

/** `--tickets N`: NewSessionTickets per connection (RFC 8446 §4.6.1), 0 to 16. */
export function ticketsOption(args: ParsedArgs): number | undefined {
  const text = args.values.get("tickets");
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 16)) throw new UsageError(`--tickets must be 0 to 16, not ${JSON.stringify(text)}`);
  return n;
}

export const PSK_FLAGS: readonly FlagSpec[] = [
  { name: "psk-identity", value: "ID", help: "an external pre-shared key's identity (with --psk)" },
  { name: "psk", value: "HEX", help: "the external PSK itself, at least 16 bytes in hex digits (SHA-256)" },
  { name: "psk-with-certs", help: "use the PSK only together with certificates (RFC 8773)" },
];

/**
 * `--psk-identity ID --psk HEX` (as `openssl s_client/s_server -psk_identity ID -psk HEX`): an
 * external PSK, SHA-256; with `--psk-with-certs`, combined with certificates (RFC 8773).
 */
export function externalPskOption(args: ParsedArgs): ExternalPsk | undefined {
  const identity = args.values.get("psk-identity");
  const hex = args.values.get("psk");
  const withCertificates = args.switches.has("psk-with-certs");
  if (identity === undefined && hex === undefined) {
    if (withCertificates) throw new UsageError("--psk-with-certs needs --psk-identity and --psk");
    return undefined;
  }
  if (identity === undefined || hex === undefined) throw new UsageError("--psk-identity and --psk go together");
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new UsageError("--psk must be the key in hex digits");
  const key = Uint8Array.from((hex.match(/../g) ?? []).map((h) => parseInt(h, 16)));
  if (key.length < 16) throw new UsageError("--psk must be at least 16 bytes (32 hex digits)");
  return withCertificates ? { identity, key, withCertificates } : { identity, key };
}

/** A client with a PSK and no --ca: if the server answers with a certificate instead, refuse it with a reason. */
export function refuseCertificateWithoutCa(): never {
  throw new TLSError(AlertDescription.bad_certificate, "the server did not accept our PSK and sent a certificate, but no --ca was given to verify it");
}

/** `mutls client --early-data FILE`: FILE's bytes go as 0-RTT data when the ticket from --sess-in allows it. */
export function earlyDataOption(args: ParsedArgs): Uint8Array | undefined {
  const path = args.values.get("early-data");
  if (path === undefined) return undefined;
  if (!args.values.has("sess-in")) throw new UsageError("--early-data needs --sess-in: 0-RTT data rides on a resumed session");
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--early-data ${path}: cannot read it: ${fileProblem(e)}`);
  }
}

/** `mutls server --early-data`: accept up to 16384 bytes of 0-RTT data per connection (each ticket once). */
export const SERVER_EARLY_DATA_BYTES = 16384;
