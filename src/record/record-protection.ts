import { fail } from "../bytes/index.js";
import type { AeadKey } from "../crypto/provider.js";

export const RECORD_HEADER_LENGTH = 5;
export const AEAD_TAG_LENGTH = 16;
/** RFC 8446 §5.1: legacy_record_version of every record after the initial ClientHello. */
export const LEGACY_RECORD_VERSION = 0x0303;
/** RFC 8446 §5.5: a connection must not exceed 2^64 records per key; we stop at 2^53 (exact in a JS number). */
const MAX_SEQUENCE = Number.MAX_SAFE_INTEGER;

export function writeRecordHeader(buf: Uint8Array, at: number, contentType: number, length: number): void {
  buf[at] = contentType;
  buf[at + 1] = LEGACY_RECORD_VERSION >>> 8;
  buf[at + 2] = LEGACY_RECORD_VERSION & 0xff;
  buf[at + 3] = length >>> 8;
  buf[at + 4] = length & 0xff;
}

/**
 * AEAD protection for one direction under one traffic key (RFC 8446 §5.2-5.3). The nonce and
 * additional data live in buffers owned by this object and are rewritten per record, so sealing
 * and opening allocate nothing of their own.
 */
export class RecordProtection {
  private sequence = 0;
  private readonly nonce = new Uint8Array(12);
  private readonly aad = new Uint8Array(RECORD_HEADER_LENGTH);

  constructor(
    private readonly aead: AeadKey,
    private readonly iv: Uint8Array,
  ) {}

  /**
   * §5.3: the per-record nonce is the 64-bit sequence number, left-padded, XORed with the IV.
   * The sequence number advances only when a record is sealed or opened successfully.
   */
  private currentNonce(): Uint8Array {
    if (this.sequence >= MAX_SEQUENCE) fail("internal_error", "record sequence number exhausted; the connection must be rekeyed");
    let seq = this.sequence;
    const n = this.nonce;
    n.set(this.iv);
    for (let i = 11; i >= 4 && seq > 0; i--) {
      n[i] ^= seq % 256;
      seq = Math.floor(seq / 256);
    }
    return n;
  }

  private copyHeader(buf: Uint8Array, at: number): void {
    for (let i = 0; i < RECORD_HEADER_LENGTH; i++) this.aad[i] = buf[at + i];
  }

  /**
   * Seals the TLSInnerPlaintext already at `buf[at+5, at+5+innerLength)` and writes the record
   * header before it. Returns the whole record's length.
   */
  seal(buf: Uint8Array, at: number, innerLength: number): number {
    const length = innerLength + AEAD_TAG_LENGTH;
    // §5.2: the outer type is always application_data; the header is the AEAD's additional data.
    writeRecordHeader(buf, at, 23, length);
    this.copyHeader(buf, at);
    this.aead.seal(this.currentNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, innerLength);
    this.sequence++;
    return RECORD_HEADER_LENGTH + length;
  }

  /**
   * Opens the record whose header is at `buf[at]` and whose ciphertext follows it, in place.
   * Returns the TLSInnerPlaintext length, or throws `bad_record_mac`.
   */
  open(buf: Uint8Array, at: number, length: number): number {
    if (length < AEAD_TAG_LENGTH + 1) fail("bad_record_mac", "encrypted record is too short to hold a tag and a content type");
    this.copyHeader(buf, at);
    const ok = this.aead.open(this.currentNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, length);
    if (!ok) fail("bad_record_mac", "a record failed authentication: it was altered in transit or encrypted under another key");
    this.sequence++;
    return length - AEAD_TAG_LENGTH;
  }
}
