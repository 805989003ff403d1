import { toHex } from "../../bytes/index.js";
import type { CryptoProvider } from "../../crypto/provider.js";
import type { ServerConfig } from "../config.js";
import type { TicketState } from "../resumption/tickets.js";

/**
 * 0-RTT policy on the server (RFC 8446 §2.3, §4.2.10, §8). Early data is accepted only when the
 * server enables it (`maxEarlyData`), the ticket allowed it, the client chose the ticket's own
 * suite and ALPN, the ticket's age as the client tells it matches ours (§8.3), and the ticket has
 * not been used for 0-RTT before (§8.1, single-use tickets, remembered by a bounded register).
 */

/** §8.3: how far the client's idea of the ticket's age may be from ours. */
const AGE_TOLERANCE_MS = 10_000;
/** Tickets remembered for anti-replay; when full of unexpired ones, 0-RTT is refused (safe, §8). */
const DEFAULT_REGISTER_SIZE = 65536;

/** Tickets already used for 0-RTT, until they expire. Bounded: it never grows past `capacity`. */
export class StrikeRegister {
  private readonly seen = new Map<string, number>();

  constructor(private readonly capacity: number) {}

  /** True the first time a ticket is presented before `expiresAt`; false for a replay or when full. */
  admit(ticketDigest: string, expiresAt: number, now: number): boolean {
    if (this.seen.has(ticketDigest)) return false;
    if (this.seen.size >= this.capacity) {
      for (const [key, expiry] of this.seen) if (expiry <= now) this.seen.delete(key);
      if (this.seen.size >= this.capacity) return false;
    }
    this.seen.set(ticketDigest, expiresAt);
    return true;
  }
}

const registers = new WeakMap<object, StrikeRegister>();

function registerFor(config: ServerConfig): StrikeRegister {
  let register = registers.get(config);
  if (!register) {
    register = new StrikeRegister(DEFAULT_REGISTER_SIZE);
    registers.set(config, register);
  }
  return register;
}

export function maxEarlyDataOf(config: ServerConfig): number {
  const max = config.maxEarlyData ?? 0;
  if (!Number.isInteger(max) || max < 0 || max > 1 << 16) throw new TypeError(`maxEarlyData must be 0 to 65536 bytes, not ${max}`);
  return max;
}

/**
 * §4.2.10: how much rejected 0-RTT data the server skips, "up to the configured
 * max_early_data_size": the size the client's ticket advertised when we could open it (the
 * client may send that much), otherwise the size our tickets advertise now. With 0 (maxEarlyData
 * unset) nothing is skipped, and an undecryptable record is bad_record_mac (§5.2).
 */
export function rejectedEarlyDataLimit(config: ServerConfig, ticket: TicketState | null): number {
  return ticket !== null ? ticket.maxEarlyData : maxEarlyDataOf(config);
}

export interface EarlyDataOffer {
  readonly config: ServerConfig;
  readonly provider: CryptoProvider;
  readonly state: TicketState;
  readonly ticket: Uint8Array;
  readonly selectedIdentity: number;
  readonly suiteCode: number;
  readonly alpnProtocol: string | null;
  readonly ageSkew: number;
  readonly afterRetry: boolean;
  readonly now: number;
}

/** Whether to accept the 0-RTT data a client offered with this ticket (§4.2.10). */
export function acceptEarlyData(o: EarlyDataOffer): boolean {
  if (maxEarlyDataOf(o.config) === 0 || o.state.maxEarlyData === 0 || o.afterRetry) return false;
  // §4.2.10: only with the first PSK, the same suite and the same ALPN as the ticket's handshake.
  if (o.selectedIdentity !== 0 || o.suiteCode !== o.state.cipherSuite || o.alpnProtocol !== o.state.alpnProtocol) return false;
  if (Math.abs(o.ageSkew) > AGE_TOLERANCE_MS) return false;
  const digest = toHex(o.provider.hash("SHA-256", o.ticket).subarray(0, 16));
  return registerFor(o.config).admit(digest, o.state.issuedAt + o.state.lifetime * 1000, o.now);
}
