/**
 * Record protection (RFC 8446 §5.2-5.3) over an AEAD that may answer later (crypto/provider.ts
 * `AsyncAeadKey`, WebCrypto's AES-GCM), with several records in flight: the piece of issue 13's
 * asynchronous record pipeline that the transport layer will drive (docs/architecture.md,
 * "Asynchronous providers (planned)").
 *
 * Each record takes its sequence number, and so its nonce, when it is submitted, so the order of
 * submission is the order on the wire whatever order the runtime finishes in (Node runs WebCrypto
 * jobs on a thread pool). Results are handed back in submission order. With a synchronous key every
 * call answers at once with a plain number, as `RecordProtection` does.
 */
import { TLSError, fail } from "../bytes/index.js";
import { type AsyncAeadKey, type MaybePromise, isPromise } from "../crypto/provider.js";
import { AEAD_TAG_LENGTH, RECORD_HEADER_LENGTH, writeRecordHeader } from "./record-protection.js";

/** RFC 8446 §5.5 allows 2^64 records per key; we stop at 2^53 (exact in a JS number), as RecordProtection does. */
const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

export class AsyncRecordProtection {
  private sequence = 0;
  // Read by the AEAD before its call returns (the AsyncAeadKey contract), so one of each serves all records.
  private readonly nonce = new Uint8Array(12);
  private readonly aad = new Uint8Array(RECORD_HEADER_LENGTH);
  /** The in-order completions of the records in flight, oldest first. */
  private readonly inOrder: Promise<number>[] = [];
  /** The first failure, in order: every record after it fails with it (the connection is dead). */
  private failure: TLSError | null = null;

  /**
   * `maxInFlight` is the depth the caller should keep (`whenReady`); it does not refuse records.
   * `firstSequence` is the sequence number of the first record: not 0 when the key was already
   * used synchronously (the transport takes keys over from the engine after the handshake, when
   * the server may have sealed its NewSessionTickets under them).
   */
  constructor(
    private readonly aead: AsyncAeadKey,
    private readonly iv: Uint8Array,
    readonly maxInFlight = 8,
    firstSequence = 0,
  ) {
    if (iv.length !== 12) fail("internal_error", "a TLS 1.3 record IV is 12 bytes");
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, not ${maxInFlight}`);
    if (!Number.isSafeInteger(firstSequence) || firstSequence < 0) throw new RangeError(`firstSequence must be a sequence number, not ${firstSequence}`);
    this.sequence = firstSequence;
  }

  /** Records submitted whose result has not been handed back yet. */
  get inFlight(): number {
    return this.inOrder.length;
  }

  /** Null when fewer than `maxInFlight` records are in flight; otherwise settles when one more may go. */
  whenReady(): Promise<void> | null {
    const excess = this.inOrder.length - this.maxInFlight;
    if (excess < 0) return null;
    return this.inOrder[excess].then(
      () => undefined,
      () => undefined,
    );
  }

  /** Settles when every record submitted so far has been handed back. */
  drained(): Promise<void> {
    const last = this.inOrder[this.inOrder.length - 1];
    return last === undefined
      ? Promise.resolve()
      : last.then(
          () => undefined,
          () => undefined,
        );
  }

  /** §5.3: the 64-bit sequence number, left-padded, XORed with the IV; taken at submission. */
  private nextNonce(): Uint8Array {
    if (this.sequence >= MAX_SEQUENCE) fail("internal_error", "record sequence number exhausted; the connection must be rekeyed");
    let seq = this.sequence++;
    const n = this.nonce;
    n.set(this.iv);
    for (let i = 11; i >= 4 && seq > 0; i--) {
      n[i] ^= seq % 256;
      seq = Math.floor(seq / 256);
    }
    return n;
  }

  /**
   * Seals the TLSInnerPlaintext at `buf[at+5, at+5+innerLength)` and writes the header before it,
   * as `RecordProtection.seal`; the buffer needs 16 bytes of room after it for the tag. Answers
   * the record's length, later when the AEAD does; the caller must leave the record's bytes alone
   * until then.
   */
  seal(buf: Uint8Array, at: number, innerLength: number): MaybePromise<number> {
    const length = innerLength + AEAD_TAG_LENGTH;
    // §5.2: the outer type is always application_data; the header is the additional data.
    writeRecordHeader(buf, at, 23, length);
    for (let i = 0; i < RECORD_HEADER_LENGTH; i++) this.aad[i] = buf[at + i];
    const sealed = this.aead.seal(this.nextNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, innerLength);
    const recordLength = RECORD_HEADER_LENGTH + length;
    if (!isPromise(sealed) && this.inOrder.length === 0) return recordLength;
    return this.inSubmissionOrder(Promise.resolve(sealed).then(() => recordLength));
  }

  /**
   * Opens the record whose header is at `buf[at]` and whose `length` bytes of ciphertext follow,
   * in place, as `RecordProtection.open`. Answers the TLSInnerPlaintext length, or fails with
   * `bad_record_mac`; every record submitted after a failed one fails too.
   */
  open(buf: Uint8Array, at: number, length: number): MaybePromise<number> {
    if (this.failure) throw this.failure;
    if (length < AEAD_TAG_LENGTH + 1) fail("bad_record_mac", "encrypted record is too short to hold a tag and a content type");
    for (let i = 0; i < RECORD_HEADER_LENGTH; i++) this.aad[i] = buf[at + i];
    const opened = this.aead.open(this.nextNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, length);
    const check = (ok: boolean): number => {
      if (!ok) fail("bad_record_mac", "a record failed authentication: it was altered in transit or encrypted under another key");
      return length - AEAD_TAG_LENGTH;
    };
    if (!isPromise(opened) && this.inOrder.length === 0) {
      try {
        return check(opened);
      } catch (error) {
        if (error instanceof TLSError) this.failure = error;
        throw error;
      }
    }
    return this.inSubmissionOrder(Promise.resolve(opened).then(check));
  }

  /** Hands `result` back only after every earlier record's, so completions come out in order. */
  private inSubmissionOrder(result: Promise<number>): Promise<number> {
    // Handled here at once: a record that fails before its turn is reported at its turn, not as
    // an unhandled rejection.
    result.catch(() => undefined);
    const previous = this.inOrder[this.inOrder.length - 1];
    const ordered = (
      previous === undefined
        ? result
        : previous.then(
            () => result,
            () => result,
          )
    ).then(
      (value) => {
        this.inOrder.shift();
        if (this.failure) throw this.failure;
        return value;
      },
      (error: unknown) => {
        this.inOrder.shift();
        if (this.failure) throw this.failure;
        if (error instanceof TLSError) this.failure = error;
        throw error;
      },
    );
    this.inOrder.push(ordered);
    return ordered;
  }
}
