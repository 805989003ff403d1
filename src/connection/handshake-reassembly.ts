import { fail } from "../bytes/index.js";
import { handshakeTypeName } from "../handshake/codec/constants.js";
import { type HandshakeMessage, checkHandshakeLength } from "../handshake/codec/messages.js";

/**
 * Joins handshake record fragments into messages (RFC 8446 §5.1: a message may span records, and
 * a record may carry several). The buffer grows only as far as the largest message allowed
 * (`limits.maxHandshakeMessageSize`) plus one record, so a peer cannot make it grow without bound.
 * It is let go whenever no partial message is held: after the handshake, messages are rare
 * (KeyUpdate, NewSessionTicket) and an idle connection keeps no buffer for them.
 */
const EMPTY: Uint8Array = new Uint8Array(0);
const INITIAL_SIZE = 1024;

export class HandshakeReassembly {
  private buffer: Uint8Array = EMPTY;
  private fill = 0;

  constructor(private readonly maxMessageSize: number) {}

  /** Bytes of an unfinished message are held: another record type, or a key change, may not come now (§5.1). */
  get partial(): boolean {
    return this.fill > 0;
  }

  append(buf: Uint8Array, at: number, length: number): void {
    const need = this.fill + length;
    if (need > this.buffer.length) {
      const limit = this.maxMessageSize + 4 + (1 << 14);
      if (need > limit) fail("unexpected_message", `handshake data exceeds ${limit} bytes without completing a message`, "limit_exceeded");
      const next = new Uint8Array(Math.max(need, this.buffer.length * 2, INITIAL_SIZE));
      next.set(this.buffer.subarray(0, this.fill));
      this.buffer = next;
    }
    this.buffer.set(buf.subarray(at, at + length), this.fill);
    this.fill = need;
  }

  /** The type of the next message, as soon as its first byte is here (-1 before). */
  get nextType(): number {
    return this.fill > 0 ? this.buffer[0] : -1;
  }

  /**
   * The next message (or the one `skip` messages behind it) when it and those before it are
   * complete and within the limits `next()` applies, copied out and left in place; null otherwise
   * (`next()` judges them when their turn comes).
   */
  peek(skip = 0): HandshakeMessage | null {
    const b = this.buffer;
    for (let at = 0, n = 0; this.fill >= at + 4; n++) {
      const length = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
      if (length > this.maxMessageSize || this.fill < at + 4 + length) return null;
      if (n === skip) {
        const raw = b.slice(at, at + 4 + length);
        return { type: raw[0], body: raw.subarray(4), raw };
      }
      at += 4 + length;
    }
    return null;
  }

  /** The next complete message (copied out), or null until more bytes arrive. */
  next(): HandshakeMessage | null {
    if (this.fill < 4) return null;
    const b = this.buffer;
    const length = (b[1] << 16) | (b[2] << 8) | b[3];
    // Malformed first (decode_error), then merely larger than we agreed to hold.
    checkHandshakeLength(b[0], length);
    if (length > this.maxMessageSize) {
      fail("illegal_parameter", `a ${handshakeTypeName(b[0])} message of ${length} bytes exceeds the limit of ${this.maxMessageSize} (limits.maxHandshakeMessageSize)`, "limit_exceeded");
    }
    if (this.fill < 4 + length) return null;
    const raw = b.slice(0, 4 + length);
    b.copyWithin(0, 4 + length, this.fill);
    this.fill -= 4 + length;
    if (this.fill === 0) this.buffer = EMPTY;
    return { type: raw[0], body: raw.subarray(4), raw };
  }
}
