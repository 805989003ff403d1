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
import { AlertDescription, TLSError, fail } from "../bytes/index.js";
import { type AsyncAeadKey, type MaybePromise, isPromise } from "../crypto/provider.js";
import { AEAD_TAG_LENGTH, RECORD_HEADER_LENGTH, writeRecordHeader } from "./record-protection.js";

/** RFC 8446 §5.5 allows 2^64 records per key; we stop at 2^53 (exact in a JS number), as RecordProtection does. */
const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

/** A record in flight: its answer once the AEAD gives it, handed back when every earlier record's has been. */
interface Slot {
  settled: boolean;
  value: number;
  error: unknown;
  /** The caller's Promise, made only when asked for (`seal`, `open`, `settled`). */
  promise: Promise<number> | null;
  resolve: ((value: number) => void) | null;
  reject: ((error: unknown) => void) | null;
}

export class AsyncRecordProtection {
  private sequence = 0;
  // Read by the AEAD before its call returns (the AsyncAeadKey contract), so one of each serves all records.
  private readonly nonce = new Uint8Array(12);
  private readonly aad = new Uint8Array(RECORD_HEADER_LENGTH);
  /**
   * The records in flight, oldest first. Each AEAD answer gets one reaction, which marks its slot
   * and hands back the settled slots at the head: one Promise per record, not a chain of them.
   */
  private readonly slots: Slot[] = [];
  /** The first failure, in order: every record after it fails with it (the connection is dead). */
  private failure: unknown = null;
  private hasFailed = false;
  /** `whenReady` and `drained` callers waiting for room or for the last record. */
  private readyWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];

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
    return this.slots.length;
  }

  /** Null when fewer than `maxInFlight` records are in flight; otherwise settles when one more may go. */
  whenReady(): Promise<void> | null {
    if (this.slots.length < this.maxInFlight) return null;
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Settles when every record submitted so far has been handed back. */
  drained(): Promise<void> {
    if (this.slots.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
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
    const length = this.submitSeal(buf, at, innerLength);
    return length !== null ? length : this.promiseOf(this.slots[this.slots.length - 1]);
  }

  /**
   * `seal`, without a Promise per record: the record's length when it is sealed already, null when
   * the AEAD answers later; `settled()` then waits for it with every record before it.
   */
  submitSeal(buf: Uint8Array, at: number, innerLength: number): number | null {
    const length = innerLength + AEAD_TAG_LENGTH;
    // §5.2: the outer type is always application_data; the header is the additional data.
    writeRecordHeader(buf, at, 23, length);
    for (let i = 0; i < RECORD_HEADER_LENGTH; i++) this.aad[i] = buf[at + i];
    const sealed = this.aead.seal(this.nextNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, innerLength);
    const recordLength = RECORD_HEADER_LENGTH + length;
    if (!isPromise(sealed) && this.slots.length === 0) return recordLength;
    this.submitted(sealed, recordLength, false);
    return null;
  }

  /**
   * Null when every record submitted so far has been handed back and none failed; otherwise
   * settles when the last one is, rejecting with the first failure (each fails once one before
   * it has).
   */
  settled(): Promise<unknown> | null {
    const last = this.slots[this.slots.length - 1];
    if (last !== undefined) return this.promiseOf(last);
    return this.hasFailed ? Promise.reject(this.failure) : null;
  }

  /**
   * Opens the record whose header is at `buf[at]` and whose `length` bytes of ciphertext follow,
   * in place, as `RecordProtection.open`. Answers the TLSInnerPlaintext length, or fails with
   * `bad_record_mac`; every record submitted after a failed one fails too.
   */
  open(buf: Uint8Array, at: number, length: number): MaybePromise<number> {
    if (this.hasFailed) throw this.failure;
    if (length < AEAD_TAG_LENGTH + 1) fail("bad_record_mac", "encrypted record is too short to hold a tag and a content type");
    for (let i = 0; i < RECORD_HEADER_LENGTH; i++) this.aad[i] = buf[at + i];
    const opened = this.aead.open(this.nextNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, length);
    const innerLength = length - AEAD_TAG_LENGTH;
    if (!isPromise(opened) && this.slots.length === 0) {
      if (opened) return innerLength;
      this.hasFailed = true;
      this.failure = forged();
      throw this.failure;
    }
    this.submitted(opened, innerLength, true);
    return this.promiseOf(this.slots[this.slots.length - 1]);
  }

  private promiseOf(slot: Slot): Promise<number> {
    if (slot.promise === null) {
      slot.promise = new Promise<number>((resolve, reject) => {
        slot.resolve = resolve;
        slot.reject = reject;
      });
    }
    return slot.promise;
  }

  /**
   * Takes the record's answer, to hand back only after every earlier record's, so completions come
   * out in order. `checked`: the AEAD answers whether the record opened (false is bad_record_mac).
   */
  private submitted(answer: MaybePromise<void | boolean>, value: number, checked: boolean): void {
    const slot: Slot = { settled: false, value, error: null, promise: null, resolve: null, reject: null };
    this.slots.push(slot);
    const settle = (ok: boolean, error: unknown): void => {
      slot.settled = true;
      if (!ok) slot.error = error ?? forged();
      this.handBack();
    };
    if (isPromise(answer)) {
      answer.then(
        (result) => settle(!checked || result === true, null),
        (error: unknown) => settle(false, error),
      );
    } else {
      settle(!checked || answer === true, null);
    }
  }

  /** Hands back the settled records at the head, in order; the first failure fails every later record. */
  private handBack(): void {
    const slots = this.slots;
    while (slots.length > 0 && slots[0].settled) {
      const slot = slots.shift() as Slot;
      if (!this.hasFailed && slot.error !== null) {
        this.hasFailed = true;
        this.failure = slot.error;
      }
      if (this.hasFailed) slot.reject?.(this.failure);
      else slot.resolve?.(slot.value);
    }
    if (slots.length < this.maxInFlight && this.readyWaiters.length > 0) this.readyWaiters = wake(this.readyWaiters);
    if (slots.length === 0 && this.drainWaiters.length > 0) this.drainWaiters = wake(this.drainWaiters);
  }
}

function wake(waiters: readonly (() => void)[]): (() => void)[] {
  for (const resolve of waiters) resolve();
  return [];
}

function forged(): TLSError {
  return new TLSError(AlertDescription.bad_record_mac, "a record failed authentication: it was altered in transit or encrypted under another key");
}
