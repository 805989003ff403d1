/**
 * AES-GCM (NIST SP 800-38D) with a 96-bit nonce and a 128-bit tag, bound to one key.
 *
 * Everything that depends only on the key is computed once, in the constructor: the AES round
 * keys and the GHASH multiplication table for H = E(K, 0^128) (ghash.ts: 512 bytes by default, 64 KiB
 * on request). Sealing and opening then work in place on the caller's buffer and allocate nothing.
 */
import { aesCtrKeystream, aesEncryptBlock, expandAesKey, type AesKeySchedule } from "./aes.js";
import { ByteView } from "./byte-view.js";
import { type GhashMultiplier, type GhashTables, compactGcmTables } from "./ghash.js";

/**
 * Counter blocks encrypted per call to `aesCtrKeystream` (256 bytes of key stream, held per key):
 * enough to amortise the call, small enough that an idle connection's two keys stay light.
 */
const BATCH_BLOCKS = 16;

function readWord(buf: Uint8Array, at: number): number {
  return (buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3];
}

function writeWord(buf: Uint8Array, at: number, w: number): void {
  buf[at] = w >>> 24;
  buf[at + 1] = w >>> 16;
  buf[at + 2] = w >>> 8;
  buf[at + 3] = w;
}

/** AES-GCM bound to one key; `seal`/`open` take the 12-byte nonce and work in place. */
export class AesGcm {
  private readonly schedule: AesKeySchedule;
  private readonly ghash: GhashMultiplier;
  /** AES output: key stream for up to BATCH_BLOCKS counter blocks. */
  private readonly keystream = new Int32Array(4 * BATCH_BLOCKS);
  /** The GHASH accumulator Y (SP 800-38D §6.4). */
  private readonly y = new Int32Array(4);
  /** E(K, J0), the mask for the tag (§7.1 step 6). */
  private readonly tagMask = new Int32Array(4);
  private n0 = 0;
  private n1 = 0;
  private n2 = 0;
  private readonly view = new ByteView();

  constructor(key: Uint8Array, tables: GhashTables = compactGcmTables) {
    this.schedule = expandAesKey(key);
    const h = this.keystream;
    aesEncryptBlock(this.schedule, 0, 0, 0, 0, h);
    this.ghash = tables(h[0], h[1], h[2], h[3]);
    h.fill(0); // H now lives only in the table
  }

  /**
   * Encrypts `buf[offset, offset+length)` in place and writes the 16-byte tag after it. The caller
   * guarantees the nonce is 12 bytes and the buffer has room.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void {
    this.start(nonce, aad);
    this.encryptAndHash(buf, this.view.of(buf), offset, length);
    this.finishTag(aad.length, length);
    const y = this.y;
    const at = offset + length;
    writeWord(buf, at, y[0]);
    writeWord(buf, at + 4, y[1]);
    writeWord(buf, at + 8, y[2]);
    writeWord(buf, at + 12, y[3]);
  }

  /**
   * Checks the tag after `buf[offset, offset+length)` and, only if it matches, decrypts in place.
   * Verifying before decrypting means a forged record never yields plaintext.
   */
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean {
    this.start(nonce, aad);
    const view = this.view.of(buf);
    this.hashText(buf, view, offset, length);
    this.finishTag(aad.length, length);
    const y = this.y;
    const at = offset + length;
    // Constant-time comparison of the expected and received tags.
    const diff = (y[0] ^ readWord(buf, at)) | (y[1] ^ readWord(buf, at + 4)) | (y[2] ^ readWord(buf, at + 8)) | (y[3] ^ readWord(buf, at + 12));
    if (diff !== 0) return false;
    this.crypt(buf, view, offset, length);
    return true;
  }

  /** §7.1 steps 2-3 for a 96-bit IV: J0 = IV || 0^31 || 1; Y starts with GHASH of the AAD. */
  private start(nonce: Uint8Array, aad: Uint8Array): void {
    this.n0 = readWord(nonce, 0);
    this.n1 = readWord(nonce, 4);
    this.n2 = readWord(nonce, 8);
    aesEncryptBlock(this.schedule, this.n0, this.n1, this.n2, 1, this.tagMask);
    this.y.fill(0);
    this.hashAad(aad);
  }

  /** Folds the lengths block into Y and masks it with E(K, J0) (§7.1 steps 5-6). */
  private finishTag(aadLength: number, textLength: number): void {
    const y = this.y;
    y[0] ^= (aadLength / 0x20000000) | 0;
    y[1] ^= (aadLength * 8) | 0;
    y[2] ^= (textLength / 0x20000000) | 0;
    y[3] ^= (textLength * 8) | 0;
    this.ghash.multiply(y);
    const m = this.tagMask;
    y[0] ^= m[0];
    y[1] ^= m[1];
    y[2] ^= m[2];
    y[3] ^= m[3];
  }

  /** GHASH update over the AAD (§7.1 step 5), the last block zero-padded. AADs are short: bytes suffice. */
  private hashAad(aad: Uint8Array): void {
    const y = this.y;
    const ghash = this.ghash;
    const length = aad.length;
    let p = 0;
    for (; p + 16 <= length; p += 16) {
      y[0] ^= readWord(aad, p);
      y[1] ^= readWord(aad, p + 4);
      y[2] ^= readWord(aad, p + 8);
      y[3] ^= readWord(aad, p + 12);
      ghash.multiply(y);
    }
    this.hashTail(aad, p, length);
  }

  /** GHASH update over the ciphertext `buf[offset, offset+length)`; `view` is a DataView over `buf`. */
  private hashText(buf: Uint8Array, view: DataView, offset: number, length: number): void {
    const y = this.y;
    const ghash = this.ghash;
    const end = offset + length;
    let p = offset;
    for (; p + 16 <= end; p += 16) {
      y[0] ^= view.getInt32(p);
      y[1] ^= view.getInt32(p + 4);
      y[2] ^= view.getInt32(p + 8);
      y[3] ^= view.getInt32(p + 12);
      ghash.multiply(y);
    }
    this.hashTail(buf, p, end);
  }

  /** The last partial block, zero-padded (§6.4). */
  private hashTail(buf: Uint8Array, p: number, end: number): void {
    if (p === end) return;
    const y = this.y;
    for (let i = 0; p < end; i++, p++) y[i >>> 2] ^= buf[p] << (24 - 8 * (i & 3));
    this.ghash.multiply(y);
  }

  /** CTR encryption (§6.5) from counter 2, fused with GHASH over the ciphertext it produces. */
  private encryptAndHash(buf: Uint8Array, view: DataView, offset: number, length: number): void {
    const ks = this.keystream;
    const y = this.y;
    const ghash = this.ghash;
    const end = offset + length;
    let counter = 2;
    for (let p = offset; p < end; ) {
      const blocks = Math.min(BATCH_BLOCKS, (end - p + 15) >>> 4);
      aesCtrKeystream(this.schedule, this.n0, this.n1, this.n2, counter, blocks, ks);
      counter += blocks;
      let k = 0;
      for (; k < 4 * blocks && p + 16 <= end; k += 4, p += 16) {
        const c0 = view.getInt32(p) ^ ks[k];
        const c1 = view.getInt32(p + 4) ^ ks[k + 1];
        const c2 = view.getInt32(p + 8) ^ ks[k + 2];
        const c3 = view.getInt32(p + 12) ^ ks[k + 3];
        view.setInt32(p, c0);
        view.setInt32(p + 4, c1);
        view.setInt32(p + 8, c2);
        view.setInt32(p + 12, c3);
        y[0] ^= c0;
        y[1] ^= c1;
        y[2] ^= c2;
        y[3] ^= c3;
        ghash.multiply(y);
      }
      if (p < end && k < 4 * blocks) {
        // The final partial block: encrypt byte by byte and hash it zero-padded (§6.4).
        for (let i = 0; p < end; i++, p++) {
          const shift = 24 - 8 * (i & 3);
          const c = (buf[p] ^ (ks[k + (i >>> 2)] >>> shift)) & 0xff;
          buf[p] = c;
          y[i >>> 2] ^= c << shift;
        }
        ghash.multiply(y);
      }
    }
  }

  /** CTR decryption (§6.5) from counter 2. */
  private crypt(buf: Uint8Array, view: DataView, offset: number, length: number): void {
    const ks = this.keystream;
    const end = offset + length;
    let counter = 2;
    for (let p = offset; p < end; ) {
      const blocks = Math.min(BATCH_BLOCKS, (end - p + 15) >>> 4);
      aesCtrKeystream(this.schedule, this.n0, this.n1, this.n2, counter, blocks, ks);
      counter += blocks;
      let k = 0;
      for (; k < 4 * blocks && p + 16 <= end; k += 4, p += 16) {
        view.setInt32(p, view.getInt32(p) ^ ks[k]);
        view.setInt32(p + 4, view.getInt32(p + 4) ^ ks[k + 1]);
        view.setInt32(p + 8, view.getInt32(p + 8) ^ ks[k + 2]);
        view.setInt32(p + 12, view.getInt32(p + 12) ^ ks[k + 3]);
      }
      if (p < end && k < 4 * blocks) {
        for (let i = 0; p < end; i++, p++) buf[p] ^= ks[k + (i >>> 2)] >>> (24 - 8 * (i & 3));
      }
    }
  }
}
