import { RangeCopier, copyBytes } from "./copy-bytes.js";
import { AEAD_TAG_LENGTH, LEGACY_RECORD_VERSION, RECORD_HEADER_LENGTH, type RecordProtection, writeRecordHeader } from "./record-protection.js";
import { MAX_PLAINTEXT } from "./record-reader.js";

/** Room for one maximum-size protected record: header, 2^14 content, type byte, tag (RFC 8446 §5.2). */
const INITIAL_CAPACITY = RECORD_HEADER_LENGTH + MAX_PLAINTEXT + 1 + AEAD_TAG_LENGTH;

/**
 * Frames outgoing content into records (fragments of at most 2^14 bytes, RFC 8446 §5.1) in an
 * output buffer it owns, sealing them in place once keys are set (§5.2). Queued bytes sit in
 * `out[start, fill)` until the transport takes them.
 *
 * The buffer starts large enough for one full record and doubles only when more output is queued
 * than ever before, so once a connection is warm, writing and `takeInto` allocate nothing.
 */
export class RecordWriter {
  private out = new Uint8Array(INITIAL_CAPACITY);
  private start = 0;
  private fill = 0;
  private readonly copyOut = new RangeCopier();
  /** Keys for sealing, or null while records are plaintext. */
  protection: RecordProtection | null = null;
  /** Records sealed since `protection` was last replaced (the connection rekeys before RFC 8446 §5.5's limits). */
  recordsSealed = 0;
  /** Largest plaintext fragment per record: 2^14 (§5.1), or less once RFC 8449 record_size_limit says so. */
  maxFragment = MAX_PLAINTEXT;
  /** §5.1: legacy_record_version of plaintext records (0x0301 is allowed for an initial ClientHello). */
  plaintextVersion = LEGACY_RECORD_VERSION;

  /** Capacity to shrink the output buffer to once it is empty (after a record size limit), or 0. */
  private shrinkTo = 0;

  /**
   * RFC 8449 / RFC 6066: from now on, records carry at most `maxFragment` content bytes, and the
   * output buffer shrinks to one such record once the bytes queued now are taken.
   */
  limitFragment(maxFragment: number): void {
    this.maxFragment = Math.min(maxFragment, MAX_PLAINTEXT);
    this.shrinkTo = RECORD_HEADER_LENGTH + this.maxFragment + 1 + AEAD_TAG_LENGTH;
    this.shrinkIfEmpty();
  }

  private shrinkIfEmpty(): void {
    if (this.shrinkTo === 0 || this.fill !== this.start) return;
    if (this.out.length > this.shrinkTo) this.out = new Uint8Array(this.shrinkTo);
    this.shrinkTo = 0;
  }

  /** Bytes this writer holds (memory accounting). */
  get capacity(): number {
    return this.out.length;
  }

  /** Bytes queued and not yet taken. */
  get pending(): number {
    return this.fill - this.start;
  }

  private reserve(n: number): number {
    if (this.fill + n > this.out.length) {
      const pending = this.fill - this.start;
      if (pending + n > this.out.length) {
        const next = new Uint8Array(Math.max(this.out.length * 2, pending + n));
        copyBytes(this.out, this.start, next, 0, pending);
        this.out = next;
      } else {
        this.out.copyWithin(0, this.start, this.fill);
      }
      this.start = 0;
      this.fill = pending;
    }
    const at = this.fill;
    this.fill += n;
    return at;
  }

  /** Queues `data[offset, offset+length)` as records of `contentType`. */
  write(contentType: number, data: Uint8Array, offset = 0, length = data.length - offset): void {
    do {
      const n = Math.min(length, this.maxFragment);
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
      copyBytes(data, offset, this.out, at + RECORD_HEADER_LENGTH, n);
      return;
    }
    // TLSInnerPlaintext = content || type (no padding), sealed in place (§5.2).
    const at = this.reserve(RECORD_HEADER_LENGTH + n + 1 + AEAD_TAG_LENGTH);
    copyBytes(data, offset, this.out, at + RECORD_HEADER_LENGTH, n);
    this.out[at + RECORD_HEADER_LENGTH + n] = contentType;
    protection.seal(this.out, at, n + 1);
    this.recordsSealed++;
  }

  /** Everything queued since the last call, as a new array the caller owns, or null. */
  take(): Uint8Array | null {
    if (this.fill === this.start) return null;
    const bytes = this.out.slice(this.start, this.fill);
    this.start = this.fill = 0;
    this.shrinkIfEmpty();
    return bytes;
  }

  /**
   * Moves up to `dest.length - offset` queued bytes into `dest[offset..]` and returns how many;
   * the rest stays queued. Allocates nothing.
   */
  takeInto(dest: Uint8Array, offset: number): number {
    const n = Math.min(this.fill - this.start, dest.length - offset);
    if (n <= 0) return 0;
    this.copyOut.copy(this.out, this.start, dest, offset, n);
    this.start += n;
    if (this.start === this.fill) {
      this.start = this.fill = 0;
      this.shrinkIfEmpty();
    }
    return n;
  }
}
