/**
 * The engine's internal interface for a transport that protects application records itself, with
 * an asynchronous AEAD (issue 13: WebCrypto's AES-GCM answers only through a Promise, so the
 * engine's synchronous `write()`/`receive()` cannot call it). Not public API: the methods live
 * behind symbols that only `transport/` imports.
 *
 * After the handshake the transport takes the application traffic keys (`applicationTrafficKeys`)
 * and then the records (`handOverRecords`). From then on the engine frames incoming records (its
 * `RecordReader`, with its header and length checks) but does not open them: the transport opens
 * them and hands each decrypted TLSInnerPlaintext back, so the content-type rules, limits,
 * KeyUpdate, NewSessionTicket, post-handshake authentication and alerts run in the engine exactly
 * as on the synchronous path. The engine seals nothing either: what it sends (KeyUpdate, tickets,
 * a CertificateRequest and its answer, alerts) is queued as content with its type, and each change
 * of write key as a `TrafficKeys`, in the order they apply, for the transport to seal.
 */
import type { TLSError } from "../bytes/index.js";
import type { AeadAlgorithm, AsyncCryptoOperations } from "../crypto/provider.js";

/** One direction's traffic key and IV (RFC 8446 §7.3) and the sequence number of its next record (§5.3). */
export interface TrafficKeys {
  readonly algorithm: AeadAlgorithm;
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly sequence: number;
}

/** Both directions' keys at the handover, and the provider's operations to protect records with. */
export interface ApplicationTrafficKeys {
  readonly operations: AsyncCryptoOperations;
  readonly read: TrafficKeys;
  readonly write: TrafficKeys;
}

/** What the engine asks the transport to send, in order: content to seal, or a new write key (KeyUpdate). */
export type OutgoingRecord = { readonly contentType: number; readonly content: Uint8Array; readonly keys?: undefined } | { readonly keys: TrafficKeys };

export interface RecordHandover {
  /** Frames bytes from the peer into records (header checks as on the synchronous path); returns the new offset. */
  feed(data: Uint8Array, offset: number, end: number): number;
  /**
   * When no record is partly fed and a whole record starts at `data[offset]` before `end`: checks
   * its header as `feed` does and returns where it ends, so the transport opens it where it lies
   * (no copy). Otherwise -1, and always once close_notify was received: use `feed` and `takeRecord`.
   */
  wholeRecordEnd(data: Uint8Array, offset: number, end: number): number;
  /** The record framed by `feed` (header and body, a new array), or null while it is incomplete. */
  takeRecord(): Uint8Array | null;
  /**
   * A record the transport opened: its TLSInnerPlaintext is `record[5, 5+innerLength)`. Padding is
   * stripped (§5.4) and the content processed. Throws the TLSError when it is fatal (alert queued).
   * The record is given away: application data in it is handed to `read()` as a view, not copied.
   */
  receiveInnerPlaintext(record: Uint8Array, innerLength: number): void;
  /** A record whose outer type is not application_data: after the handshake always fatal (§5). */
  receivePlaintextRecord(record: Uint8Array): void;
  /** The input in hand is processed: a KeyUpdate the peer requested is answered now, once (§4.6.3). */
  inputProcessed(): void;
  /** The next read key, once a received KeyUpdate moved it; null otherwise. */
  takeReadKeys(): TrafficKeys | null;
  /** What the engine queued to send since the last call, or null. */
  takeOutgoing(): OutgoingRecord[] | null;
  /** Largest content per record the peer accepts (RFC 8449 record_size_limit; 2^14 without one). */
  readonly maxFragment: number;
  /** Records one write key may seal before a KeyUpdate (§5.5, `keyUpdateInterval`); the KeyUpdate counts. */
  readonly recordsPerWriteKey: number;
  /** A failure outside the engine (a record that did not open): the connection fails with it and queues its alert. */
  fail(error: unknown): TLSError;
}

/** The application traffic keys, read and write, without handing anything over. */
export const applicationTrafficKeys: unique symbol = Symbol("mutls.applicationTrafficKeys");
/** Switches the engine to records protected by the transport; returns the interface for it. */
export const handOverRecords: unique symbol = Symbol("mutls.handOverRecords");
