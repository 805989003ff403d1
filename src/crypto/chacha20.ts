/**
 * The ChaCha20 stream cipher (RFC 8439 §2.3-2.4) with a 32-bit block counter and a 96-bit nonce.
 *
 * Only additions, XORs and fixed rotations on 32-bit words: no secret-dependent lookups or
 * branches, so it is constant-time in JavaScript as far as the engine's integer operations are.
 * The key words are read once per key; each block's key stream is XORed straight into the
 * caller's buffer through a DataView (one 32-bit access per word, at any byte offset).
 */

/** RFC 8439 §2.3: "expand 32-byte k" as four little-endian words. */
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

export function readLittleEndianWord(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24);
}

/** The eight key words of a 256-bit ChaCha20 key (RFC 8439 §2.3), read once per traffic key. */
export function chachaKeyWords(key: Uint8Array): Int32Array {
  const words = new Int32Array(8);
  for (let i = 0; i < 8; i++) words[i] = readLittleEndianWord(key, 4 * i);
  return words;
}

/**
 * The ChaCha20 block function (RFC 8439 §2.3): 20 rounds over the state built from the key
 * words, the counter and the nonce words, and the serialized block XORed straight into the 64
 * bytes at `view[at..]` (§2.4). XORing into zeros yields the key stream itself.
 */
export function chachaXorBlock(key: Int32Array, counter: number, n0: number, n1: number, n2: number, view: DataView, at: number): void {
  const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3], k4 = key[4], k5 = key[5], k6 = key[6], k7 = key[7];
  let x0 = SIGMA0, x1 = SIGMA1, x2 = SIGMA2, x3 = SIGMA3;
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
  let x12 = counter | 0, x13 = n0, x14 = n1, x15 = n2;
  for (let i = 0; i < 10; i++) {
    // §2.1 quarter rounds: four on the columns, then four on the diagonals (§2.3.1).
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);

    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);

    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);

    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);

    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);

    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);

    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);

    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  // §2.3: add the original input words to the result; §2.4: XOR the little-endian words in.
  view.setInt32(at, view.getInt32(at, true) ^ (x0 + SIGMA0), true);
  view.setInt32(at + 4, view.getInt32(at + 4, true) ^ (x1 + SIGMA1), true);
  view.setInt32(at + 8, view.getInt32(at + 8, true) ^ (x2 + SIGMA2), true);
  view.setInt32(at + 12, view.getInt32(at + 12, true) ^ (x3 + SIGMA3), true);
  view.setInt32(at + 16, view.getInt32(at + 16, true) ^ (x4 + k0), true);
  view.setInt32(at + 20, view.getInt32(at + 20, true) ^ (x5 + k1), true);
  view.setInt32(at + 24, view.getInt32(at + 24, true) ^ (x6 + k2), true);
  view.setInt32(at + 28, view.getInt32(at + 28, true) ^ (x7 + k3), true);
  view.setInt32(at + 32, view.getInt32(at + 32, true) ^ (x8 + k4), true);
  view.setInt32(at + 36, view.getInt32(at + 36, true) ^ (x9 + k5), true);
  view.setInt32(at + 40, view.getInt32(at + 40, true) ^ (x10 + k6), true);
  view.setInt32(at + 44, view.getInt32(at + 44, true) ^ (x11 + k7), true);
  view.setInt32(at + 48, view.getInt32(at + 48, true) ^ (x12 + counter), true);
  view.setInt32(at + 52, view.getInt32(at + 52, true) ^ (x13 + n0), true);
  view.setInt32(at + 56, view.getInt32(at + 56, true) ^ (x14 + n1), true);
  view.setInt32(at + 60, view.getInt32(at + 60, true) ^ (x15 + n2), true);
}

/**
 * RFC 8439 §2.4: XORs `buf[offset, offset+length)` in place with the key stream starting at block
 * `counter`. `view` is a DataView over exactly `buf`; `scratch` (64 bytes) and `scratchView` hold
 * the key stream of a final partial block.
 */
export function chachaXor(
  key: Int32Array,
  counter: number,
  n0: number,
  n1: number,
  n2: number,
  buf: Uint8Array,
  view: DataView,
  offset: number,
  length: number,
  scratch: Uint8Array,
  scratchView: DataView,
): void {
  const end = offset + length;
  let p = offset;
  for (; p + 64 <= end; p += 64) chachaXorBlock(key, counter++, n0, n1, n2, view, p);
  if (p < end) {
    scratch.fill(0);
    chachaXorBlock(key, counter, n0, n1, n2, scratchView, 0);
    for (let i = 0; p < end; i++, p++) buf[p] ^= scratch[i];
  }
}
