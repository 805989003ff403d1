import { AEAD_TAG_LENGTH, LEGACY_RECORD_VERSION, RECORD_HEADER_LENGTH, type RecordProtection, writeRecordHeader } from "./record-protection.js";
import { MAX_PLAINTEXT } from "./record-reader.js";

/**
 * Frames outgoing content into records (fragments of at most 2^14 bytes, RFC 8446 §5.1) in an
 * output buffer it owns, sealing them in place once keys are set (§5.2).
 */
export class RecordWriter {
  private out = new Uint8Array(4096);
  private fill = 0;
  /** Keys for sealing, or null while records are plaintext. */
  protection: RecordProtection | null = null;
  /** §5.1: legacy_record_version of plaintext records (0x0301 is allowed for an initial ClientHello). */
  plaintextVersion = LEGACY_RECORD_VERSION;

  get pending(): number {
    return this.fill;
  }

  private reserve(n: number): number {
    if (this.fill + n > this.out.length) {
      const next = new Uint8Array(Math.max(this.out.length * 2, this.fill + n));
      next.set(this.out.subarray(0, this.fill));
      this.out = next;
    }
    const at = this.fill;
    this.fill += n;
    return at;
  }

  /** Queues `data[offset, offset+length)` as records of `contentType`. */
  write(contentType: number, data: Uint8Array, offset = 0, length = data.length - offset): void {
    do {
      const n = Math.min(length, MAX_PLAINTEXT);
      this.writeRecord(contentType, data, offset, n);
      offset += n;
      length -= n;
    } while (length > 0);
  }

  private writeRecord(contentType: number, data: Uint8Array, offset: number, n: number): void {
    const protection = this.protection;
    if (!protection) {
      const at = this.reserve(RECORD_HEADER_LENGTH + n);
      writeRecordHeader(this.out, at, contentType, n);
      this.out[at + 1] = this.plaintextVersion >>> 8;
      this.out[at + 2] = this.plaintextVersion & 0xff;
      this.out.set(data.subarray(offset, offset + n), at + RECORD_HEADER_LENGTH);
      return;
    }
    // TLSInnerPlaintext = content || type (no padding), sealed in place (§5.2).
    const at = this.reserve(RECORD_HEADER_LENGTH + n + 1 + AEAD_TAG_LENGTH);
    this.out.set(data.subarray(offset, offset + n), at + RECORD_HEADER_LENGTH);
    this.out[at + RECORD_HEADER_LENGTH + n] = contentType;
    protection.seal(this.out, at, n + 1);
  }

  /** Everything queued since the last call, or null. */
  take(): Uint8Array | null {
    if (this.fill === 0) return null;
    const bytes = this.out.slice(0, this.fill);
    this.fill = 0;
    return bytes;
  }
}
