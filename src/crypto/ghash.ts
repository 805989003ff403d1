/**
 * GHASH multiplication by a fixed H (NIST SP 800-38D §6.4), with the 128-bit block as four
 * big-endian Int32 words. Two table sizes, both computed once per key:
 *
 * - compact (the default): Shoup's 4-bit method, 512 bytes per key. The 16 nibble multiples of
 *   H, and the same times x^4, turn one byte of the block into two lookups; between bytes the
 *   accumulator is multiplied by x^8, a shift whose 8 overflowing bits are folded back with one
 *   lookup into a reduction table shared by every key. 16 steps per block.
 * - large (opt-in): one 256-entry table per byte position, 64 KiB per key. A multiplication is 16
 *   lookups and XORs with no shifting or reduction, about twice as fast; it pays only where
 *   bulk AES-GCM throughput matters more than memory per connection.
 *
 * Like the AES tables, lookups are indexed by secret data: not constant-time against cache timing.
 */

/** y <- y * H, in place, for the H a table was built from. */
export interface GhashMultiplier {
  multiply(y: Int32Array): void;
}

/** Which GHASH table AES-GCM keys use: "compact" (512 bytes per key) or "large" (64 KiB per key). */
export type GcmTableSize = "compact" | "large";

/** SP 800-38D §6.3: multiplication by x is a right shift; R = 11100001 || 0^120 folds the carry back. */
const GHASH_R = 0xe1000000 | 0;

/** H * x^j for j = 0..count-1, four words each. */
function powersOfX(h0: number, h1: number, h2: number, h3: number, count: number): Int32Array {
  const out = new Int32Array(4 * count);
  for (let j = 0; j < count; j++) {
    out[4 * j] = h0;
    out[4 * j + 1] = h1;
    out[4 * j + 2] = h2;
    out[4 * j + 3] = h3;
    const carry = h3 & 1;
    h3 = (h3 >>> 1) | (h2 << 31);
    h2 = (h2 >>> 1) | (h1 << 31);
    h1 = (h1 >>> 1) | (h0 << 31);
    h0 = (h0 >>> 1) ^ (carry ? GHASH_R : 0);
  }
  return out;
}

/**
 * Reduction of the 8 bits a shift by 8 pushes out of the block (coefficients of x^120..x^127,
 * which become x^128..x^135): their reduction lands in the top 16 bits of word 0. Computed by
 * shifting each byte value out one bit at a time; the same for every key.
 */
const REDUCE_BYTE = ((): Int32Array => {
  const table = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    let z0 = 0;
    let z3 = b;
    for (let i = 0; i < 8; i++) {
      const carry = z3 & 1;
      z3 >>>= 1;
      z0 = (z0 >>> 1) ^ (carry ? GHASH_R : 0);
    }
    table[b] = z0;
  }
  return table;
})();

/**
 * Shoup's 4-bit tables: entries 0..15 hold n * H for each nibble value n (the nibble's most
 * significant bit is the coefficient of x^0, as GCM orders bits), entries 16..31 hold n * H * x^4.
 * A byte b of the block contributes (b >>> 4) * H + (b & 15) * H * x^4.
 */
export class CompactGhash implements GhashMultiplier {
  private readonly table = new Int32Array(32 * 4);

  constructor(h0: number, h1: number, h2: number, h3: number) {
    const powers = powersOfX(h0, h1, h2, h3, 8);
    const t = this.table;
    for (let half = 0; half < 2; half++) {
      for (let bit = 0; bit < 4; bit++) {
        // Nibble bit 8 >>> bit is x^bit; the low nibble's bits are x^(4 + bit).
        const at = (half * 16 + (8 >>> bit)) * 4;
        const from = (half * 4 + bit) * 4;
        t[at] = powers[from];
        t[at + 1] = powers[from + 1];
        t[at + 2] = powers[from + 2];
        t[at + 3] = powers[from + 3];
      }
      for (let n = 1; n < 16; n++) {
        const low = n & -n;
        if (low === n) continue;
        const i = (half * 16 + n) * 4;
        const a = (half * 16 + (n ^ low)) * 4;
        const c = (half * 16 + low) * 4;
        t[i] = t[a] ^ t[c];
        t[i + 1] = t[a + 1] ^ t[c + 1];
        t[i + 2] = t[a + 2] ^ t[c + 2];
        t[i + 3] = t[a + 3] ^ t[c + 3];
      }
    }
    powers.fill(0);
  }

  /**
   * Horner's rule over the bytes, last byte first: z = z * x^8 + byte_k * H. All 16 steps are
   * written out (a loop over the words costs about a quarter of the speed); the first needs no
   * shift because z is still zero.
   */
  multiply(y: Int32Array): void {
    const t = this.table;
    const reduce = REDUCE_BYTE;
    let v: number, i: number, j: number, r: number, z0: number, z1: number, z2: number, z3: number;
    // Word 3: bytes 15, 14, 13, 12.
    v = y[3];
    i = ((v >>> 4) & 15) << 2;
    j = 64 | ((v & 15) << 2);
    z0 = t[i] ^ t[j];
    z1 = t[i + 1] ^ t[j + 1];
    z2 = t[i + 2] ^ t[j + 2];
    z3 = t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 12) & 15) << 2;
    j = 64 | (((v >>> 8) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 20) & 15) << 2;
    j = 64 | (((v >>> 16) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = (v >>> 28) << 2;
    j = 64 | (((v >>> 24) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    // Word 2: bytes 11, 10, 9, 8.
    v = y[2];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 4) & 15) << 2;
    j = 64 | ((v & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 12) & 15) << 2;
    j = 64 | (((v >>> 8) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 20) & 15) << 2;
    j = 64 | (((v >>> 16) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = (v >>> 28) << 2;
    j = 64 | (((v >>> 24) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    // Word 1: bytes 7, 6, 5, 4.
    v = y[1];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 4) & 15) << 2;
    j = 64 | ((v & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 12) & 15) << 2;
    j = 64 | (((v >>> 8) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 20) & 15) << 2;
    j = 64 | (((v >>> 16) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = (v >>> 28) << 2;
    j = 64 | (((v >>> 24) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    // Word 0: bytes 3, 2, 1, 0.
    v = y[0];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 4) & 15) << 2;
    j = 64 | ((v & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 12) & 15) << 2;
    j = 64 | (((v >>> 8) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = ((v >>> 20) & 15) << 2;
    j = 64 | (((v >>> 16) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    r = reduce[z3 & 0xff];
    z3 = (z3 >>> 8) | (z2 << 24);
    z2 = (z2 >>> 8) | (z1 << 24);
    z1 = (z1 >>> 8) | (z0 << 24);
    z0 = (z0 >>> 8) ^ r;
    i = (v >>> 28) << 2;
    j = 64 | (((v >>> 24) & 15) << 2);
    z0 ^= t[i] ^ t[j];
    z1 ^= t[i + 1] ^ t[j + 1];
    z2 ^= t[i + 2] ^ t[j + 2];
    z3 ^= t[i + 3] ^ t[j + 3];
    y[0] = z0;
    y[1] = z1;
    y[2] = z2;
    y[3] = z3;
  }
}

/** One table per byte position: entry (p, b) = (byte b at position p of a block) * H. */
export class LargeGhash implements GhashMultiplier {
  private readonly table = new Int32Array(16 * 256 * 4);

  constructor(h0: number, h1: number, h2: number, h3: number) {
    const table = this.table;
    const powers = powersOfX(h0, h1, h2, h3, 128);
    for (let p = 0; p < 16; p++) {
      const base = p << 10;
      for (let j = 0; j < 8; j++) {
        // Bit j (from the most significant) of byte p is x^(8p + j).
        const single = base | ((0x80 >>> j) << 2);
        const from = (8 * p + j) * 4;
        table[single] = powers[from];
        table[single + 1] = powers[from + 1];
        table[single + 2] = powers[from + 2];
        table[single + 3] = powers[from + 3];
      }
      // Every other byte value is the XOR of its single-bit entries (multiplication is linear).
      for (let b = 1; b < 256; b++) {
        const low = b & -b;
        if (low === b) continue;
        const i = base | (b << 2);
        const a = base | ((b ^ low) << 2);
        const c = base | (low << 2);
        table[i] = table[a] ^ table[c];
        table[i + 1] = table[a + 1] ^ table[c + 1];
        table[i + 2] = table[a + 2] ^ table[c + 2];
        table[i + 3] = table[a + 3] ^ table[c + 3];
      }
    }
    powers.fill(0);
  }

  multiply(y: Int32Array): void {
    const table = this.table;
    let z0 = 0;
    let z1 = 0;
    let z2 = 0;
    let z3 = 0;
    for (let w = 0; w < 4; w++) {
      const v = y[w];
      const base = w << 12;
      let i = base | ((v >>> 24) << 2);
      z0 ^= table[i];
      z1 ^= table[i + 1];
      z2 ^= table[i + 2];
      z3 ^= table[i + 3];
      i = base | 1024 | (((v >>> 16) & 0xff) << 2);
      z0 ^= table[i];
      z1 ^= table[i + 1];
      z2 ^= table[i + 2];
      z3 ^= table[i + 3];
      i = base | 2048 | (((v >>> 8) & 0xff) << 2);
      z0 ^= table[i];
      z1 ^= table[i + 1];
      z2 ^= table[i + 2];
      z3 ^= table[i + 3];
      i = base | 3072 | ((v & 0xff) << 2);
      z0 ^= table[i];
      z1 ^= table[i + 1];
      z2 ^= table[i + 2];
      z3 ^= table[i + 3];
    }
    y[0] = z0;
    y[1] = z1;
    y[2] = z2;
    y[3] = z3;
  }
}

/** Builds the multiplier for H = (h0, h1, h2, h3): which table an AES-GCM key holds. */
export type GhashTables = (h0: number, h1: number, h2: number, h3: number) => GhashMultiplier;

/** The default: Shoup's 4-bit tables, 512 bytes per key. */
export const compactGcmTables: GhashTables = (h0, h1, h2, h3) => new CompactGhash(h0, h1, h2, h3);

/**
 * The 64 KiB tables as a module (`createProvider({ gcmTables: largeGcmTables })`), so that a
 * bundle that never asks for them does not carry their code; `createPureProvider({ gcmTables:
 * "large" })` uses it.
 */
export const largeGcmTables: GhashTables = (h0, h1, h2, h3) => new LargeGhash(h0, h1, h2, h3);
