import { RangeCopier, copyBytes } from "./copy-bytes.js";
import { AEAD_TAG_LENGTH, LEGACY_RECORD_VERSION, RECORD_HEADER_LENGTH, type RecordProtection, writeRecordHeader } from "./record-protection.js";
import { MAX_PLAINTEXT } from "./record-reader.js";
import { recordBuffers } from "./buffer-pool.js";

const NO_BUFFER: Uint8Array = new Uint8Array(0);

/** Room for one maximum-size protected record: header, 2^14 content, type byte, tag (RFC 8446 §5.2). */
const INITIAL_CAPACITY = RECORD_HEADER_LENGTH + MAX_PLAINTEXT + 1 + AEAD_TAG_LENGTH;

/**
 * Frames outgoing content into records (fragments of at most 2^14 bytes, RFC 8446 §5.1) in an
 * output buffer it owns, sealing them in place once keys are set (§5.2). Queued bytes sit in
 * `out[start, fill)` until the transport takes them.
 *
 * The buffer comes from the shared pool (buffer-pool.ts) when output is queued and goes back once
 * it is all taken, so an idle connection holds none. It is large enough for one full record and
 * doubles only when more output is queued than ever before; once a connection is warm, writing and
 * `takeInto` allocate nothing.
 */
export class RecordWriter {
  private out: Uint8Array = NO_BUFFER;
  /** The size of buffer to take: one full record, one limited record, or the most ever queued. */
  private size = INITIAL_CAPACITY;
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

  /**
   * RFC 8449 / RFC 6066: from now on, records carry at most `maxFragment` content bytes, and the
   * output buffer it takes shrinks to one such record.
   */
  limitFragment(maxFragment: number): void {
    this.maxFragment = Math.min(maxFragment, MAX_PLAINTEXT);
    this.size = Math.min(this.size, RECORD_HEADER_LENGTH + this.maxFragment + 1 + AEAD_TAG_LENGTH);
  }

  /** Gives the drained buffer back to the pool. */
  private release(): void {
    recordBuffers.give(this.out, this.fill);
    this.out = NO_BUFFER;
    this.start = this.fill = 0;
  }

  /** Bytes this writer takes while output is queued (memory accounting). */
  get capacity(): number {
    return this.size;
  }

  /** Bytes queued and not yet taken. */
  get pending(): number {
    return this.fill - this.start;
  }

  private reserve(n: number): number {
    if (this.out === NO_BUFFER) this.out = recordBuffers.take(Math.max(this.size, n));
    if (this.fill + n > this.out.length) {
      const pending = this.fill - this.start;
      if (pending + n > this.out.length) {
        this.size = Math.max(this.out.length * 2, pending + n);
        const next = recordBuffers.take(this.size);
        copyBytes(this.out, this.start, next, 0, pending);
        recordBuffers.give(this.out, this.fill);
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
    this.release();
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
    if (this.start === this.fill) this.release();
    return n;
  }
}
