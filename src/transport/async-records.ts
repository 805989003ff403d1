/**
 * The transport's asynchronous record pipeline (issue 13): after the handshake, when the provider
 * protects records asynchronously (WebCrypto's AES-GCM), `TransportSession` seals and opens the
 * application records here, through the provider's `AsyncAeadKey`, with several records in flight,
 * instead of through the engine's synchronous `write()`/`receive()`.
 *
 * The engine keeps everything but the AEAD (connection/record-handover.ts): it frames incoming
 * records, and processes each decrypted TLSInnerPlaintext this pipeline hands back (content-type
 * rules, limits, KeyUpdate, NewSessionTicket, post-handshake authentication, alerts); what it sends
 * comes here as content to seal. `AsyncRecordProtection` fixes each record's sequence number when
 * it is submitted and hands results back in submission order.
 *
 * - Sealing: every record to send (application data, and whatever the engine queues) becomes a
 *   job in one FIFO, served in order by one loop, so the order of calls is the order of sequence
 *   numbers and of bytes on the wire. The loop waits only for `whenReady` (at most `depth` records
 *   in flight) and for a key change; each job's sealed bytes are handed back as a Promise the
 *   session's write chain waits on.
 * - Opening: the records of a chunk from the transport are submitted as they are framed, up to
 *   `depth` at a time, and processed one by one in order as the application reads. A record that
 *   does not open fails the connection with bad_record_mac; the engine has failed then, so every
 *   later record fails with it.
 * - KeyUpdate (RFC 8446 §4.6.3): a record's type is known only once it is open, so the records
 *   after it were submitted under the old key. When one moves the read key, the records in flight
 *   are drained and submitted again under the new key (a failed open leaves a record's bytes as
 *   they were). On the write side, the engine queues the new key after its KeyUpdate; the loop
 *   drains the old key's records in flight and carries on with the new key.
 * - RFC 8446 §5.5: the loop sends a KeyUpdate on its own before a write key has sealed
 *   `recordsPerWriteKey` records (the engine's limit, `keyUpdateInterval`), as `Connection.write` does.
 */
import { concatBytes } from "../bytes/index.js";
import type { Connection } from "../connection/connection.js";
import { type OutgoingRecord, type RecordHandover, type TrafficKeys, applicationTrafficKeys, handOverRecords } from "../connection/record-handover.js";
import { type AsyncAeadKey, type AsyncCryptoOperations, isPromise } from "../crypto/provider.js";
import { AEAD_TAG_LENGTH, AsyncRecordProtection, ContentType, RECORD_HEADER_LENGTH } from "../record/index.js";

/**
 * Records each direction keeps in flight. Node runs WebCrypto jobs on a thread pool of 4 by
 * default, and a call costs its main thread far more than the AES itself; 16 (with the session's
 * 8-record write slices) measured 3 to 13% faster than 8, and 32 slower (docs/performance.md).
 * Each record in flight holds its bytes (about 16 KiB) and the runtime's copies of them while it
 * is sealed or opened: a busy connection holds at most 16 per direction, an idle one none.
 */
const DEPTH = 16;

const NO_BYTES = new Uint8Array(0);

function ignore(): void {
  // A Promise whose rejection is reported elsewhere (at its turn, or through the connection's failure).
}

/** Records laid out for sealing (header room, content, type byte, tag room), as views of one buffer. */
interface LaidOut {
  readonly buffer: Uint8Array;
  readonly records: Uint8Array[];
}

const NOTHING: LaidOut = { buffer: new Uint8Array(0), records: [] };

interface SealJob {
  /** Nothing for a key change. */
  readonly laidOut: LaidOut;
  readonly applicationData: boolean;
  readonly keys: TrafficKeys | null;
  readonly resolve: (sealed: Promise<Uint8Array> | Uint8Array) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A job's records as they are submitted: the bytes for the wire, in order, and what to wait for:
 * each key's `settled()` (AsyncRecordProtection hands a key's records back in order, and each
 * fails once one before it has, so one wait per key covers its records; one Promise per job).
 */
interface Sealing {
  readonly parts: Uint8Array[];
  readonly waits: Promise<unknown>[];
}

/** The job's sealed bytes once every record is. The records fill `buffer` unless a KeyUpdate went between them. */
function sealedBytes(sealing: Sealing, laidOut: number, buffer: Uint8Array): Promise<Uint8Array> | Uint8Array {
  const { parts, waits } = sealing;
  const bytes = (): Uint8Array => (parts.length === laidOut ? buffer : concatBytes(...parts));
  if (waits.length === 0) return bytes();
  return (waits.length === 1 ? waits[0] : Promise.all(waits)).then(bytes);
}

interface OpenJob {
  /** Header and ciphertext; opened in place. */
  readonly record: Uint8Array;
  /** The inner plaintext length once open; null for a record with a plaintext outer type. */
  opened: Promise<number> | number | null;
  /** The last whole record of the transport's chunk it came in: the engine's receive() would end here. */
  endsChunk: boolean;
}

/** The keys to use, once imported (WebCrypto imports a key asynchronously). */
function importKey(operations: AsyncCryptoOperations, keys: TrafficKeys): Promise<AsyncAeadKey> | AsyncAeadKey {
  const aead = operations.aead(keys.algorithm, keys.key);
  // The AEAD holds its own copy (an imported CryptoKey, or expanded cipher state).
  const zero = (): void => {
    keys.key.fill(0);
  };
  if (isPromise(aead)) return aead.finally(zero);
  zero();
  return aead;
}

export class AsyncRecords {
  // ---- sealing ----
  private writeProtection: AsyncRecordProtection;
  /** Records sealed under the current write key, the sequence number included (§5.5). */
  private sealedUnderKey: number;
  private readonly jobs: SealJob[] = [];
  private sealing = false;

  // ---- opening ----
  private readProtection: AsyncRecordProtection;
  /** Records submitted and not yet processed, in order. */
  private readonly opening: OpenJob[] = [];
  /** The rest of a transport chunk not yet framed (framing stops at `DEPTH` records in flight). */
  private chunk: Uint8Array | null = null;
  private chunkOffset = 0;

  private constructor(
    private readonly handover: RecordHandover,
    private readonly operations: AsyncCryptoOperations,
    writeKey: AsyncAeadKey,
    write: TrafficKeys,
    readKey: AsyncAeadKey,
    read: TrafficKeys,
    /** Sends a KeyUpdate (the engine's `keyUpdate(false)`), for §5.5. */
    private readonly sendKeyUpdate: () => void,
  ) {
    this.writeProtection = new AsyncRecordProtection(writeKey, write.iv, DEPTH, write.sequence);
    this.sealedUnderKey = write.sequence;
    this.readProtection = new AsyncRecordProtection(readKey, read.iv, DEPTH, read.sequence);
  }

  /**
   * Takes the records over from `engine` after its handshake when its provider protects them
   * asynchronously; null when it answers synchronously (the pure and native providers, or
   * ChaCha20-Poly1305, which WebCrypto lacks): the session keeps the engine's synchronous path.
   * The engine's output must have been sent.
   */
  static async start(engine: Connection, sendKeyUpdate: () => void): Promise<AsyncRecords | null> {
    const keys = applicationTrafficKeys(engine);
    if (keys === null) return null;
    const { operations, read, write } = keys;
    const writeKey = importKey(operations, write);
    const readKey = importKey(operations, read);
    if (!isPromise(writeKey) && !isPromise(readKey)) return null;
    const [w, r] = await Promise.all([writeKey, readKey]);
    // Nothing ran on the engine meanwhile: the session is not handed to the application until this returns.
    return new AsyncRecords(handOverRecords(engine), operations, w, write, r, read, sendKeyUpdate);
  }

  // ---- sealing ----

  /**
   * RFC 8446 §4.6.3: a KeyUpdate the peer requested must be sent "prior to sending its next
   * Application Data record". Records are processed as the application reads, so the request may
   * have been read but not yet answered: the session calls this before application data and
   * close_notify, then flushes (the engine's `write()` does the same).
   */
  answerKeyUpdate(): void {
    this.handover.inputProcessed();
  }

  /** Seals `data` as application_data records; the sealed bytes, in order with every other call. */
  sealApplicationData(data: Uint8Array): Promise<Uint8Array> {
    return this.enqueue(this.layOut(ContentType.application_data, data), true, null);
  }

  /** Seals what the engine queued (KeyUpdate, tickets, alerts, close_notify...), or null when nothing. */
  sealEngineOutput(): Promise<Uint8Array> | null {
    const outgoing = this.handover.takeOutgoing();
    if (outgoing === null) return null;
    const parts = outgoing.map((item) => this.enqueueOutgoing(item));
    return parts.length === 1 ? parts[0] : Promise.all(parts).then((sealed) => concatBytes(...sealed));
  }

  private enqueueOutgoing(item: OutgoingRecord): Promise<Uint8Array> {
    if (item.keys !== undefined) return this.enqueue(NOTHING, false, item.keys);
    return this.enqueue(this.layOut(item.contentType, item.content), false, null);
  }

  /**
   * TLSInnerPlaintext records of at most `maxFragment` content bytes (§5.1, §5.2; no padding), laid
   * out back to back in one buffer, so the sealed records go to the transport as they are.
   */
  private layOut(contentType: number, data: Uint8Array): LaidOut {
    const max = this.handover.maxFragment;
    const count = Math.max(1, Math.ceil(data.length / max));
    const buffer = new Uint8Array(data.length + count * (RECORD_HEADER_LENGTH + 1 + AEAD_TAG_LENGTH));
    const records: Uint8Array[] = [];
    let offset = 0;
    let at = 0;
    do {
      const n = Math.min(max, data.length - offset);
      const length = RECORD_HEADER_LENGTH + n + 1 + AEAD_TAG_LENGTH;
      buffer.set(data.subarray(offset, offset + n), at + RECORD_HEADER_LENGTH);
      buffer[at + RECORD_HEADER_LENGTH + n] = contentType;
      records.push(buffer.subarray(at, at + length));
      offset += n;
      at += length;
    } while (offset < data.length);
    return { buffer, records };
  }

  private enqueue(laidOut: LaidOut, applicationData: boolean, keys: TrafficKeys | null): Promise<Uint8Array> {
    const sealed = new Promise<Uint8Array>((resolve, reject) => this.jobs.push({ laidOut, applicationData, keys, resolve, reject }));
    if (!this.sealing) {
      this.sealing = true;
      void this.serveJobs();
    }
    return sealed;
  }

  /** The one loop that submits records for sealing, in the order they were queued. */
  private async serveJobs(): Promise<void> {
    while (this.jobs.length > 0) {
      const job = this.jobs[0];
      try {
        if (job.keys !== null) {
          await this.changeWriteKey(job.keys);
          job.resolve(NO_BYTES);
        } else {
          const sealing: Sealing = { parts: [], waits: [] };
          const { buffer, records } = job.laidOut;
          for (const record of records) {
            // §5.5: the KeyUpdate itself is the old key's last record.
            if (job.applicationData && this.sealedUnderKey >= this.handover.recordsPerWriteKey - 1) await this.updateWriteKey(sealing);
            const ready = this.writeProtection.whenReady();
            if (ready !== null) await ready;
            this.seal(record, sealing);
          }
          this.waitFor(sealing);
          job.resolve(sealedBytes(sealing, records.length, buffer));
        }
      } catch (e) {
        job.reject(e);
      }
      this.jobs.shift();
    }
    this.sealing = false;
  }

  private seal(record: Uint8Array, sealing: Sealing): void {
    const innerLength = record.length - RECORD_HEADER_LENGTH - AEAD_TAG_LENGTH;
    this.sealedUnderKey++;
    this.writeProtection.submitSeal(record, 0, innerLength);
    sealing.parts.push(record);
  }

  /** The current key's records of this job, when any is still being sealed. */
  private waitFor(sealing: Sealing): Promise<unknown> | null {
    const settled = this.writeProtection.settled();
    if (settled !== null) sealing.waits.push(settled);
    return settled;
  }

  /** §5.5: the engine's KeyUpdate, sealed under the old key, then the new key, inside the current job. */
  private async updateWriteKey(sealing: Sealing): Promise<void> {
    this.sendKeyUpdate();
    for (const item of this.handover.takeOutgoing() ?? []) {
      if (item.keys !== undefined) {
        // Reported through the job's result, once the job is done.
        this.waitFor(sealing)?.catch(ignore);
        await this.changeWriteKey(item.keys);
      } else for (const record of this.layOut(item.contentType, item.content).records) this.seal(record, sealing);
    }
  }

  /** Drains the old key's records in flight, then seals under `keys` (§4.6.3). */
  private async changeWriteKey(keys: TrafficKeys): Promise<void> {
    await this.writeProtection.drained();
    const aead = await importKey(this.operations, keys);
    this.writeProtection = new AsyncRecordProtection(aead, keys.iv, DEPTH, keys.sequence);
    this.sealedUnderKey = keys.sequence;
  }

  // ---- opening ----

  /** Takes a chunk from the transport: its records are framed and submitted (up to `DEPTH` in flight). */
  receive(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.chunkOffset = 0;
    this.submitRecords();
  }

  /** Whether records are in flight or framed bytes wait: if not, the next data must come from the transport. */
  get hasInput(): boolean {
    return this.opening.length > 0 || this.chunk !== null;
  }

  private submitRecords(): void {
    const chunk = this.chunk;
    if (chunk === null) return;
    while (this.opening.length < DEPTH && this.chunkOffset < chunk.length) {
      // A header the engine refuses throws here, with the connection failed and its alert queued.
      const at = this.chunkOffset;
      const end = this.handover.wholeRecordEnd(chunk, at, chunk.length);
      let record: Uint8Array | null;
      if (end >= 0) {
        // A whole record in the chunk is opened where it lies: the chunk is ours (transport.ts).
        record = chunk.subarray(at, end);
        this.chunkOffset = end;
      } else {
        this.chunkOffset = this.handover.feed(chunk, at, chunk.length);
        record = this.handover.takeRecord();
      }
      if (record !== null) this.opening.push({ record, opened: this.open(record), endsChunk: false });
    }
    if (this.chunkOffset >= chunk.length) {
      this.chunk = null;
      // The chunk is framed to its end (any partial record at its tail waits in the reader): its
      // last whole record is where the synchronous path's receive() returns and answers (§4.6.3).
      const last = this.opening[this.opening.length - 1];
      if (last !== undefined) last.endsChunk = true;
    }
  }

  private open(record: Uint8Array): Promise<number> | number | null {
    // §5.2: only application_data records are protected; any other outer type is the engine's to refuse.
    if (record[0] !== ContentType.application_data) return null;
    let opened: Promise<number> | number;
    try {
      opened = this.readProtection.open(record, 0, record.length - RECORD_HEADER_LENGTH);
    } catch (e) {
      opened = Promise.reject(e);
    }
    if (isPromise(opened)) opened.catch(ignore); // reported at the record's turn
    return opened;
  }

  /**
   * Processes the next record in order, submitting more as room frees up, and asking for the next
   * chunk (`readAhead`, which hands it to `receive`) while records are in flight. Returns false
   * when none is in flight or waiting (read from the transport then). Throws the connection's TLSError.
   */
  async processNext(engine: Connection, readAhead: () => void): Promise<boolean> {
    this.submitRecords();
    // Room for more records and none framed: the next chunk may be read while these open.
    if (this.chunk === null && this.opening.length > 0 && this.opening.length < DEPTH) readAhead();
    const job = this.opening[0];
    if (job === undefined) return false;
    let innerLength: number | null;
    try {
      innerLength = job.opened === null ? null : await job.opened;
    } catch (e) {
      throw this.handover.fail(e);
    }
    this.opening.shift();
    if (innerLength === null) this.handover.receivePlaintextRecord(job.record);
    else this.handover.receiveInnerPlaintext(job.record, innerLength);
    // A post-handshake CertificateRequest answered by an asynchronous signer (connection.ts `pending`).
    while (engine.pending !== null) await engine.pending;
    const readKeys = this.handover.takeReadKeys();
    if (readKeys !== null) await this.changeReadKey(readKeys);
    // §4.6.3: one KeyUpdate answers the requests of each chunk the transport gave, once its records
    // are processed, as the engine's receive() does on the synchronous path, so both put the same
    // KeyUpdates on the wire whatever the read-ahead holds.
    if (job.endsChunk || !this.hasInput) this.handover.inputProcessed();
    return true;
  }

  /** The records in flight were submitted under the old key: drain them and submit them again under the new one. */
  private async changeReadKey(keys: TrafficKeys): Promise<void> {
    await this.readProtection.drained();
    this.readProtection = new AsyncRecordProtection(await importKey(this.operations, keys), keys.iv, DEPTH, keys.sequence);
    for (const job of this.opening) job.opened = this.open(job.record);
  }
}
