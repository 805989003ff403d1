/**
 * SHA-256 (FIPS 180-4 §6.2), HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869) on reusable
 * states, around noble's compression function. A TLS 1.3 handshake hashes about forty short inputs
 * per side (RFC 8446 §7.1: each HKDF-Expand-Label is one HMAC of under 64 bytes, each transcript
 * hash a digest of a copy), and for those noble's hash objects cost more in allocation and set-up
 * than in compression: an HMAC of 40 bytes was about 9 µs through noble's `hmac` and 4 to 5 µs here,
 * a one-block expansion from a kept key about 4 µs and 2 to 3 µs (Node 20, best of runs). So
 * SHA-256, the hash of every default suite, keeps caller-owned states here (an HMAC key is its two
 * keyed hash values, made once per secret); SHA-384 and SHA-512 stay whole on noble. Checked
 * against FIPS 180-2, RFC 4231, RFC 5869 and Wycheproof vectors and against node:crypto
 * (test/crypto/sha256.test.ts, test/crypto/hash.test.ts, test/crypto/wycheproof.test.ts).
 */
import { _SHA256 } from "@noble/hashes/sha2.js";

/** FIPS 180-4 §5.3.3: the initial hash value. */
// prettier-ignore
const IV = /* @__PURE__ */ Int32Array.of(
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
);

const BLOCK = 64;
export const SHA256_LENGTH = 32;

/**
 * noble's SHA-256 compression function (FIPS 180-4 §6.2.2, `process`), run on a hash value we keep:
 * noble's state object only carries the eight words in and out, so the round code and constants
 * are noble's and the buffering, padding and keyed states are ours.
 */
class Compression extends _SHA256 {
  /** One 64-byte block at `offset` of `view` into the hash value `h[at..at + 8]`. */
  compress(h: Int32Array, at: number, view: DataView, offset: number): void {
    this.set(h[at], h[at + 1], h[at + 2], h[at + 3], h[at + 4], h[at + 5], h[at + 6], h[at + 7]);
    this.process(view, offset);
    h[at] = this.A;
    h[at + 1] = this.B;
    h[at + 2] = this.C;
    h[at + 3] = this.D;
    h[at + 4] = this.E;
    h[at + 5] = this.F;
    h[at + 6] = this.G;
    h[at + 7] = this.H;
  }

  /** Wipes the message schedule and the words: after a digest they held message (or key) words. */
  wipe(): void {
    this.roundClean();
    this.set(0, 0, 0, 0, 0, 0, 0, 0);
  }
}

/** Shared by every state: JavaScript runs one compression at a time. */
let compression: Compression | null = null;
/** The state one-shot digests and `digestSoFarInto` work on, reset or copied over before each use. */
let scratch: Sha256 | null = null;
/** The state each MAC works on, a copy of a keyed one. */
let work: Sha256 | null = null;
function compress(h: Int32Array, at: number, view: DataView, offset: number): void {
  (compression ??= new Compression()).compress(h, at, view, offset);
}

/** An incremental SHA-256 state. `digestInto` finishes it; `reset` or `copyFrom` starts it again. */
export class Sha256 {
  private readonly h = new Int32Array(8);
  /**
   * The block being filled: `pending` bytes. Input is copied here and compressed from here, so one
   * DataView serves every input (a view per input array would cost more than the copy).
   */
  private readonly block = new Uint8Array(BLOCK);
  private readonly view = new DataView(this.block.buffer);
  private pending = 0;
  /** Bytes hashed so far. A handshake hashes kilobytes; 2^53 bytes is past any input. */
  private length = 0;

  constructor() {
    this.reset();
  }

  reset(): this {
    this.h.set(IV);
    this.pending = 0;
    this.length = 0;
    return this;
  }

  /** Starts from a hash value after one block (an HMAC key's, `words[at..at + 8]`). */
  startKeyed(words: Int32Array, at: number): this {
    for (let i = 0; i < 8; i++) this.h[i] = words[at + i];
    this.pending = 0;
    this.length = BLOCK;
    return this;
  }

  /** This state becomes a copy of `other`, which stays as it was. */
  copyFrom(other: Sha256): this {
    this.h.set(other.h);
    for (let i = 0; i < other.pending; i++) this.block[i] = other.block[i];
    this.pending = other.pending;
    this.length = other.length;
    return this;
  }

  update(data: Uint8Array): this {
    const end = data.length;
    this.length += end;
    const block = this.block;
    let pending = this.pending;
    for (let i = 0; i < end; i++) {
      block[pending++] = data[i];
      if (pending === BLOCK) {
        compress(this.h, 0, this.view, 0);
        pending = 0;
      }
    }
    this.pending = pending;
    return this;
  }

  /** Finishes the hash (FIPS 180-4 §5.1.1 padding) and writes the 32-byte digest at `out[offset]`. */
  digestInto(out: Uint8Array, offset = 0): void {
    const block = this.block;
    let pending = this.pending;
    block[pending++] = 0x80;
    if (pending > BLOCK - 8) {
      block.fill(0, pending);
      compress(this.h, 0, this.view, 0);
      pending = 0;
    }
    block.fill(0, pending, BLOCK - 8);
    // The length in bits, a 64-bit big-endian integer: the high word is what 32 bits cannot hold.
    const high = Math.floor(this.length / 0x20000000);
    const low = (this.length << 3) | 0;
    writeWord(block, BLOCK - 8, high);
    writeWord(block, BLOCK - 4, low);
    compress(this.h, 0, this.view, 0);
    for (let i = 0; i < 8; i++) writeWord(out, offset + 4 * i, this.h[i]);
    // The block and the schedule held message words (HMAC's keyed pads among them).
    block.fill(0);
    compression?.wipe();
    this.pending = 0;
  }

  /** The digest of what was hashed so far into `out`, leaving this state open (a transcript hash, RFC 8446 §4.4.1). */
  digestSoFarInto(out: Uint8Array): void {
    (scratch ??= new Sha256()).copyFrom(this).digestInto(out);
  }

  /** Wipes the state: what it held may be key material. */
  destroy(): void {
    this.h.fill(0);
    this.block.fill(0);
    this.pending = 0;
    this.length = 0;
  }
}

function writeWord(out: Uint8Array, offset: number, word: number): void {
  out[offset] = word >>> 24;
  out[offset + 1] = word >>> 16;
  out[offset + 2] = word >>> 8;
  out[offset + 3] = word;
}

export function sha256Digest(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHA256_LENGTH);
  (scratch ??= new Sha256()).reset().update(data).digestInto(out);
  return out;
}

/** The inner digest of an HMAC, between its two hashes: wiped after each use. */
const innerDigest = /* @__PURE__ */ new Uint8Array(SHA256_LENGTH);

/** The padded key block while an HMAC key is made: wiped after each use. */
const pad = /* @__PURE__ */ new Uint8Array(BLOCK);
const padView = /* @__PURE__ */ new DataView(pad.buffer);

/**
 * HMAC-SHA-256 keyed once (RFC 2104 §2): the hash values after compressing K xor ipad and
 * K xor opad, from which each MAC with this key starts, so that a key used several times (an HKDF
 * PRK, a finished key) is padded and compressed only once.
 */
export class HmacSha256Key {
  /** The inner hash value, then the outer one. */
  private readonly keyed = new Int32Array(16);

  constructor(key: Uint8Array) {
    // Keys longer than the block are hashed first (RFC 2104 §3).
    if (key.length > BLOCK) (scratch ??= new Sha256()).reset().update(key).digestInto(pad);
    else pad.set(key);
    for (let i = 0; i < BLOCK; i++) pad[i] ^= 0x36;
    this.keyed.set(IV, 0);
    compress(this.keyed, 0, padView, 0);
    for (let i = 0; i < BLOCK; i++) pad[i] ^= 0x36 ^ 0x5c;
    this.keyed.set(IV, 8);
    compress(this.keyed, 8, padView, 0);
    pad.fill(0);
    compression?.wipe();
  }

  /**
   * HMAC(K, a | b) into `out[offset..offset + 32]`. Two parts because HKDF-Expand MACs
   * T(i-1) | info | i (RFC 5869 §2.3) and TLS passes info and the counter apart.
   */
  macInto(out: Uint8Array, offset: number, a: Uint8Array, b?: Uint8Array): void {
    const state = (work ??= new Sha256()).startKeyed(this.keyed, 0).update(a);
    if (b !== undefined) state.update(b);
    state.digestInto(innerDigest);
    state.startKeyed(this.keyed, 8).update(innerDigest).digestInto(out, offset);
    innerDigest.fill(0);
  }

  destroy(): void {
    this.keyed.fill(0);
  }
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const mac = new HmacSha256Key(key);
  const out = new Uint8Array(SHA256_LENGTH);
  mac.macInto(out, 0, data);
  mac.destroy();
  return out;
}

const COUNTER = /* @__PURE__ */ new Uint8Array(1);
/** T(1) while its first bytes are copied out: wiped after each use. */
const innerBlock = /* @__PURE__ */ new Uint8Array(SHA256_LENGTH);

/**
 * HKDF-Expand (RFC 5869 §2.3) from a keyed PRK: T(i) = HMAC(PRK, T(i-1) | info | i), the first
 * `length` bytes of T(1) | T(2) | ... The caller checks `length` (at most 255 * 32).
 */
export function hkdfExpandSha256(prk: HmacSha256Key, info: Uint8Array, length: number): Uint8Array {
  COUNTER[0] = 1;
  if (length <= SHA256_LENGTH) {
    // TLS 1.3's case (every HKDF-Expand-Label, RFC 8446 §7.1): T(1) alone, one allocation.
    prk.macInto(innerBlock, 0, info, COUNTER);
    const okm = innerBlock.slice(0, length);
    innerBlock.fill(0);
    return okm;
  }
  const blocks = Math.ceil(length / SHA256_LENGTH);
  const okm = new Uint8Array(blocks * SHA256_LENGTH);
  for (let i = 0; i < blocks; i++) {
    COUNTER[0] = i + 1;
    const previous = okm.subarray(Math.max(0, i - 1) * SHA256_LENGTH, i * SHA256_LENGTH);
    // T(i-1) | info | i as two parts: T(i-1) | info is joined only past the first block.
    if (i === 0) prk.macInto(okm, 0, info, COUNTER);
    else prk.macInto(okm, i * SHA256_LENGTH, concat(previous, info), COUNTER);
  }
  return length === okm.length ? okm : okm.slice(0, length);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
