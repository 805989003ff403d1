/**
 * Poly1305 (RFC 8439 §2.5), keyed once per message with a one-time key, writing the tag into the
 * caller's buffer. State lives in preallocated typed arrays, so a MAC allocates nothing.
 *
 * Arithmetic modulo p = 2^130 - 5 uses six 22-bit limbs held in doubles: a product of two limbs is
 * below 2^50 and a column of six such products below 2^52, so every value is an exact integer in a
 * double (53-bit mantissa). That takes 36 multiplications per block where 32-bit integer limbs
 * (ten 13-bit limbs) take 100. Limbs above 2^132 fold back times 20 (2^132 = 4 * 2^130 = 20 mod p).
 * There are no secret-dependent branches or lookups; the final reduction selects with a mask.
 */

const LIMB = 0x400000; // 2^22
const INV_LIMB = 1 / LIMB; // exact: a power of two
const TOP = 0x100000; // 2^20: limb 5 holds bits 110..129, so 2^130 starts above it
const INV_TOP = 1 / TOP;
/** RFC 8439 §2.5.1: the 2^128 "one" bit above a full block, which lands in limb 5 at bit 18. */
const HIBIT = 1 << 18;

export class Poly1305 {
  /** r as limbs, and 20r for the products that wrap past 2^132. */
  private readonly r = new Float64Array(6);
  private readonly s = new Float64Array(6);
  /** The accumulator h. */
  private readonly h = new Float64Array(6);
  /** s, the second half of the one-time key, as four 32-bit little-endian words. */
  private readonly pad = new Int32Array(4);
  /** Zero-padded copy of a trailing partial block. */
  private readonly last = new Uint8Array(16);
  private readonly lastView = new DataView(this.last.buffer);

  /** RFC 8439 §2.5: starts a MAC under the 32-byte one-time key at `key[at..]`, clamping r. */
  setKey(key: Uint8Array, at: number): void {
    // §2.5.1 clamp: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
    const w0 = readWord(key, at) & 0x0fffffff;
    const w1 = readWord(key, at + 4) & 0x0ffffffc;
    const w2 = readWord(key, at + 8) & 0x0ffffffc;
    const w3 = readWord(key, at + 12) & 0x0ffffffc;
    const r = this.r;
    r[0] = w0 & 0x3fffff;
    r[1] = (w0 >>> 22) | ((w1 & 0xfff) << 10);
    r[2] = (w1 >>> 12) | ((w2 & 0x3) << 20);
    r[3] = (w2 >>> 2) & 0x3fffff;
    r[4] = (w2 >>> 24) | ((w3 & 0x3fff) << 8);
    r[5] = w3 >>> 14;
    for (let i = 0; i < 6; i++) this.s[i] = 20 * r[i];
    for (let i = 0; i < 4; i++) this.pad[i] = readWord(key, at + 16 + 4 * i);
    this.h.fill(0);
  }

  /**
   * Absorbs `buf[offset, offset+length)` as RFC 8439 §2.8 feeds the AEAD's MAC: whole 16-byte
   * blocks, the tail zero-padded to a whole block (padding1/padding2 are part of the message).
   * `view`, when given, is a DataView over exactly `buf`, for reading whole blocks faster.
   */
  updatePadded(buf: Uint8Array, view: DataView | null, offset: number, length: number): void {
    const whole = length & ~15;
    if (view) {
      if (whole > 0) this.blocks(view, offset, whole, HIBIT);
    } else {
      // Small inputs (the AAD): each block goes through the scratch block.
      for (let p = 0; p < whole; p += 16) {
        for (let i = 0; i < 16; i++) this.last[i] = buf[offset + p + i];
        this.blocks(this.lastView, 0, 16, HIBIT);
      }
    }
    if (whole < length) {
      const last = this.last;
      last.fill(0);
      for (let i = 0; i < length - whole; i++) last[i] = buf[offset + whole + i];
      this.blocks(this.lastView, 0, 16, HIBIT);
    }
  }

  /**
   * Absorbs the final bytes of a message that is not a multiple of 16 bytes (RFC 8439 §2.5.1):
   * a 0x01 byte follows them instead of the 2^128 bit. For the standalone MAC.
   */
  updateFinalPartial(buf: Uint8Array, offset: number, length: number): void {
    const last = this.last;
    last.fill(0);
    for (let i = 0; i < length; i++) last[i] = buf[offset + i];
    last[length] = 1;
    this.blocks(this.lastView, 0, 16, 0);
  }

  /** RFC 8439 §2.8: the final block holds the AAD and ciphertext lengths as 64-bit little-endian. */
  updateLengths(aadLength: number, textLength: number): void {
    const last = this.last;
    writeLength(last, 0, aadLength);
    writeLength(last, 8, textLength);
    this.blocks(this.lastView, 0, 16, HIBIT);
  }

  /** h <- (h + block) * r mod p for each whole block in `view[offset, offset+length)`. */
  private blocks(view: DataView, offset: number, length: number, hibit: number): void {
    const r = this.r, s = this.s, h = this.h;
    const r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4], r5 = r[5];
    const s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4], s5 = s[5];
    let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5];
    const end = offset + length;
    for (let p = offset; p < end; p += 16) {
      const w0 = view.getInt32(p, true);
      const w1 = view.getInt32(p + 4, true);
      const w2 = view.getInt32(p + 8, true);
      const w3 = view.getInt32(p + 12, true);
      h0 += w0 & 0x3fffff;
      h1 += (w0 >>> 22) | ((w1 & 0xfff) << 10);
      h2 += (w1 >>> 12) | ((w2 & 0x3) << 20);
      h3 += (w2 >>> 2) & 0x3fffff;
      h4 += (w2 >>> 24) | ((w3 & 0x3fff) << 8);
      h5 += (w3 >>> 14) | hibit;
      const d0 = h0 * r0 + h1 * s5 + h2 * s4 + h3 * s3 + h4 * s2 + h5 * s1;
      let d1 = h0 * r1 + h1 * r0 + h2 * s5 + h3 * s4 + h4 * s3 + h5 * s2;
      let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s5 + h4 * s4 + h5 * s3;
      let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s5 + h5 * s4;
      let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s5;
      let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0;
      // Carry each column into the next; what passes 2^130 comes back times 5.
      let c = Math.floor(d0 * INV_LIMB);
      h0 = d0 - c * LIMB;
      d1 += c;
      c = Math.floor(d1 * INV_LIMB);
      h1 = d1 - c * LIMB;
      d2 += c;
      c = Math.floor(d2 * INV_LIMB);
      h2 = d2 - c * LIMB;
      d3 += c;
      c = Math.floor(d3 * INV_LIMB);
      h3 = d3 - c * LIMB;
      d4 += c;
      c = Math.floor(d4 * INV_LIMB);
      h4 = d4 - c * LIMB;
      d5 += c;
      c = Math.floor(d5 * INV_TOP);
      h5 = d5 - c * TOP;
      h0 += 5 * c;
      c = Math.floor(h0 * INV_LIMB);
      h0 -= c * LIMB;
      h1 += c;
    }
    h[0] = h0;
    h[1] = h1;
    h[2] = h2;
    h[3] = h3;
    h[4] = h4;
    h[5] = h5;
  }

  /** RFC 8439 §2.5: reduces h fully mod p, adds s mod 2^128 and writes the 16-byte tag. */
  finish(out: Uint8Array, at: number): void {
    const h = this.h;
    // Normalise every limb (three passes settle any ripple), leaving h < 2^130.
    for (let pass = 0; pass < 3; pass++) {
      let c = 0;
      for (let i = 0; i < 5; i++) {
        const v = h[i] + c;
        c = Math.floor(v * INV_LIMB);
        h[i] = v - c * LIMB;
      }
      const v = h[5] + c;
      c = Math.floor(v * INV_TOP);
      h[5] = v - c * TOP;
      h[0] += 5 * c;
    }
    // Limbs now fit in 22 bits: integer operations from here on.
    let h0 = h[0] | 0, h1 = h[1] | 0, h2 = h[2] | 0, h3 = h[3] | 0, h4 = h[4] | 0, h5 = h[5] | 0;
    // g = h + 5 - 2^130; use g when h + 5 reaches 2^130, i.e. when h >= p. Selected by mask.
    let g = h0 + 5;
    let c = g >>> 22;
    const g0 = g & 0x3fffff;
    g = h1 + c;
    c = g >>> 22;
    const g1 = g & 0x3fffff;
    g = h2 + c;
    c = g >>> 22;
    const g2 = g & 0x3fffff;
    g = h3 + c;
    c = g >>> 22;
    const g3 = g & 0x3fffff;
    g = h4 + c;
    c = g >>> 22;
    const g4 = g & 0x3fffff;
    g = h5 + c;
    c = g >>> 20;
    const g5 = g & 0xfffff;
    const useG = -c;
    h0 = (h0 & ~useG) | (g0 & useG);
    h1 = (h1 & ~useG) | (g1 & useG);
    h2 = (h2 & ~useG) | (g2 & useG);
    h3 = (h3 & ~useG) | (g3 & useG);
    h4 = (h4 & ~useG) | (g4 & useG);
    h5 = (h5 & ~useG) | (g5 & useG);
    // The low 128 bits as four words (the top two bits drop: the tag is mod 2^128), plus s.
    const pad = this.pad;
    let carry = 0;
    carry = writeTagWord(out, at, (h0 | (h1 << 22)) >>> 0, pad[0], carry);
    carry = writeTagWord(out, at + 4, ((h1 >>> 10) | (h2 << 12)) >>> 0, pad[1], carry);
    carry = writeTagWord(out, at + 8, ((h2 >>> 20) | (h3 << 2) | (h4 << 24)) >>> 0, pad[2], carry);
    writeTagWord(out, at + 12, ((h4 >>> 8) | (h5 << 14)) >>> 0, pad[3], carry);
    // The key-dependent state is dead now; clear it rather than leave it in memory.
    this.h.fill(0);
    this.r.fill(0);
    this.s.fill(0);
    this.pad.fill(0);
  }
}

function readWord(buf: Uint8Array, at: number): number {
  return buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24);
}

/** Writes (word + padWord + carry) mod 2^32 little-endian; returns the carry out. */
function writeTagWord(out: Uint8Array, at: number, word: number, padWord: number, carry: number): number {
  const v = word + (padWord >>> 0) + carry;
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
  return v > 0xffffffff ? 1 : 0;
}

function writeLength(buf: Uint8Array, at: number, length: number): void {
  let v = length;
  for (let i = 0; i < 8; i++) {
    buf[at + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}
