import { fail } from "../bytes/index.js";
import { RangeCopier, copyBytes } from "./copy-bytes.js";
import { RECORD_HEADER_LENGTH, type RecordProtection } from "./record-protection.js";
import { recordBuffers } from "./buffer-pool.js";

const NO_BUFFER: Uint8Array = new Uint8Array(0);

/** RFC 8446 §5.1-5.2 limits. */
export const MAX_PLAINTEXT = 1 << 14;
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_APPLICATION_DATA = 23;

/**
 * The content length of the decrypted TLSInnerPlaintext at `buf[at, at+inner)`, its padding
 * stripped (RFC 8446 §5.4); the content type is the byte after the content. Shared by the
 * engine's synchronous reader and the transport's asynchronous pipeline, so both apply the same rules.
 */
export function innerContentLength(buf: Uint8Array, at: number, inner: number, maxContent: number): number {
  // §5.4: "the full encoded TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets", padding included.
  if (inner > maxContent + 1) fail("record_overflow", `decrypted a ${inner}-byte inner plaintext; the limit is ${maxContent + 1}, padding included`);
  // §5.4: the content type is the last non-zero byte; all-zero plaintext is unexpected_message.
  let end = at + inner;
  while (end > at && buf[end - 1] === 0) end--;
  if (end === at) fail("unexpected_message", "an encrypted record has no content type (all padding)");
  const contentLength = end - 1 - at;
  if (contentLength > maxContent) fail("record_overflow", `decrypted a ${contentLength}-byte record; the limit is ${maxContent}`);
  return contentLength;
}

/**
 * Assembles one record at a time from arbitrary input chunks into a buffer it owns, then opens it
 * in place (RFC 8446 §5). Memory is bounded by one maximum-size record whatever the peer sends,
 * and between records it holds none: the buffer comes from the shared pool (buffer-pool.ts) when a
 * record's first byte arrives and goes back once the record is processed.
 */
export class RecordReader {
  private buf: Uint8Array = NO_BUFFER;
  /** The size of buffer a record needs: one maximum-size record, or one limited record. */
  private bufferSize = RECORD_HEADER_LENGTH + MAX_CIPHERTEXT;
  /** Largest record content accepted: 2^14 (§5.1), or the negotiated RFC 8449 / RFC 6066 limit. */
  private maxContent = MAX_PLAINTEXT;
  /** A smaller limit to switch to once the record being processed is done (see `limitContent`). */
  private pendingMaxContent = 0;
  private fill = 0;
  private recordLength = -1;
  private readonly copyIn = new RangeCopier();
  /** Keys for opening, or null while records are plaintext. */
  protection: RecordProtection | null = null;
  /**
   * Rejected 0-RTT data still to skip (§4.2.10), in the bytes max_early_data_size counts; -1 = not
   * skipping. Set by `skipEarlyData`, ended by `stopSkippingEarlyData` or the first record that opens.
   */
  private earlyDataToSkip = -1;
  /** After `openRecord`: the content type and the content's place in `buffer`. */
  contentType = 0;
  readonly contentOffset = RECORD_HEADER_LENGTH;
  contentLength = 0;

  get buffer(): Uint8Array {
    return this.buf;
  }

  /** True while part of a record is buffered (a peer that stops here did not end cleanly). */
  get partial(): boolean {
    return this.fill > 0;
  }

  /**
   * Copies bytes from `data[offset, end)` until one record is complete. Returns the new offset;
   * check `ready` afterwards. Allocates nothing.
   */
  feed(data: Uint8Array, offset: number, end = data.length): number {
    if (this.buf === NO_BUFFER) {
      if (offset >= end) return offset;
      this.buf = recordBuffers.take(this.bufferSize);
    }
    if (this.fill < RECORD_HEADER_LENGTH) {
      const n = Math.min(RECORD_HEADER_LENGTH - this.fill, end - offset);
      copyBytes(data, offset, this.buf, this.fill, n);
      this.fill += n;
      offset += n;
      if (this.fill < RECORD_HEADER_LENGTH) return offset;
      this.recordLength = this.checkHeader(this.buf, 0);
    }
    const want = RECORD_HEADER_LENGTH + this.recordLength - this.fill;
    const n = Math.min(want, end - offset);
    this.copyIn.copy(data, offset, this.buf, this.fill, n);
    this.fill += n;
    return offset + n;
  }

  get ready(): boolean {
    return this.recordLength >= 0 && this.fill === RECORD_HEADER_LENGTH + this.recordLength;
  }

  /**
   * For the transport's asynchronous pipeline, which opens records where they lie: when no record
   * is partly buffered and a whole one starts at `data[offset]` before `end`, checks its header as
   * `feed` does and returns where it ends, copying nothing; otherwise -1 (use `feed`).
   */
  wholeRecordEnd(data: Uint8Array, offset: number, end: number): number {
    if (this.fill !== 0 || end - offset < RECORD_HEADER_LENGTH) return -1;
    const length = this.checkHeader(data, offset);
    const recordEnd = offset + RECORD_HEADER_LENGTH + length;
    return recordEnd <= end ? recordEnd : -1;
  }

  private checkHeader(buf: Uint8Array, at: number): number {
    // §5: "If a TLS implementation receives an unexpected record type, it MUST terminate the connection
    // with an unexpected_message alert": decided from the header, without buffering the record. This
    // also answers an SSL 2.0-format CLIENT-HELLO (first byte 0x80 or more, Appendix D.5) at once.
    const type = buf[at];
    if (type < CONTENT_CHANGE_CIPHER_SPEC || type > CONTENT_APPLICATION_DATA) {
      const hint =
        type >= 0x80
          ? " (an SSL 2.0-format ClientHello? only TLS 1.3 is spoken here)"
          : type >= 0x41 && type <= 0x7a
            ? " (the peer sent text: it does not speak TLS on this port, e.g. plain HTTP)"
            : "";
      fail("unexpected_message", `received a record of unknown content type ${type}${hint}`);
    }
    const length = (buf[at + 3] << 8) | buf[at + 4];
    // §5.2: more than 2^14 + 256 bytes of ciphertext (2^14 of plaintext before keys) is record_overflow.
    // Under a negotiated limit our AEADs add exactly the content type and a 16-byte tag.
    const limit = this.maxContent < MAX_PLAINTEXT ? this.maxContent + 1 + 16 : this.protection ? MAX_CIPHERTEXT : MAX_PLAINTEXT;
    if (length > limit) fail("record_overflow", `received a ${length}-byte record; the limit is ${limit}`);
    return length;
  }

  /**
   * Opens the buffered record: decrypts it in place when keys are set and the outer type is
   * application_data, and strips the padding of TLSInnerPlaintext (§5.4). Returns false when the
   * record was skipped as rejected early data.
   */
  openRecord(): boolean {
    const outerType = this.buf[0];
    if (!this.protection || outerType !== CONTENT_APPLICATION_DATA) {
      this.contentType = outerType;
      this.contentLength = this.recordLength;
      return true;
    }
    let inner: number;
    try {
      inner = this.protection.open(this.buf, 0, this.recordLength);
    } catch (e) {
      // §4.2.10: discard records which fail deprotection, up to max_early_data_size; past it,
      // or when not skipping, a record that does not open is bad_record_mac (§5.2).
      if (this.skipRejectedEarlyData()) return false;
      throw e;
    }
    // "Once a record is deprotected successfully, it is treated as the start of the client's second flight."
    this.earlyDataToSkip = -1;
    this.contentLength = innerContentLength(this.buf, RECORD_HEADER_LENGTH, inner, this.maxContent);
    this.contentType = this.buf[RECORD_HEADER_LENGTH + this.contentLength];
    return true;
  }

  /** Largest record content accepted now: 2^14, or the negotiated record_size_limit. */
  get maxContentLength(): number {
    return this.maxContent;
  }

  /**
   * Server (§4.2.10): the client's 0-RTT data was rejected; skip up to `maxEarlyDataSize` bytes of
   * it, as max_early_data_size counts them (payload only). We cannot open these records, so each
   * counts its length less the 17 bytes every record of our AEADs carries (inner content type and
   * a 16-byte tag), and at least one byte. A size of 0 skips nothing.
   */
  skipEarlyData(maxEarlyDataSize: number): void {
    this.earlyDataToSkip = maxEarlyDataSize > 0 ? maxEarlyDataSize : -1;
  }

  /** The client's next flight has begun (its second ClientHello after a HelloRetryRequest): skip no more. */
  stopSkippingEarlyData(): void {
    this.earlyDataToSkip = -1;
  }

  /** Counts the buffered record against the rejected 0-RTT data to skip; false when it is not to be skipped. */
  skipRejectedEarlyData(): boolean {
    if (this.earlyDataToSkip < 0) return false;
    const payload = Math.max(1, this.recordLength - 17);
    if (payload > this.earlyDataToSkip) return false;
    this.earlyDataToSkip -= payload;
    return true;
  }

  /**
   * The buffered record (header and ciphertext) as a new array, and the reader ready for the next:
   * for the transport's asynchronous pipeline, which holds several records at once.
   */
  takeRecord(): Uint8Array {
    const record = this.buf.slice(0, RECORD_HEADER_LENGTH + this.recordLength);
    this.reset();
    return record;
  }

  /** Ready for the next record; the buffer goes back to the pool. */
  reset(): void {
    if (this.buf !== NO_BUFFER) {
      recordBuffers.give(this.buf, this.fill);
      this.buf = NO_BUFFER;
    }
    this.fill = 0;
    this.recordLength = -1;
    if (this.pendingMaxContent > 0) this.applyLimit();
  }

  /**
   * RFC 8449 record_size_limit / RFC 6066 max_fragment_length: from the next record on, accept
   * at most `maxContent` content bytes per record, and shrink the buffer to one such record.
   */
  limitContent(maxContent: number): void {
    this.pendingMaxContent = Math.min(maxContent, MAX_PLAINTEXT);
    if (this.fill === 0) this.applyLimit();
  }

  private applyLimit(): void {
    this.maxContent = this.pendingMaxContent;
    this.pendingMaxContent = 0;
    const size = RECORD_HEADER_LENGTH + (this.maxContent < MAX_PLAINTEXT ? this.maxContent + 1 + 16 : MAX_CIPHERTEXT);
    this.bufferSize = Math.min(size, this.bufferSize);
  }

  /** Bytes this reader takes for one record while data flows (memory accounting). */
  get capacity(): number {
    return this.bufferSize;
  }
}
