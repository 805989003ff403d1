import { asciiBytes } from "../bytes/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import type { CipherSuite } from "./codec/constants.js";
import { hkdfExpandLabel } from "./key-schedule.js";

/** HKDF-Expand-Label writes "tls13 " + label into a one-byte length (RFC 8446 §7.1). */
const MAX_LABEL_LENGTH = 255 - "tls13 ".length;
/** HKDF-Expand output is at most 255 hash blocks (RFC 5869 §2.3); 255 * 32 for SHA-256 suites. */
const MAX_EXPORT_BLOCKS = 255;

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
 *   HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length).
 * "Implementations MUST treat a missing context as equivalent to an empty one" (§7.5), so
 * `context` undefined and empty give the same value.
 */
export function exportKeyingMaterial(
  provider: CryptoProvider,
  suite: CipherSuite,
  exporterSecret: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  if (asciiBytes(label).length > MAX_LABEL_LENGTH || asciiBytes(label).length === 0) {
    throw new RangeError(`an exporter label must be 1 to ${MAX_LABEL_LENGTH} bytes`);
  }
  const hashLength = exporterSecret.length;
  if (!Number.isInteger(length) || length < 1 || length > MAX_EXPORT_BLOCKS * hashLength) {
    throw new RangeError(`an exporter length must be 1 to ${MAX_EXPORT_BLOCKS * hashLength} bytes for ${suite.name}`);
  }
  const emptyHash = provider.hash(suite.hash, new Uint8Array(0));
  const derived = hkdfExpandLabel(provider, suite.hash, exporterSecret, label, emptyHash, hashLength);
  const contextHash = provider.hash(suite.hash, context ?? new Uint8Array(0));
  return hkdfExpandLabel(provider, suite.hash, derived, "exporter", contextHash, length);
}
