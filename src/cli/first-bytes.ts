/**
 * The first bytes a peer sent, kept to explain a failed handshake: a peer that does not speak TLS
 * (an HTTP server, SSH, a database's plaintext greeting) makes the record layer fail with
 * record_overflow or decode_error, which says nothing useful to a person who typed the wrong port.
 */
import type { Socket } from "node:net";

/** Enough for a status line or a banner. */
const KEPT_BYTES = 128;

/** Starts keeping the first bytes `socket` receives; returns what has arrived so far. */
export function keepFirstBytes(socket: Socket): () => Uint8Array {
  let kept = new Uint8Array(0);
  const onData = (data: Buffer): void => {
    const next = new Uint8Array(Math.min(KEPT_BYTES, kept.length + data.length));
    next.set(kept);
    next.set(data.subarray(0, next.length - kept.length), kept.length);
    kept = next;
    if (kept.length >= KEPT_BYTES) socket.off("data", onData);
  };
  socket.on("data", onData);
  return () => kept;
}

/**
 * RFC 8446 §5.1: a server's first record is a handshake (22) or an alert (21) record, with a
 * legacy_record_version of 0x03xx. Anything else is not TLS; returns the sentence that says so,
 * quoting the peer's first line when it is text ("the peer answered `HTTP/1.1 400 Bad Request`").
 */
export function notTlsExplanation(first: Uint8Array): string | null {
  if (first.length === 0) return null;
  const looksLikeTls = (first[0] === 22 || first[0] === 21) && (first.length < 2 || first[1] === 3);
  if (looksLikeTls) return null;
  const lineEnd = first.findIndex((b) => b === 0x0d || b === 0x0a);
  const line = first.subarray(0, lineEnd === -1 ? Math.min(first.length, 80) : Math.min(lineEnd, 80));
  const printable = line.length > 0 && line.every((b) => b >= 0x20 && b < 0x7f);
  const what = printable
    ? `answered \`${String.fromCharCode(...line)}\``
    : `answered with bytes ${Array.from(first.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ")} that are not a TLS record`;
  return `the peer ${what}: it does not speak TLS on this port`;
}
