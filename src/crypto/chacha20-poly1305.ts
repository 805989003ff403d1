/**
 * The ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) bound to one key. The key words are read once, in
 * the constructor; the Poly1305 state and every scratch block are owned by this object, so
 * sealing and opening in place allocate nothing.
 */
import { chachaKeyWords, chachaXor, chachaXorBlock, readLittleEndianWord } from "./chacha20.js";
import { ByteView } from "./byte-view.js";
import { Poly1305 } from "./poly1305.js";

export class ChaCha20Poly1305 {
  private readonly key: Int32Array;
  /** One block of key stream: the Poly1305 one-time key (RFC 8439 §2.6), or a final partial block. */
  private readonly block = new Uint8Array(64);
  private readonly blockView = new DataView(this.block.buffer);
  private readonly poly = new Poly1305();
  private readonly tag = new Uint8Array(16);
  private readonly view = new ByteView();
  private n0 = 0;
  private n1 = 0;
  private n2 = 0;

  constructor(key: Uint8Array) {
    this.key = chachaKeyWords(key);
  }

  /** Encrypts `buf[offset, offset+length)` in place and writes the 16-byte tag after it. */
  seal(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): void {
    this.start(nonce, aad);
    const view = this.view.of(buf);
    // §2.8: the text is encrypted from block counter 1, and the MAC covers the ciphertext.
    chachaXor(this.key, 1, this.n0, this.n1, this.n2, buf, view, offset, length, this.block, this.blockView);
    this.poly.updatePadded(buf, view, offset, length);
    this.poly.updateLengths(aad.length, length);
    this.poly.finish(buf, offset + length);
  }

  /**
   * Checks the tag after `buf[offset, offset+length)` and, only if it matches, decrypts in place,
   * so a forged record never yields plaintext.
   */
  open(nonce: Uint8Array, aad: Uint8Array, buf: Uint8Array, offset: number, length: number): boolean {
    this.start(nonce, aad);
    const view = this.view.of(buf);
    this.poly.updatePadded(buf, view, offset, length);
    this.poly.updateLengths(aad.length, length);
    const tag = this.tag;
    this.poly.finish(tag, 0);
    // Constant-time tag comparison: no early exit.
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= tag[i] ^ buf[offset + length + i];
    if (diff !== 0) return false;
    chachaXor(this.key, 1, this.n0, this.n1, this.n2, buf, view, offset, length, this.block, this.blockView);
    return true;
  }

  /** §2.6: the Poly1305 key is the first 32 bytes of block 0; the AAD goes first, padded (§2.8). */
  private start(nonce: Uint8Array, aad: Uint8Array): void {
    this.n0 = readLittleEndianWord(nonce, 0);
    this.n1 = readLittleEndianWord(nonce, 4);
    this.n2 = readLittleEndianWord(nonce, 8);
    this.block.fill(0);
    chachaXorBlock(this.key, 0, this.n0, this.n1, this.n2, this.blockView, 0);
    this.poly.setKey(this.block, 0);
    this.poly.updatePadded(aad, null, 0, aad.length);
  }
}
