/**
 * The wire forms of the PSK extensions (RFC 8446 §4.2.9, §4.2.10, §4.2.11): psk_key_exchange_modes,
 * early_data and pre_shared_key. What they key (binders, tickets) is in resumption/.
 */
import { Reader, Writer, fail } from "../../bytes/index.js";

/**
 * RFC 8446 §4.2.10 early_data: empty in ClientHello and EncryptedExtensions; in a
 * NewSessionTicket it carries max_early_data_size, the most 0-RTT bytes the ticket allows.
 */
export function encodeEarlyDataIndication(maxEarlyDataSize?: number): Uint8Array {
  return maxEarlyDataSize === undefined ? new Uint8Array(0) : new Writer(4).u32(maxEarlyDataSize).finish();
}

/** Returns max_early_data_size for a NewSessionTicket, 0 for the empty forms. */
export function decodeEarlyDataIndication(data: Uint8Array, context: "new_session_ticket" | "client_hello" | "encrypted_extensions"): number {
  if (context !== "new_session_ticket") {
    if (data.length !== 0) fail("decode_error", `the early_data extension in ${context} must be empty`);
    return 0;
  }
  const r = new Reader(data, "early_data extension");
  const max = r.u32();
  r.expectEnd();
  return max;
}

/** RFC 8446 §4.2.9 PskKeyExchangeMode. */
export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

/** §4.2.11 PskIdentity: an opaque identity (a ticket, or an external PSK's name) and its obfuscated age. */
export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

/** §4.2.11 OfferedPsks, as a client sends it. */
export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
}

export function encodePskModes(modes: readonly number[]): Uint8Array {
  return new Writer(1 + modes.length).vector8((w) => modes.forEach((m) => w.u8(m))).finish();
}

export function decodePskModes(data: Uint8Array): number[] {
  const r = new Reader(data, "psk_key_exchange_modes extension");
  const modes = r.vector8(1);
  r.expectEnd();
  return [...modes];
}

export function encodeOfferedPsks(psks: OfferedPsks): Uint8Array {
  const w = new Writer(256);
  w.vector16((w) => psks.identities.forEach((i) => w.vector16((w) => w.bytes(i.identity)).u32(i.obfuscatedTicketAge)));
  w.vector16((w) => psks.binders.forEach((b) => w.vector8((w) => w.bytes(b))));
  return w.finish();
}

export function decodeOfferedPsks(data: Uint8Array): OfferedPsks {
  const r = new Reader(data, "pre_shared_key extension");
  const idList = r.sub16("pre_shared_key identities", 7);
  const identities: PskIdentity[] = [];
  while (!idList.atEnd) identities.push({ identity: idList.vector16(1), obfuscatedTicketAge: idList.u32() });
  const binderList = r.sub16("pre_shared_key binders", 33);
  const binders: Uint8Array[] = [];
  while (!binderList.atEnd) binders.push(binderList.vector8(32));
  r.expectEnd();
  // §4.2.11: "the number of binders [must match] the number of identities"
  if (binders.length !== identities.length) fail("illegal_parameter", "pre_shared_key has a different number of identities and binders");
  return { identities, binders };
}

/** The ServerHello form of pre_shared_key: the index of the identity the server chose. */
export function encodeSelectedIdentity(index: number): Uint8Array {
  return new Writer(2).u16(index).finish();
}

export function decodeSelectedIdentity(data: Uint8Array): number {
  const r = new Reader(data, "pre_shared_key extension");
  const index = r.u16();
  r.expectEnd();
  return index;
}
