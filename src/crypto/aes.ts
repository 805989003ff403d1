/**
 * AES-128 and AES-256 encryption (FIPS 197), forward direction only: GCM needs nothing else.
 *
 * Speed over side channels, deliberately: this is a T-table implementation (one 1 KiB table;
 * the other three classic tables are its byte rotations, which measured faster in V8 than
 * four lookups into four tables). The table lookups are indexed by secret state, so **it is not constant-time against cache-timing
 * attacks** by a process sharing the CPU cache. A constant-time (bitsliced) AES was not attempted:
 * JavaScript offers only 32-bit integer lanes, where bitslicing is expected to run several times
 * slower than these tables (an estimate, not a measurement here), and the record layer's throughput
 * goals would not hold. @noble/ciphers makes the same trade. Deployments that worry about co-resident attackers should
 * prefer ChaCha20-Poly1305 (constant-time by construction) or the native provider.
 *
 * Every table and key schedule is an Int32Array: values stay 32-bit integers, which V8 keeps
 * unboxed, where a Uint32Array would turn words >= 2^31 into heap numbers.
 */
import { fail } from "../bytes/index.js";

/** S-box and the round table, built once from the field arithmetic (FIPS 197 §5.1.1). */
const SBOX = new Uint8Array(256);
const T = new Int32Array(256);

/** Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2.1). */
function xtime(a: number): number {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff;
}

function buildTables(): void {
  // Walk the multiplicative group with generator 3 to get inverses: log/antilog tables.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x);
  }
  for (let a = 0; a < 256; a++) {
    const inv = a === 0 ? 0 : exp[(255 - log[a]) % 255];
    // FIPS 197 §5.1.1 affine transformation: b ^ rotl(b,1..4) ^ 0x63.
    let s = inv;
    for (let r = 1; r <= 4; r++) s ^= ((inv << r) | (inv >>> (8 - r))) & 0xff;
    SBOX[a] = s ^ 0x63;
  }
  for (let a = 0; a < 256; a++) {
    const s = SBOX[a];
    const s2 = xtime(s);
    const s3 = s2 ^ s;
    // SubBytes + MixColumns for one byte in row 0 of a column (FIPS 197 §5.1.3), as a big-endian word.
    T[a] = (s2 << 24) | (s << 16) | (s << 8) | s3;
  }
}
buildTables();

/** An expanded AES encryption key: the round keys as big-endian words, and the round count. */
export interface AesKeySchedule {
  readonly roundKeys: Int32Array;
  readonly rounds: number;
}

function subWord(w: number): number {
  return (SBOX[w >>> 24] << 24) | (SBOX[(w >>> 16) & 0xff] << 16) | (SBOX[(w >>> 8) & 0xff] << 8) | SBOX[w & 0xff];
}

/** FIPS 197 §5.2 KeyExpansion for a 16- or 32-byte key. Done once per traffic key. */
export function expandAesKey(key: Uint8Array): AesKeySchedule {
  if (key.length !== 16 && key.length !== 32) fail("internal_error", `an AES key must be 16 or 32 bytes, not ${key.length}`);
  const nk = key.length >>> 2;
  const rounds = nk + 6;
  const w = new Int32Array(4 * (rounds + 1));
  for (let i = 0; i < nk; i++) {
    w[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
  }
  let rcon = 1;
  for (let i = nk; i < w.length; i++) {
    let t = w[i - 1];
    if (i % nk === 0) {
      t = subWord((t << 8) | (t >>> 24)) ^ (rcon << 24);
      rcon = xtime(rcon);
    } else if (nk > 6 && i % nk === 4) {
      t = subWord(t);
    }
    w[i] = w[i - nk] ^ t;
  }
  return { roundKeys: w, rounds };
}

/**
 * Encrypts the block (s0, s1, s2, s3) (big-endian column words, FIPS 197 §3.5) and writes the four
 * output words to `out[0..3]`. Allocates nothing.
 */
export function aesEncryptBlock(schedule: AesKeySchedule, s0: number, s1: number, s2: number, s3: number, out: Int32Array): void {
  const rk = schedule.roundKeys;
  const rounds = schedule.rounds;
  s0 ^= rk[0];
  s1 ^= rk[1];
  s2 ^= rk[2];
  s3 ^= rk[3];
  let k = 4;
  for (let r = 1; r < rounds; r++, k += 4) {
    // SubBytes, ShiftRows (row i comes from column c+i) and MixColumns in one set of lookups;
    // rows 1-3 use the row-0 table rotated right by 8, 16 and 24 bits.
    let x = T[(s1 >>> 16) & 0xff];
    let y = T[(s2 >>> 8) & 0xff];
    let z = T[s3 & 0xff];
    const t0 = T[s0 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k];
    x = T[(s2 >>> 16) & 0xff];
    y = T[(s3 >>> 8) & 0xff];
    z = T[s0 & 0xff];
    const t1 = T[s1 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k + 1];
    x = T[(s3 >>> 16) & 0xff];
    y = T[(s0 >>> 8) & 0xff];
    z = T[s1 & 0xff];
    const t2 = T[s2 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k + 2];
    x = T[(s0 >>> 16) & 0xff];
    y = T[(s1 >>> 8) & 0xff];
    z = T[s2 & 0xff];
    const t3 = T[s3 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k + 3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  // The last round has no MixColumns (FIPS 197 §5.1).
  out[0] = finalRoundWord(s0, s1, s2, s3) ^ rk[k];
  out[1] = finalRoundWord(s1, s2, s3, s0) ^ rk[k + 1];
  out[2] = finalRoundWord(s2, s3, s0, s1) ^ rk[k + 2];
  out[3] = finalRoundWord(s3, s0, s1, s2) ^ rk[k + 3];
}

/**
 * CTR-mode key stream (SP 800-38A §6.5 with GCM's 32-bit counter, SP 800-38D §6.2): encrypts the
 * counter blocks (n0, n1, n2, counter + i) for i < blocks, writing 4 words per block to
 * `out[at..]`.
 *
 * Within one call the nonce words are fixed and the counter's upper 16 bits are too (the caller
 * never crosses a 2^16 boundary; `gcm.ts` processes at most 64 blocks at a time), so 14 of the
 * 16 first-round lookups and 8 of the 16 second-round ones are the same for every block and are
 * done once per call.
 */
export function aesCtrKeystream(
  schedule: AesKeySchedule,
  n0: number,
  n1: number,
  n2: number,
  counter: number,
  blocks: number,
  out: Int32Array,
  at = 0,
): void {
  const last = counter + blocks - 1;
  if (blocks > 1 && (counter ^ last) >>> 16 !== 0) {
    // Split at the 2^16 boundary so the cached first-round terms stay valid.
    const first = 0x10000 - (counter & 0xffff);
    aesCtrKeystream(schedule, n0, n1, n2, counter, first, out, at);
    aesCtrKeystream(schedule, n0, n1, n2, (counter + first) | 0, blocks - first, out, at + 4 * first);
    return;
  }
  const rk = schedule.roundKeys;
  const rounds = schedule.rounds;
  const a0 = n0 ^ rk[0];
  const a1 = n1 ^ rk[1];
  const a2 = n2 ^ rk[2];
  const high = (counter ^ rk[3]) & 0xffff0000;
  // Round 1 terms that do not depend on the counter's low 16 bits.
  let x = T[(a1 >>> 16) & 0xff];
  let y = T[(a2 >>> 8) & 0xff];
  const f0 = T[a0 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ rk[4];
  x = T[(a2 >>> 16) & 0xff];
  y = T[a0 & 0xff];
  const f1 = T[a1 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 24) | (y << 8)) ^ rk[5];
  x = T[(high >>> 16) & 0xff];
  y = T[(a0 >>> 8) & 0xff];
  let z = T[a1 & 0xff];
  const f2 = T[a2 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[6];
  x = T[(a0 >>> 16) & 0xff];
  y = T[(a1 >>> 8) & 0xff];
  z = T[a2 & 0xff];
  const f3 = T[high >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[7];
  // After round 1 only words 0 and 1 vary, so half of round 2's lookups (those reading words 2
  // and 3) are the same for every block too.
  x = T[(f2 >>> 8) & 0xff];
  y = T[f3 & 0xff];
  const g0 = ((x >>> 16) | (x << 16)) ^ ((y >>> 24) | (y << 8)) ^ rk[8];
  x = T[(f2 >>> 16) & 0xff];
  y = T[(f3 >>> 8) & 0xff];
  const g1 = ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ rk[9];
  x = T[(f3 >>> 16) & 0xff];
  const g2 = T[f2 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ rk[10];
  y = T[f2 & 0xff];
  const g3 = T[f3 >>> 24] ^ ((y >>> 24) | (y << 8)) ^ rk[11];
  for (let b = 0, o = at; b < blocks; b++, o += 4) {
    const c = (counter + b) ^ rk[3];
    x = T[c & 0xff];
    y = T[(c >>> 8) & 0xff];
    const u0 = f0 ^ ((x >>> 24) | (x << 8));
    const u1 = f1 ^ ((y >>> 16) | (y << 16));
    // Round 2: the varying lookups read words 0 and 1.
    x = T[(u1 >>> 16) & 0xff];
    let s0 = T[u0 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ g0;
    x = T[u1 >>> 24];
    y = T[u0 & 0xff];
    let s1 = x ^ ((y >>> 24) | (y << 8)) ^ g1;
    x = T[(u0 >>> 8) & 0xff];
    y = T[u1 & 0xff];
    let s2 = ((x >>> 16) | (x << 16)) ^ ((y >>> 24) | (y << 8)) ^ g2;
    x = T[(u0 >>> 16) & 0xff];
    y = T[(u1 >>> 8) & 0xff];
    let s3 = ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ g3;
    let k = 12;
    for (let r = 3; r < rounds; r++, k += 4) {
      x = T[(s1 >>> 16) & 0xff];
      y = T[(s2 >>> 8) & 0xff];
      z = T[s3 & 0xff];
      const t0 = T[s0 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k];
      x = T[(s2 >>> 16) & 0xff];
      y = T[(s3 >>> 8) & 0xff];
      z = T[s0 & 0xff];
      const t1 = T[s1 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k + 1];
      x = T[(s3 >>> 16) & 0xff];
      y = T[(s0 >>> 8) & 0xff];
      z = T[s1 & 0xff];
      const t2 = T[s2 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k + 2];
      x = T[(s0 >>> 16) & 0xff];
      y = T[(s1 >>> 8) & 0xff];
      z = T[s2 & 0xff];
      const t3 = T[s3 >>> 24] ^ ((x >>> 8) | (x << 24)) ^ ((y >>> 16) | (y << 16)) ^ ((z >>> 24) | (z << 8)) ^ rk[k + 3];
      s0 = t0;
      s1 = t1;
      s2 = t2;
      s3 = t3;
    }
    out[o] = finalRoundWord(s0, s1, s2, s3) ^ rk[k];
    out[o + 1] = finalRoundWord(s1, s2, s3, s0) ^ rk[k + 1];
    out[o + 2] = finalRoundWord(s2, s3, s0, s1) ^ rk[k + 2];
    out[o + 3] = finalRoundWord(s3, s0, s1, s2) ^ rk[k + 3];
  }
}

function finalRoundWord(a: number, b: number, c: number, d: number): number {
  return (SBOX[a >>> 24] << 24) | (SBOX[(b >>> 16) & 0xff] << 16) | (SBOX[(c >>> 8) & 0xff] << 8) | SBOX[d & 0xff];
}
