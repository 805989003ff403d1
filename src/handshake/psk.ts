import { Reader, Writer, concatBytes, fail } from "../bytes/index.js";
import type { CryptoProvider, HashName } from "../crypto/provider.js";
import { HandshakeType } from "./constants.js";
import { EarlySecret, SuiteKdf } from "./key-schedule.js";
import type { CipherSuite } from "./constants.js";
import { encodeHandshake } from "./messages.js";

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

/** Bytes the binders list takes at the end of a ClientHello: u16 length, then a u8-prefixed binder each. */
export function bindersLength(binders: readonly Uint8Array[]): number {
  return 2 + binders.reduce((n, b) => n + 1 + b.length, 0);
}

/**
 * §4.2.11.2: the ClientHello up to and excluding the binders list. pre_shared_key is the last
 * extension and the binders list its last field, so this is a prefix of the encoded message.
 */
export function truncateClientHello(clientHello: Uint8Array, binders: readonly Uint8Array[]): Uint8Array {
  return clientHello.subarray(0, clientHello.length - bindersLength(binders));
}

/**
 * The messages that come before a ClientHello in the binder transcript (§4.2.11.2): none for the
 * first ClientHello; after a HelloRetryRequest, message_hash(ClientHello1) and the HRR (§4.4.1).
 */
export function transcriptBeforeRetry(provider: CryptoProvider, hash: HashName, clientHello1: Uint8Array, helloRetryRequest: Uint8Array): Uint8Array {
  return concatBytes(encodeHandshake(HandshakeType.message_hash, provider.hash(hash, clientHello1)), helloRetryRequest);
}

/** §4.2.11.2, §7.1: binder = HMAC(finished_key(binder_key), Transcript-Hash(prefix || truncated ClientHello)). */
export function computeBinder(
  provider: CryptoProvider,
  suite: CipherSuite,
  psk: Uint8Array,
  external: boolean,
  prefix: Uint8Array,
  truncatedClientHello: Uint8Array,
): Uint8Array {
  const early = new EarlySecret(new SuiteKdf(provider, suite), psk);
  return early.kdf.finishedVerifyData(early.binderKey(external), provider.hash(suite.hash, concatBytes(prefix, truncatedClientHello)));
}
