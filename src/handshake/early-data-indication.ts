import { Reader, Writer, fail } from "../bytes/index.js";

/**
 * RFC 8446 §4.2.10 early_data: empty in ClientHello and EncryptedExtensions; in a
 * NewSessionTicket it carries max_early_data_size, the most 0-RTT bytes the ticket allows.
 */
export function encodeEarlyDataIndication(maxEarlyDataSize?: number): Uint8Array {
  return maxEarlyDataSize === undefined ? new Uint8Array(0) : new Writer(4).u32(maxEarlyDataSize).finish();
}

/** Returns max_early_data_size for a NewSessionTicket, 0 for the empty forms. */
export function decodeEarlyDataIndication(data: Uint8Array, context: "new_session_ticket" | "client_hello" | "encrypted_extensions"): number {
  if (context !== "new_session_ticket") {
    if (data.length !== 0) fail("decode_error", `the early_data extension in ${context} must be empty`);
    return 0;
  }
  const r = new Reader(data, "early_data extension");
  const max = r.u32();
  r.expectEnd();
  return max;
}
