import { fail } from "../bytes/index.js";
import type { AeadAlgorithm, AeadKey } from "../crypto/provider.js";

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

/** Binds an AEAD to a traffic key: the crypto provider's `aead` (crypto/provider.ts). */
export interface AeadBinder {
  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey;
}

const NONCE_LENGTH = 12;
/** Layout of `state`: the IV, the per-record nonce, the additional data, and the key until it is bound. */
const NONCE_AT = NONCE_LENGTH;
const AAD_AT = 2 * NONCE_LENGTH;
const KEY_AT = AAD_AT + RECORD_HEADER_LENGTH;
const NO_BYTES = new Uint8Array(0);

/**
 * AEAD protection for one direction under one traffic key (RFC 8446 §5.2-5.3). The nonce and
 * additional data live in one buffer owned by this object and are rewritten per record, so sealing
 * and opening allocate nothing of their own.
 *
 * Made with `deferred`, the per-key cipher state (AES round keys and GHASH table, or ChaCha20 key
 * words) is built when the first record is sealed or opened under the key, not when the key is
 * installed (issue 15): an established connection that is idle holds its two keys as bytes, and
 * a key the handshake installs but never uses (a client that sends nothing, a server that reads
 * nothing) costs no cipher state at all. It is still built once per key, never per record.
 */
export class RecordProtection {
  private sequence = 0;
  /** IV (12) | nonce (12) | additional data (5) | key, the last zeroed once bound. */
  private readonly state: Uint8Array;
  /** Views of `state`'s nonce and additional data, made with the cipher. */
  private nonce: Uint8Array = NO_BYTES;
  private aad: Uint8Array = NO_BYTES;
  private aead: AeadKey | null;
  private binder: AeadBinder | null = null;
  private algorithm: AeadAlgorithm | null = null;

  constructor(aead: AeadKey | null, iv: Uint8Array, key: Uint8Array = NO_BYTES) {
    if (iv.length !== NONCE_LENGTH) fail("internal_error", "record protection needs a 12-byte IV");
    this.state = new Uint8Array(KEY_AT + key.length);
    this.state.set(iv, 0);
    this.state.set(key, KEY_AT);
    this.aead = aead;
    if (aead !== null) this.makeViews();
  }

  /** Protection whose cipher state is built from `key` by `binder` when the first record needs it. */
  static deferred(binder: AeadBinder, algorithm: AeadAlgorithm, key: Uint8Array, iv: Uint8Array): RecordProtection {
    const p = new RecordProtection(null, iv, key);
    p.binder = binder;
    p.algorithm = algorithm;
    return p;
  }

  /** The cipher, built on first use for a deferred key (once per key). */
  private cipher(): AeadKey {
    const bound = this.aead;
    if (bound !== null) return bound;
    const binder = this.binder;
    const algorithm = this.algorithm;
    if (binder === null || algorithm === null) return fail("internal_error", "record protection has neither a cipher nor a key");
    const key = this.state.subarray(KEY_AT);
    const aead = binder.aead(algorithm, key);
    key.fill(0); // the cipher holds its own expanded copy
    this.aead = aead;
    this.binder = null;
    this.makeViews();
    return aead;
  }

  private makeViews(): void {
    this.nonce = this.state.subarray(NONCE_AT, NONCE_AT + NONCE_LENGTH);
    this.aad = this.state.subarray(AAD_AT, AAD_AT + RECORD_HEADER_LENGTH);
  }

  /**
   * §5.3: the per-record nonce is the 64-bit sequence number, left-padded, XORed with the IV.
   * The sequence number advances only when a record is sealed or opened successfully.
   */
  private currentNonce(): Uint8Array {
    if (this.sequence >= MAX_SEQUENCE) fail("internal_error", "record sequence number exhausted; the connection must be rekeyed");
    let seq = this.sequence;
    const s = this.state;
    s.copyWithin(NONCE_AT, 0, NONCE_LENGTH);
    for (let i = NONCE_AT + 11; i >= NONCE_AT + 4 && seq > 0; i--) {
      s[i] ^= seq % 256;
      seq = Math.floor(seq / 256);
    }
    return this.nonce;
  }

  private copyHeader(buf: Uint8Array, at: number): void {
    for (let i = 0; i < RECORD_HEADER_LENGTH; i++) this.state[AAD_AT + i] = buf[at + i];
  }

  /** Records sealed or opened so far under this key: the next record's sequence number (§5.3). */
  get sequenceNumber(): number {
    return this.sequence;
  }

  /**
   * Seals the TLSInnerPlaintext already at `buf[at+5, at+5+innerLength)` and writes the record
   * header before it. Returns the whole record's length.
   */
  seal(buf: Uint8Array, at: number, innerLength: number): number {
    const aead = this.cipher();
    const length = innerLength + AEAD_TAG_LENGTH;
    // §5.2: the outer type is always application_data; the header is the AEAD's additional data.
    writeRecordHeader(buf, at, 23, length);
    this.copyHeader(buf, at);
    aead.seal(this.currentNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, innerLength);
    this.sequence++;
    return RECORD_HEADER_LENGTH + length;
  }

  /**
   * Opens the record whose header is at `buf[at]` and whose ciphertext follows it, in place.
   * Returns the TLSInnerPlaintext length, or throws `bad_record_mac`.
   */
  open(buf: Uint8Array, at: number, length: number): number {
    if (length < AEAD_TAG_LENGTH + 1) fail("bad_record_mac", "encrypted record is too short to hold a tag and a content type");
    const aead = this.cipher();
    this.copyHeader(buf, at);
    const ok = aead.open(this.currentNonce(), this.aad, buf, at + RECORD_HEADER_LENGTH, length);
    if (!ok) fail("bad_record_mac", "a record failed authentication: it was altered in transit or encrypted under another key");
    this.sequence++;
    return length - AEAD_TAG_LENGTH;
  }
}
