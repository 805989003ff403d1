import { Reader, Writer, asciiBytes, bytesToAscii, fail } from "../../bytes/index.js";

/**
 * A ticket the client may resume with (RFC 8446 §4.6.1), with what the client needs to use it:
 * the PSK derived from it, the ticket's age parameters, and the server certificates the original
 * handshake verified, so a resumed connection still knows (and re-checks) who the server is.
 */
export interface ResumableSession {
  /** The key the store files it under: the server name the client asked for. */
  readonly serverName: string;
  readonly ticket: Uint8Array;
  /** The cipher suite code of the handshake that issued the ticket; the PSK belongs to its hash. */
  readonly cipherSuite: number;
  readonly psk: Uint8Array;
  readonly ticketAgeAdd: number;
  /** Seconds the server allows the ticket to be used. */
  readonly lifetime: number;
  /** When the client received the ticket, in milliseconds since the epoch. */
  readonly receivedAt: number;
  /** max_early_data_size from the ticket's early_data extension; 0 when 0-RTT is not allowed. */
  readonly maxEarlyData: number;
  readonly alpnProtocol: string | null;
  /** The server's certificate chain from the original handshake (DER, leaf first). */
  readonly serverCertificates: readonly Uint8Array[];
}

/**
 * Where a client keeps tickets. `take` removes the session it returns: RFC 8446 §C.4 asks clients
 * not to reuse a ticket, so each resumption consumes one and the server's new tickets replace it.
 */
export interface SessionStore {
  put(session: ResumableSession): void;
  take(serverName: string): ResumableSession | undefined;
}

/** The default store: in memory, bounded, least recently used server names evicted first. */
export class MemorySessionStore implements SessionStore {
  private readonly byServer = new Map<string, ResumableSession[]>();

  constructor(
    private readonly maxServers = 256,
    private readonly maxTicketsPerServer = 4,
  ) {}

  put(session: ResumableSession): void {
    const list = this.byServer.get(session.serverName) ?? [];
    this.byServer.delete(session.serverName);
    list.push(session);
    if (list.length > this.maxTicketsPerServer) list.shift();
    this.byServer.set(session.serverName, list);
    while (this.byServer.size > this.maxServers) this.byServer.delete(this.byServer.keys().next().value as string);
  }

  take(serverName: string): ResumableSession | undefined {
    const list = this.byServer.get(serverName);
    if (!list) return undefined;
    const session = list.pop();
    if (list.length === 0) this.byServer.delete(serverName);
    return session;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byServer.values()) n += list.length;
    return n;
  }
}

/** Whether the session's lifetime (§4.6.1) has not run out at `now` (milliseconds). */
export function sessionUsable(session: ResumableSession, now: number): boolean {
  const age = now - session.receivedAt;
  return age >= 0 && age < session.lifetime * 1000;
}

const SESSION_FORMAT = 1;

/** Serializes a session for a file (`mutls client --sess-out`). It holds a secret: store it like a private key. */
export function encodeSession(s: ResumableSession): Uint8Array {
  const w = new Writer(1024);
  w.u8(SESSION_FORMAT);
  w.vector16((w) => w.bytes(asciiBytes(s.serverName)));
  w.vector16((w) => w.bytes(s.ticket));
  w.u16(s.cipherSuite);
  w.vector8((w) => w.bytes(s.psk));
  w.u32(s.ticketAgeAdd).u32(s.lifetime);
  w.u32(Math.floor(s.receivedAt / 0x100000000)).u32(s.receivedAt >>> 0);
  w.u32(s.maxEarlyData);
  w.vector8((w) => w.bytes(asciiBytes(s.alpnProtocol ?? "")));
  w.vector24((w) => s.serverCertificates.forEach((c) => w.vector24((w) => w.bytes(c))));
  return w.finish();
}

export function decodeSession(data: Uint8Array): ResumableSession {
  const r = new Reader(data, "saved session");
  if (r.u8() !== SESSION_FORMAT) fail("decode_error", "the saved session has an unknown format; save it again with this version");
  const serverName = bytesToAscii(r.vector16());
  const ticket = r.vector16(1);
  const cipherSuite = r.u16();
  const psk = r.vector8(1);
  const ticketAgeAdd = r.u32();
  const lifetime = r.u32();
  const receivedAt = r.u32() * 0x100000000 + r.u32();
  const maxEarlyData = r.u32();
  const alpn = bytesToAscii(r.vector8());
  const list = r.sub24("saved session certificates");
  const serverCertificates: Uint8Array[] = [];
  while (!list.atEnd) serverCertificates.push(list.vector24(1));
  r.expectEnd();
  return { serverName, ticket, cipherSuite, psk, ticketAgeAdd, lifetime, receivedAt, maxEarlyData, alpnProtocol: alpn || null, serverCertificates };
}
