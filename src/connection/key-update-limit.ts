import type { CipherSuite } from "../handshake/codec/constants.js";

/**
 * RFC 8446 §5.5: "For AES-GCM, up to 2^24.5 full-size records (about 24 million) may be
 * encrypted on a given connection while keeping a safety margin of approximately 2^-57 for
 * Authenticated Encryption (AE) security. For ChaCha20/Poly1305, the record sequence number
 * would wrap before the safety limit is reached." We rekey at 2^24 records, under the AES-GCM
 * limit; for ChaCha20-Poly1305 only before our sequence counter (exact up to 2^53) runs out.
 */
const AES_GCM_RECORDS_PER_KEY = 2 ** 24;
const SEQUENCE_RECORDS_PER_KEY = 2 ** 52;

/** Records one write key may seal before the connection sends a KeyUpdate on its own. */
export function automaticKeyUpdateLimit(suite: CipherSuite, configured: number | undefined): number {
  const limit = suite.aead === "CHACHA20-POLY1305" ? SEQUENCE_RECORDS_PER_KEY : AES_GCM_RECORDS_PER_KEY;
  if (configured === undefined) return limit;
  return Math.min(configured, limit);
}
