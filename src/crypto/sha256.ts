/**
 * SHA-256 (FIPS 180-4 §6.2), HMAC-SHA-256 (RFC 2104) and HKDF-SHA-256 (RFC 5869) on reusable
 * states. A TLS 1.3 handshake pair compresses about 260 SHA-256 blocks, most of them for short
 * inputs (RFC 8446 §7.1: each HKDF-Expand-Label is one HMAC of under 64 bytes, each transcript hash
 * a digest of a copy). noble's hashes cost more there in per-call objects (allocation, DataViews,
 * clones) than in compressing, and its compression reads words through a DataView, which workerd
 * runs at half the speed of byte reads. So SHA-256, the hash of every default suite, is here with
 * caller-owned states (an HMAC key is its two keyed hash values, made once per secret); SHA-384
 * and SHA-512 stay on noble. Checked against FIPS 180-2, RFC 4231, RFC 5869 and Wycheproof
 * vectors and against node:crypto (test/crypto/sha256.test.ts, test/crypto/hash.test.ts,
 * test/crypto/wycheproof.test.ts).
 */

import { concatBytes } from "../bytes/index.js";

/** FIPS 180-4 §5.3.3: the initial hash value. */
// prettier-ignore
const IV = /* @__PURE__ */ Int32Array.of(
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
);

const BLOCK = 64;
export const SHA256_LENGTH = 32;

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
// prettier-ignore
const K = /* @__PURE__ */ Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

/** The message schedule, shared by every state (JavaScript runs one compression at a time); wiped after each digest. */
const W = /* @__PURE__ */ new Int32Array(64);

/**
 * FIPS 180-4 §6.2.2: one 64-byte block at `bytes[offset..]` into the hash value `h[at..at + 8]`.
 * Words are read a byte at a time: noble's compression reads them through a DataView, which in
 * workerd costs twice as much per block (1.15 against 0.58 µs, both measured there), and a
 * handshake pair compresses about 260 blocks.
 */
function compress(h: Int32Array, at: number, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++, offset += 4) {
    W[i] = (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15];
    const y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (s1 + W[i - 7] + s0 + W[i - 16]) | 0;
  }
  let a = h[at];
  let b = h[at + 1];
  let c = h[at + 2];
  let d = h[at + 3];
  let e = h[at + 4];
  let f = h[at + 5];
  let g = h[at + 6];
  let k = h[at + 7];
  for (let i = 0; i < 64; i++) {
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + sigma1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (sigma0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[at] = (h[at] + a) | 0;
  h[at + 1] = (h[at + 1] + b) | 0;
  h[at + 2] = (h[at + 2] + c) | 0;
  h[at + 3] = (h[at + 3] + d) | 0;
  h[at + 4] = (h[at + 4] + e) | 0;
  h[at + 5] = (h[at + 5] + f) | 0;
  h[at + 6] = (h[at + 6] + g) | 0;
  h[at + 7] = (h[at + 7] + k) | 0;
}

/** The state one-shot digests and `digestSoFarInto` work on, reset or copied over before each use. */
let scratch: Sha256 | null = null;
/** The state each MAC works on, a copy of a keyed one. */
let work: Sha256 | null = null;

/** An incremental SHA-256 state. `digestInto` finishes it; `reset` or `copyFrom` starts it again. */
export class Sha256 {
  private readonly h = new Int32Array(8);
  /** The partial block not yet compressed: `pending` bytes. */
  private readonly block = new Uint8Array(BLOCK);
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
    let start = 0;
    let pending = this.pending;
    if (pending > 0) {
      while (pending < BLOCK && start < end) block[pending++] = data[start++];
      if (pending < BLOCK) {
        this.pending = pending;
        return this;
      }
      compress(this.h, 0, block, 0);
      pending = 0;
    }
    for (; end - start >= BLOCK; start += BLOCK) compress(this.h, 0, data, start);
    while (start < end) block[pending++] = data[start++];
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
      compress(this.h, 0, block, 0);
      pending = 0;
    }
    block.fill(0, pending, BLOCK - 8);
    // The length in bits, a 64-bit big-endian integer: the high word is what 32 bits cannot hold.
    const high = Math.floor(this.length / 0x20000000);
    const low = (this.length << 3) | 0;
    writeWord(block, BLOCK - 8, high);
    writeWord(block, BLOCK - 4, low);
    compress(this.h, 0, block, 0);
    for (let i = 0; i < 8; i++) writeWord(out, offset + 4 * i, this.h[i]);
    // The block and the schedule held message words (HMAC's keyed pads among them).
    block.fill(0);
    W.fill(0);
    this.pending = 0;
  }

  /** The digest of what was hashed so far into `out`, leaving this state open (a transcript hash, RFC 8446 §4.4.1). */
  digestSoFarInto(out: Uint8Array): void {
    (scratch ??= new Sha256()).copyFrom(this).digestInto(out);
    scratch.reset();
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
  // The shared states keep nothing of what they hashed (here: the digest, in their hash value).
  scratch.reset();
  return out;
}

/** The inner digest of an HMAC, between its two hashes: wiped after each use. */
const innerDigest = /* @__PURE__ */ new Uint8Array(SHA256_LENGTH);

/** The padded key block while an HMAC key is made: wiped after each use. */
const pad = /* @__PURE__ */ new Uint8Array(BLOCK);

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
    if (key.length > BLOCK) {
      (scratch ??= new Sha256()).reset().update(key).digestInto(pad);
      scratch.reset();
    } else pad.set(key);
    for (let i = 0; i < BLOCK; i++) pad[i] ^= 0x36;
    this.keyed.set(IV, 0);
    compress(this.keyed, 0, pad, 0);
    for (let i = 0; i < BLOCK; i++) pad[i] ^= 0x36 ^ 0x5c;
    this.keyed.set(IV, 8);
    compress(this.keyed, 8, pad, 0);
    pad.fill(0);
    W.fill(0);
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
    // The MAC (an HKDF output is a secret) stays only in `out`.
    state.reset();
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
  prk.macInto(okm, 0, info, COUNTER);
  for (let i = 1; i < blocks; i++) {
    COUNTER[0] = i + 1;
    // T(i-1) | info | i, as two parts; the joined copy of T(i-1) is wiped after.
    const joined = concatBytes(okm.subarray((i - 1) * SHA256_LENGTH, i * SHA256_LENGTH), info);
    prk.macInto(okm, i * SHA256_LENGTH, joined, COUNTER);
    joined.fill(0);
  }
  if (length === okm.length) return okm;
  const out = okm.slice(0, length);
  okm.fill(0);
  return out;
}
