import { fail } from "../bytes/index.js";
import { ExtensionType } from "./codec/constants.js";
import { type Extension, encodeRecordSizeLimit } from "./codec/extensions.js";
import type { ClientHelloExtensions } from "./codec/received-messages.js";

/** RFC 8449 §4: TLS 1.3's largest TLSInnerPlaintext, 2^14 content bytes plus the content type. */
const TLS13_MAX_RECORD_SIZE_LIMIT = (1 << 14) + 1;
/** RFC 6066 §4: max_fragment_length codes 1-4 mean 2^9, 2^10, 2^11, 2^12 bytes. */
const MAX_FRAGMENT_LENGTHS = [0, 512, 1024, 2048, 4096];

/**
 * Record plaintext limits in content bytes (the content type byte excluded), once negotiated:
 * `send` bounds the records we write, `receive` those the peer may send us. null = 2^14.
 */
export interface RecordLimits {
  readonly send: number | null;
  readonly receive: number | null;
}

/** The ClientHello's record_size_limit: our receive limit plus the content type byte (RFC 8449 §4). */
export function recordSizeLimitOffer(limit: number | null): Extension | null {
  return limit === null ? null : { type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(limit + 1) };
}

/**
 * Server side. RFC 8449 §4-5: record_size_limit wins over max_fragment_length when both are
 * offered; we answer it with our own limit (2^14 + 1 when none is configured). A lone
 * max_fragment_length (RFC 6066 §4) is echoed and bounds both directions.
 */
export function negotiateRecordLimitsAsServer(
  offer: Pick<ClientHelloExtensions, "recordSizeLimit" | "maxFragmentLength">,
  ourLimit: number | null,
): { limits: RecordLimits; answer: Extension | null } {
  if (offer.recordSizeLimit !== undefined) {
    // "A server MUST NOT enforce this restriction" on the upper bound: larger values mean 2^14.
    const peer = Math.min(offer.recordSizeLimit, TLS13_MAX_RECORD_SIZE_LIMIT) - 1;
    const ours = ourLimit ?? TLS13_MAX_RECORD_SIZE_LIMIT - 1;
    return {
      limits: { send: peer < 1 << 14 ? peer : null, receive: ourLimit },
      answer: { type: ExtensionType.record_size_limit, data: encodeRecordSizeLimit(ours + 1) },
    };
  }
  const code = offer.maxFragmentLength;
  if (code !== undefined) {
    // RFC 6066 §4: a value outside 1-4 is illegal_parameter.
    if (code < 1 || code > 4) fail("illegal_parameter", `max_fragment_length ${code} is not one of the values 1 to 4 RFC 6066 defines`);
    const length = MAX_FRAGMENT_LENGTHS[code];
    return { limits: { send: length, receive: length }, answer: { type: ExtensionType.max_fragment_length, data: new Uint8Array([code]) } };
  }
  return { limits: { send: null, receive: null }, answer: null };
}

/**
 * Client side: the server's EncryptedExtensions answer to our record_size_limit. Only a
 * negotiated limit counts (RFC 8449 §4), so without an answer neither direction is limited.
 */
export function recordLimitsFromServer(value: number | undefined, ourLimit: number | null): RecordLimits {
  if (value === undefined) return { send: null, receive: null };
  // RFC 8449 §4: "A client MAY abort the handshake with an illegal_parameter alert" above the version's maximum.
  if (value > TLS13_MAX_RECORD_SIZE_LIMIT) fail("illegal_parameter", `the server's record_size_limit ${value} exceeds TLS 1.3's maximum of 16385`);
  const peer = value - 1;
  return { send: peer < 1 << 14 ? peer : null, receive: ourLimit };
}
