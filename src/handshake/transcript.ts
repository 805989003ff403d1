import type { CryptoProvider, HashContext, HashName } from "../crypto/provider.js";
import { HandshakeType } from "./codec/constants.js";
import { encodeHandshake } from "./codec/messages.js";

/**
 * The running transcript hash (RFC 8446 §4.4.1). The hash is only known once the cipher suite is
 * chosen, so messages are held until `selectHash` and then fed in.
 */
export class Transcript {
  private held: Uint8Array[] = [];
  private ctx: HashContext | null = null;
  private hashName: HashName | null = null;

  constructor(private readonly provider: CryptoProvider) {}

  add(message: Uint8Array): void {
    if (this.ctx) this.ctx.update(message);
    else this.held.push(message);
  }

  get selected(): HashName | null {
    return this.hashName;
  }

  selectHash(name: HashName): void {
    if (this.ctx) return;
    this.hashName = name;
    this.ctx = this.provider.createHash(name);
    for (const m of this.held) this.ctx.update(m);
    this.held = [];
  }

  /** A copy of the running hash that goes its own way (§4.6.2: each post-handshake authentication extends the handshake's transcript). */
  fork(): HashContext {
    if (!this.ctx) throw new Error("transcript forked before the cipher suite was chosen");
    return this.ctx.clone();
  }

  /** Transcript-Hash of everything added so far. */
  hash(): Uint8Array {
    if (!this.ctx) throw new Error("transcript hash used before the cipher suite was chosen");
    return this.ctx.digest();
  }

  /**
   * §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * `message_hash || 00 00 Hash.length || Hash(ClientHello1)`.
   */
  replaceWithMessageHash(name: HashName): void {
    this.selectHash(name);
    const digest = this.hash();
    this.ctx = this.provider.createHash(name);
    this.ctx.update(encodeHandshake(HandshakeType.message_hash, digest));
  }
}
