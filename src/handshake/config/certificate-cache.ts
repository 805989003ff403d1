import { bytesEqual } from "../../bytes/index.js";
import { type Certificate, type NameConstraintsReader, parseCertificateWith } from "../../x509/index.js";

/** Certificates larger than this are parsed every time, so the cache stays small whatever peers send. */
const MAX_CACHED_DER = 8192;

/**
 * Parsed peer certificates by their DER, for one configuration: a server meets the same client
 * chains and intermediates again and again, and parsing one costs about 60 µs for the fixtures'
 * certificates (0.4 ms before der.ts's own reader replaced asn1js). Go's crypto/tls shares parsed certificates the same way. Only the parsing is
 * kept: every handshake still validates the chain (signatures, dates, usage, revocation, names,
 * policy) from scratch. Bounded; the least recently used entry goes first; a capacity of 0 (the
 * low-memory profile) caches nothing. Parsed certificates
 * are shared, so applications must treat those they are given as read-only.
 */
export class CertificateCache {
  /**
   * By a 32-bit FNV-1a hash of the DER, which the lookup then compares whole. A string of the DER
   * as key cost more than the hash (about 10 µs per certificate in workerd); two certificates
   * whose hashes collide only take turns in the cache, each reparsed when the other is in.
   */
  private readonly entries = new Map<number, Certificate>();

  /** `readNameConstraints`: the configuration's `nameConstraintChecking.parse`, or null without the module. */
  constructor(
    private readonly capacity = 64,
    private readonly readNameConstraints: NameConstraintsReader = null,
  ) {}

  private parseCertificate(der: Uint8Array): Certificate {
    return parseCertificateWith(der, this.readNameConstraints);
  }

  parse(der: Uint8Array): Certificate {
    if (der.length > MAX_CACHED_DER || this.capacity === 0) return this.parseCertificate(der);
    const key = fnv1a(der);
    const hit = this.entries.get(key);
    // The DER is compared too: a parsed certificate handed to an application could have been altered.
    if (hit !== undefined && bytesEqual(hit.der, der)) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    // A malformed certificate throws here and is never cached.
    const parsed = this.parseCertificate(der);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, parsed);
    return parsed;
  }
}

/** FNV-1a, 32 bits: a cache key, not a digest (the entry's DER is compared before use). */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}
