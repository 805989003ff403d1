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
 *
 * The two entry points are functions of this file rather than methods of `Connection`, so that an
 * application whose records never leave the engine (a device with a synchronous provider and its
 * own transport) does not carry them in its bundle (issue 15).
 */
import type { TLSError } from "../bytes/index.js";
import type { AeadAlgorithm, AsyncCryptoOperations } from "../crypto/provider.js";
import { RECORD_HEADER_LENGTH, innerContentLength } from "../record/index.js";
import type { Connection } from "./connection.js";

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

/** Records protected by the transport: what the engine queued for it since it last asked. */
export interface HandedOver {
  outgoing: OutgoingRecord[];
  readKeys: TrafficKeys | null;
}

/**
 * The members of `Connection` the handover works on. They are private to the class and read here
 * as by a friend; each type is the class's own (`Connection["reader"]`), so renaming or retyping
 * one there fails to compile here.
 */
interface Engine {
  readonly config: Connection["config"];
  readonly reader: Connection["reader"];
  readonly writer: Connection["writer"];
  readonly failure: Connection["failure"];
  readonly closeReceived: Connection["closeReceived"];
  readonly session: Connection["session"];
  readonly recordsPerKey: Connection["recordsPerKey"];
  readonly readTraffic: Connection["readTraffic"];
  readonly writeTraffic: Connection["writeTraffic"];
  handedOver: Connection["handedOver"];
  readonly trafficKeys: Connection["trafficKeys"];
  readonly flushHandshake: Connection["flushHandshake"];
  readonly processRecord: Connection["processRecord"];
  readonly guard: Connection["guard"];
  readonly abort: Connection["abort"];
  readonly handshakeComplete: boolean;
}

/**
 * The current application traffic keys, their next sequence numbers and the provider's
 * asynchronous operations, after the handshake; null (nothing derived) when the provider has no
 * asynchronous operations, so the records stay on the synchronous path.
 */
export function applicationTrafficKeys(connection: Connection): ApplicationTrafficKeys | null {
  const engine = connection as unknown as Engine;
  const operations = engine.config.provider.asynchronous;
  if (operations === undefined) return null;
  const read = engine.readTraffic;
  const write = engine.writeTraffic;
  if (!engine.handshakeComplete || read === null || write === null) throw new Error("no application traffic keys before the handshake completes");
  return {
    operations,
    read: engine.trafficKeys(read, engine.reader.protection?.sequenceNumber ?? 0),
    write: engine.trafficKeys(write, engine.writer.protection?.sequenceNumber ?? 0),
  };
}

/**
 * From now on the transport seals and opens `connection`'s records. The engine's output must have
 * been taken (`takeOutput`) and its received data read first.
 */
export function handOverRecords(connection: Connection): RecordHandover {
  const engine = connection as unknown as Engine;
  if (!engine.handshakeComplete) throw new Error("records are handed over only after the handshake");
  engine.flushHandshake();
  if (engine.writer.pending > 0) throw new Error("take the engine's output before handing its records over");
  const state: HandedOver = (engine.handedOver ??= { outgoing: [], readKeys: null });
  const { reader, writer } = engine;
  return {
    feed: (data, offset, end) => {
      if (engine.failure) throw engine.failure;
      // §6.1: data after close_notify is ignored.
      if (engine.closeReceived) return end;
      try {
        return reader.feed(data, offset, end);
      } catch (e) {
        throw engine.abort(e);
      }
    },
    wholeRecordEnd: (data, offset, end) => {
      if (engine.failure) throw engine.failure;
      if (engine.closeReceived) return -1;
      try {
        return reader.wholeRecordEnd(data, offset, end);
      } catch (e) {
        throw engine.abort(e);
      }
    },
    takeRecord: () => (reader.ready ? reader.takeRecord() : null),
    receiveInnerPlaintext: (record, innerLength) => {
      if (engine.failure) throw engine.failure;
      if (engine.closeReceived) return;
      try {
        const length = innerContentLength(record, RECORD_HEADER_LENGTH, innerLength, reader.maxContentLength);
        // The record is the transport's to give away: application data goes to read() as this
        // view, with no copy.
        const content = record.subarray(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + length);
        engine.processRecord(record[RECORD_HEADER_LENGTH + length], content, 0, length, true, true);
      } catch (e) {
        throw engine.abort(e);
      }
    },
    receivePlaintextRecord: (record) => {
      if (engine.failure) throw engine.failure;
      if (engine.closeReceived) return;
      engine.guard(() => engine.processRecord(record[0], record, RECORD_HEADER_LENGTH, record.length - RECORD_HEADER_LENGTH, false));
    },
    inputProcessed: () => {
      if (engine.failure) throw engine.failure;
      engine.guard(() => engine.session?.answerKeyUpdate());
    },
    takeReadKeys: () => {
      const keys = state.readKeys;
      state.readKeys = null;
      return keys;
    },
    takeOutgoing: () => {
      engine.flushHandshake();
      if (state.outgoing.length === 0) return null;
      const outgoing = state.outgoing;
      state.outgoing = [];
      return outgoing;
    },
    get maxFragment() {
      return writer.maxFragment;
    },
    recordsPerWriteKey: engine.recordsPerKey,
    fail: (error) => engine.abort(error),
  };
}
