import { Reader, Writer, asciiBytes, bytesToAscii } from "../../bytes/index.js";
import type { AeadKey, CryptoProvider } from "../../crypto/provider.js";

/**
 * Stateless session tickets (RFC 8446 §4.6.1, §C.4): the server keeps nothing per session. All it
 * needs to resume, the resumption PSK and what the first handshake proved, travels inside the
 * ticket, sealed with AES-128-GCM under a ticket key only the server knows.
 */

/** What a server seals into a ticket. */
export interface TicketState {
  readonly cipherSuite: number;
  /** When the ticket was issued, in milliseconds since the epoch (server clock). */
  readonly issuedAt: number;
  readonly ticketAgeAdd: number;
  /** Seconds (§4.6.1: at most 604800). */
  readonly lifetime: number;
  /** max_early_data_size granted with the ticket; 0 forbids 0-RTT. */
  readonly maxEarlyData: number;
  readonly psk: Uint8Array;
  readonly alpnProtocol: string | null;
  readonly serverName: string | null;
  /** The client's certificate chain from the handshake that issued the ticket (empty when it sent none). */
  readonly peerCertificates: readonly Uint8Array[];
}

const TICKET_FORMAT = 1;
const KEY_ID_LENGTH = 4;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

export function encodeTicketState(s: TicketState): Uint8Array {
  const w = new Writer(512);
  w.u8(TICKET_FORMAT).u16(s.cipherSuite);
  w.u32(Math.floor(s.issuedAt / 0x100000000)).u32(s.issuedAt >>> 0);
  w.u32(s.ticketAgeAdd).u32(s.lifetime).u32(s.maxEarlyData);
  w.vector8((w) => w.bytes(s.psk));
  w.vector8((w) => w.bytes(asciiBytes(s.alpnProtocol ?? "")));
  w.vector16((w) => w.bytes(asciiBytes(s.serverName ?? "")));
  w.vector24((w) => s.peerCertificates.forEach((c) => w.vector24((w) => w.bytes(c))));
  return w.finish();
}

/** Null for a ticket format this version does not know (an older server's ticket): a full handshake follows. */
export function decodeTicketState(data: Uint8Array): TicketState | null {
  const r = new Reader(data, "session ticket");
  if (r.u8() !== TICKET_FORMAT) return null;
  const cipherSuite = r.u16();
  const issuedAt = r.u32() * 0x100000000 + r.u32();
  const ticketAgeAdd = r.u32();
  const lifetime = r.u32();
  const maxEarlyData = r.u32();
  const psk = r.vector8(1);
  const alpn = bytesToAscii(r.vector8());
  const name = bytesToAscii(r.vector16());
  const list = r.sub24("session ticket certificates");
  const peerCertificates: Uint8Array[] = [];
  while (!list.atEnd) peerCertificates.push(list.vector24(1));
  r.expectEnd();
  return { cipherSuite, issuedAt, ticketAgeAdd, lifetime, maxEarlyData, psk, alpnProtocol: alpn || null, serverName: name || null, peerCertificates };
}

interface TicketKey {
  readonly id: Uint8Array;
  readonly aead: AeadKey;
  readonly createdAt: number;
}

/**
 * The server's ticket keys. A new key takes over every `rotationMs`; the one before it still
 * opens tickets until the next rotation, so with `rotationMs` at least the ticket lifetime every
 * ticket stays usable for its whole life, and a stolen key exposes at most two periods of tickets.
 * There are no timers in the core: rotation happens when the clock says so, at the next use.
 */
export class TicketKeyring {
  private current: TicketKey | null = null;
  private previous: TicketKey | null = null;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly rotationMs: number,
  ) {}

  private newKey(now: number): TicketKey {
    return { id: this.provider.randomBytes(KEY_ID_LENGTH), aead: this.provider.aead("AES-128-GCM", this.provider.randomBytes(16)), createdAt: now };
  }

  private rotate(now: number): TicketKey {
    if (this.current === null || now - this.current.createdAt >= this.rotationMs || now < this.current.createdAt) {
      // A key two periods old is dropped entirely; its tickets have expired by then.
      this.previous = this.current !== null && now - this.current.createdAt < 2 * this.rotationMs ? this.current : null;
      this.current = this.newKey(now);
    }
    return this.current;
  }

  /** key_id || nonce || AES-128-GCM(state) || tag, with the key id as additional data. */
  seal(state: Uint8Array, now: number): Uint8Array {
    const key = this.rotate(now);
    const nonce = this.provider.randomBytes(NONCE_LENGTH);
    const ticket = new Uint8Array(KEY_ID_LENGTH + NONCE_LENGTH + state.length + TAG_LENGTH);
    ticket.set(key.id, 0);
    ticket.set(nonce, KEY_ID_LENGTH);
    ticket.set(state, KEY_ID_LENGTH + NONCE_LENGTH);
    key.aead.seal(nonce, key.id, ticket, KEY_ID_LENGTH + NONCE_LENGTH, state.length);
    return ticket;
  }

  /** The sealed state, or null when no current key made this ticket or it was altered. */
  open(ticket: Uint8Array, now: number): Uint8Array | null {
    this.rotate(now);
    if (ticket.length < KEY_ID_LENGTH + NONCE_LENGTH + TAG_LENGTH) return null;
    const id = ticket.subarray(0, KEY_ID_LENGTH);
    const key = [this.current, this.previous].find((k) => k !== null && sameId(k.id, id));
    if (!key) return null;
    const buf = ticket.slice(KEY_ID_LENGTH + NONCE_LENGTH);
    const ok = key.aead.open(ticket.subarray(KEY_ID_LENGTH, KEY_ID_LENGTH + NONCE_LENGTH), key.id, buf, 0, buf.length);
    return ok ? buf.subarray(0, buf.length - TAG_LENGTH) : null;
  }
}

// Key ids are public (they travel in clear), so an ordinary comparison is fine.
function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** One keyring per server config object, made when the first ticket is issued (as config resolution is once per object). */
const keyrings = new WeakMap<object, TicketKeyring>();

export function ticketKeyringFor(config: object, provider: CryptoProvider, rotationMs: number): TicketKeyring {
  let ring = keyrings.get(config);
  if (ring === undefined) {
    ring = new TicketKeyring(provider, rotationMs);
    keyrings.set(config, ring);
  }
  return ring;
}
