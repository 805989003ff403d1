import { AlertDescription, TLSError, UsageError } from "../bytes/index.js";
import { ClientConnection } from "../connection/client-connection.js";
import { ServerConnection } from "../connection/server-connection.js";
import type { ConnectionHandshakeResult as HandshakeResult } from "../handshake/handshake-io.js";
import type { PeerIdentity } from "../x509/index.js";
import {
  type AcceptOptions,
  type ConnectOptions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  type SecureTransportOptions,
  clientConfigFrom,
  serverConfigFrom,
} from "./options.js";
import { AsyncRecords } from "./async-records.js";
import { type ReadableStream, type WritableStream, streamConstructors } from "./stream-types.js";
import { type ScheduleTimeout, globalScheduleTimeout, withDeadline } from "./timer.js";
import type { Transport } from "./transport.js";

/** A TLS 1.3 connection over a Transport, after a completed handshake. */
export interface SecureConnection {
  /**
   * Application data from the peer. Ends when the peer sends close_notify; errors with a TLSError
   * when the connection fails, including when the transport ends without close_notify (truncation).
   * Created on first use; needs a runtime with Web Streams (use `read()` elsewhere).
   */
  readonly readable: ReadableStream<Uint8Array>;
  /** Application data to the peer. Closing it sends close_notify and half-closes the transport. */
  readonly writable: WritableStream<Uint8Array>;
  /** What the handshake negotiated, and the peer's chain. */
  readonly handshake: HandshakeResult;
  /** Who the peer proved to be; null when it presented no certificate (as `handshake.peerIdentity`). */
  readonly peer: PeerIdentity | null;
  /** The next chunk of application data, or null after the peer's close_notify. */
  read(): Promise<Uint8Array | null>;
  /** Sends application data; resolves when the transport accepted it. */
  write(data: Uint8Array): Promise<void>;
  /** Sends close_notify and half-closes the transport; reading goes on (RFC 8446 §6.1). */
  closeWrite(): Promise<void>;
  /**
   * Sends a KeyUpdate (RFC 8446 §4.6.3), in order with `write`; with `requestPeerUpdate` the peer
   * must update its keys too. Resolves when the transport accepted it.
   */
  keyUpdate(requestPeerUpdate?: boolean): Promise<void>;
  /** RFC 8446 §7.5 exporter: `length` bytes both ends derive alike from `label` and `context` (Node's argument order). */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array | null): Uint8Array;
  /** RFC 8446 §7.5 early exporter over the PSK's early_exporter_master_secret: no forward secrecy, replayable. */
  exportEarlyKeyingMaterial(length: number, label: string, context?: Uint8Array | null): Uint8Array;
  /**
   * Server only, RFC 8446 §4.6.2: asks the client (which must have offered post_handshake_auth)
   * for a certificate after the handshake. Resolves with the identity it proves (null if it
   * sends none) once its answer arrives, which is read while the application reads; `peer` and
   * `handshake` are updated then.
   */
  requestClientCertificate(): Promise<PeerIdentity | null>;
  /**
   * Sends close_notify if not yet sent, waits (bounded by `closeTimeoutMs`) for the peer's,
   * discarding unread data, and closes the transport. Never rejects.
   */
  close(): Promise<void>;
}

type Engine = ClientConnection | ServerConnection;

/** How a chunk read ahead ended: taken into the pipeline, the end of the transport, or a failure. */
type ReadAhead =
  | { readonly kind: "received" }
  | { readonly kind: "end" }
  | { readonly kind: "transport"; readonly error: unknown }
  | { readonly kind: "refused"; readonly error: unknown };

/** Largest slice of one `write` sealed before waiting for the transport: four full records. */
const WRITE_SLICE = 4 * (1 << 14);
/**
 * The asynchronous pipeline's slice: eight full records, so that with two slices held (one
 * sealing, one going to the transport) up to 16 records are in flight (async-records.ts, DEPTH).
 * A busy connection holds at most two such slices (about 256 KiB) of its writes; an idle one none.
 */
const ASYNC_WRITE_SLICE = 8 * (1 << 14);

interface Timing {
  readonly schedule: ScheduleTimeout | null;
  readonly handshakeTimeoutMs: number;
  readonly closeTimeoutMs: number;
}

function timingFrom(options: SecureTransportOptions): Timing {
  return {
    schedule: options.scheduleTimeout ?? globalScheduleTimeout(),
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A transport that threw: the network or the peer dropped the connection. */
function transportFailure(e: unknown): TLSError {
  if (e instanceof TLSError) return e;
  return new TLSError(AlertDescription.internal_error, `the connection failed underneath TLS: ${messageOf(e)}`, "transport");
}

/**
 * Drives one sans-I/O engine over one transport. Reads happen only when the application asks
 * (or during the handshake and close), so a slow reader slows the peer: that is the inbound
 * backpressure. Every outgoing byte goes through one ordered write chain.
 */
class TransportSession implements SecureConnection {
  private failure: TLSError | null = null;
  /** Ordered transport writes; never rejects (a failure lands in `writeError`). */
  private writeChain: Promise<void> = Promise.resolve();
  private writeError: unknown = null;
  /** Serialises application reads and writes so their records do not interleave. */
  private readLock: Promise<unknown> = Promise.resolve();
  private writeLock: Promise<unknown> = Promise.resolve();
  private writeClosed = false;
  private transportEnded = false;
  /** Whether the transport ever gave us a byte: a peer that sent none is told apart at its end. */
  private receivedAny = false;
  private transportClosing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private readableStream: ReadableStream<Uint8Array> | null = null;
  private writableStream: WritableStream<Uint8Array> | null = null;
  /**
   * The asynchronous record pipeline (async-records.ts), once the handshake is done, when the
   * provider protects records asynchronously; null keeps the engine's synchronous records.
   */
  private records: AsyncRecords | null = null;
  /**
   * The asynchronous pipeline's next chunk, read while the application reads and records are in
   * flight, so the next chunk's records open while these are processed; one at a time.
   */
  private readAhead: Promise<ReadAhead> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly transport: Transport,
    private readonly timing: Timing,
  ) {}

  // ---- the handshake ----

  /** Runs the handshake to completion within `handshakeTimeoutMs`. */
  async establish(): Promise<void> {
    const ms = this.timing.handshakeTimeoutMs;
    try {
      await withDeadline(this.runHandshake(), ms, this.timing.schedule, () =>
        new TLSError(
          AlertDescription.user_canceled,
          `the handshake did not complete within ${ms} ms: the peer may not speak TLS 1.3`,
          "local",
          "timeout",
        ),
      );
    } catch (e) {
      throw await this.fail(e);
    }
  }

  private async runHandshake(): Promise<void> {
    // A client on an asynchronous provider writes its ClientHello once its key shares exist: the
    // engine is `pending` from construction until then.
    try {
      while (this.engine.pending !== null) await this.engine.pending;
    } catch (e) {
      throw await this.fail(e);
    }
    this.flush();
    while (!this.engine.handshakeComplete) await this.receiveOnce();
    // Our last flight (the client's Finished) must have reached the transport before we report success.
    await this.flushChecked();
    const engine = this.engine;
    this.records = await AsyncRecords.start(engine, () => engine.keyUpdate(false));
  }

  // ---- moving bytes ----

  /** Reads one chunk from the transport into the engine and sends whatever the engine answers. */
  private async receiveOnce(): Promise<void> {
    const chunk = await this.readChunk();
    try {
      this.engine.receive(chunk);
      while (this.engine.pending !== null) await this.engine.pending;
    } catch (e) {
      throw await this.fail(e);
    }
    this.flush();
  }

  /** The transport's next chunk; its failure, or its end before close_notify, fails the connection. */
  private async readChunk(): Promise<Uint8Array> {
    let chunk: Uint8Array | null;
    try {
      chunk = await this.transport.read();
    } catch (e) {
      throw await this.fail(transportFailure(e));
    }
    if (this.failure) throw this.failure;
    if (chunk === null) throw await this.fail(this.endOfTransportError());
    if (chunk.length > 0) this.receivedAny = true;
    return chunk;
  }

  /** RFC 8446 §6.1: only close_notify ends the data; a transport that just stops may have been truncated. */
  private endOfTransportError(): TLSError {
    this.transportEnded = true;
    if (this.engine.hasPartialRecord) {
      const what = this.engine.handshakeComplete ? "the data was truncated" : "during the handshake";
      return new TLSError(AlertDescription.decode_error, `the connection ended in the middle of a TLS record: ${what}`, "local", "peer_closed");
    }
    if (!this.engine.handshakeComplete) {
      // A client that connects and leaves without a byte is a port probe or a health check, not
      // a TLS peer that refused us: say so, rather than blame the offer it never saw.
      const message =
        this.engine instanceof ServerConnection && !this.receivedAny
          ? "the client closed the connection before sending a ClientHello (a port probe or health check does this)"
          : "the peer closed the connection during the handshake without an alert: it may not speak TLS 1.3, or refused our offer (see its log)";
      return new TLSError(AlertDescription.handshake_failure, message, "local", "peer_closed");
    }
    return new TLSError(
      AlertDescription.decode_error,
      "the connection ended without close_notify: the data may be truncated (RFC 8446 §6.1)",
      "local",
      "peer_closed",
    );
  }

  /** Queues the engine's output on the write chain. The returned promise never rejects. */
  private flush(): Promise<void> {
    if (this.records !== null) {
      const sealed = this.records.sealEngineOutput();
      return sealed === null ? this.writeChain : this.queueWrite(sealed);
    }
    const output = this.engine.takeOutput();
    return output === null ? this.writeChain : this.queueWrite(output);
  }

  /** Appends bytes (sealed later, for the asynchronous pipeline) to the ordered write chain; never rejects. */
  private queueWrite(output: Uint8Array | Promise<Uint8Array>): Promise<void> {
    const transport = this.transport;
    // A seal that fails is reported through writeError, or not at all once the connection has failed.
    if (output instanceof Promise) output.catch(() => undefined);
    this.writeChain = this.writeChain.then(async () => {
      if (this.writeError !== null) return;
      try {
        await transport.write(await output);
      } catch (e) {
        this.writeError = e;
      }
    });
    return this.writeChain;
  }

  /** Flushes and waits for the transport; a failed write fails the connection. */
  private async flushChecked(): Promise<void> {
    await this.flush();
    if (this.writeError !== null) throw await this.fail(transportFailure(this.writeError));
  }

  /**
   * Records the first failure, sends the alert the engine queued for it (bounded by the close
   * timeout, as the peer may not be reading), and closes the transport. Returns the failure.
   */
  private async fail(e: unknown): Promise<TLSError> {
    if (this.failure) return this.failure;
    const error =
      e instanceof TLSError
        ? e
        : (this.engine.error ?? new TLSError(AlertDescription.internal_error, `internal error: ${messageOf(e)}`));
    this.failure = error;
    await withDeadline(this.flush(), this.timing.closeTimeoutMs, this.timing.schedule, () => new Error("alert not sent")).catch(
      () => undefined,
    );
    await this.closeTransport();
    return error;
  }

  private closeTransport(): Promise<void> {
    this.transportClosing ??= this.transport.close().catch(() => undefined);
    return this.transportClosing;
  }

  // ---- application data ----

  get handshake(): HandshakeResult {
    const result = this.engine.handshake;
    if (result === null) throw new UsageError("the handshake has not completed");
    return result;
  }

  get peer(): PeerIdentity | null {
    return this.engine.handshake?.peerIdentity ?? null;
  }

  read(): Promise<Uint8Array | null> {
    const next = this.readLock.then(() => this.readNext());
    this.readLock = next.catch(() => undefined);
    return next;
  }

  private async readNext(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      // A fresh array the caller keeps (stream consumers hold on to chunks).
      const data = this.engine.read();
      if (data !== null) return data;
      if (this.engine.peerClosed) {
        if (this.writeClosed) await this.closeTransport();
        return null;
      }
      if (this.records === null) await this.receiveOnce();
      else await this.receiveRecord(this.records);
    }
  }

  /** The asynchronous pipeline: processes the next record in order, reading a chunk from the transport when none waits. */
  private async receiveRecord(records: AsyncRecords): Promise<void> {
    try {
      if (await records.processNext(this.engine, () => this.startReadAhead(records))) {
        this.flush();
        return;
      }
    } catch (e) {
      throw await this.fail(e);
    }
    const ahead = this.readAhead;
    if (ahead !== null) {
      const outcome = await ahead;
      this.readAhead = null;
      if (this.failure) throw this.failure;
      if (outcome.kind === "end") throw await this.fail(this.endOfTransportError());
      if (outcome.kind === "transport") throw await this.fail(transportFailure(outcome.error));
      if (outcome.kind === "refused") throw await this.fail(outcome.error);
      return;
    }
    const chunk = await this.readChunk();
    try {
      records.receive(chunk);
    } catch (e) {
      throw await this.fail(e);
    }
  }

  /**
   * Reads the next chunk into the pipeline in the background. A chunk taken in clears the way for
   * the next read ahead; the end of the transport or a failure is judged in order, by `receiveRecord`.
   */
  private startReadAhead(records: AsyncRecords): void {
    if (this.readAhead !== null || this.failure) return;
    this.readAhead = this.transport.read().then(
      (chunk): ReadAhead => {
        if (chunk === null) {
          // Judged in order by receiveRecord; known at once, so that our close_notify can tell
          // that the peer's side of the transport is gone (sendCloseNotify).
          this.transportEnded = true;
          return { kind: "end" };
        }
        try {
          records.receive(chunk);
          // Nothing to judge in order: the next chunk may be read ahead as soon as the records in
          // flight leave room, instead of once they have all been processed.
          this.readAhead = null;
          return { kind: "received" };
        } catch (error) {
          return { kind: "refused", error };
        }
      },
      (error: unknown): ReadAhead => ({ kind: "transport", error }),
    );
  }

  write(data: Uint8Array): Promise<void> {
    const next = this.writeLock.then(() => this.writeNow(data));
    this.writeLock = next.catch(() => undefined);
    return next;
  }

  private async writeNow(data: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.writeClosed) throw new UsageError("write() after close_notify was sent");
    if (this.records !== null) return this.writeSealedLater(this.records, data);
    for (let at = 0; at < data.length; at += WRITE_SLICE) {
      try {
        this.engine.write(data.subarray(at, Math.min(data.length, at + WRITE_SLICE)));
      } catch (e) {
        throw await this.fail(e);
      }
      await this.flushChecked();
    }
  }

  /**
   * The asynchronous pipeline's write: each slice is laid out and queued for sealing at once, and
   * the next slice waits only for the one before it to reach the transport, so sealing one slice
   * overlaps sending the previous one while at most two slices are held.
   */
  private async writeSealedLater(records: AsyncRecords, data: Uint8Array): Promise<void> {
    try {
      records.answerKeyUpdate();
    } catch (e) {
      throw await this.fail(e);
    }
    this.flush();
    let previous: Promise<void> | null = null;
    for (let at = 0; at < data.length; at += ASYNC_WRITE_SLICE) {
      const sent = this.queueWrite(records.sealApplicationData(data.subarray(at, Math.min(data.length, at + ASYNC_WRITE_SLICE))));
      if (previous !== null) await previous;
      if (this.writeError !== null) throw await this.fail(transportFailure(this.writeError));
      previous = sent;
    }
    if (previous !== null) await previous;
    if (this.writeError !== null) throw await this.fail(transportFailure(this.writeError));
  }

  keyUpdate(requestPeerUpdate = false): Promise<void> {
    const next = this.writeLock.then(async () => {
      if (this.failure) throw this.failure;
      if (this.writeClosed) throw new UsageError("keyUpdate() after close_notify was sent");
      try {
        this.engine.keyUpdate(requestPeerUpdate);
      } catch (e) {
        throw await this.fail(e);
      }
      await this.flushChecked();
    });
    this.writeLock = next.catch(() => undefined);
    return next;
  }

  requestClientCertificate(): Promise<PeerIdentity | null> {
    const sent = this.writeLock.then(async () => {
      if (this.failure) throw this.failure;
      if (!(this.engine instanceof ServerConnection)) throw new UsageError("only a server can request a client certificate");
      // A usage error (no post_handshake_auth offered) throws here without harming the connection.
      const answer = this.engine.requestClientCertificate();
      answer.catch(() => undefined); // surfaced through the returned promise
      await this.flushChecked();
      return { answer }; // wrapped: the write lock must not wait for the client's answer
    });
    this.writeLock = sent.catch(() => undefined);
    return sent.then(({ answer }) => answer);
  }

  exportKeyingMaterial(length: number, label: string, context?: Uint8Array | null): Uint8Array {
    if (this.failure) throw this.failure;
    return this.engine.exportKeyingMaterial(length, label, context);
  }

  exportEarlyKeyingMaterial(length: number, label: string, context?: Uint8Array | null): Uint8Array {
    if (this.failure) throw this.failure;
    return this.engine.exportEarlyKeyingMaterial(length, label, context);
  }

  closeWrite(): Promise<void> {
    const next = this.writeLock.then(() => this.sendCloseNotify());
    this.writeLock = next.catch(() => undefined);
    return next;
  }

  /** RFC 8446 §6.1: close_notify, then end our direction of the transport where it can. */
  private async sendCloseNotify(): Promise<void> {
    if (this.writeClosed || this.failure) return;
    this.writeClosed = true;
    try {
      this.records?.answerKeyUpdate();
    } catch (e) {
      throw await this.fail(e);
    }
    this.engine.close();
    if (this.writeError === null) {
      await this.flush();
      // §6.1: the peer closed first (its close_notify, then the end of the transport) and the runtime
      // shut the socket with the end of its read side (Deno's conn.readable does, and the pipeline's
      // read-ahead can reach that end before we answer). Everything before our close_notify was
      // written, so nothing is lost: only the close_notify has nowhere to go.
      if (this.writeError !== null && this.engine.peerClosed && this.transportEnded) {
        await this.closeTransport();
        return;
      }
    }
    await this.flushChecked();
    try {
      await this.transport.closeWrite?.();
    } catch (e) {
      throw await this.fail(transportFailure(e));
    }
    if (this.engine.peerClosed) await this.closeTransport();
  }

  close(): Promise<void> {
    this.closing ??= this.closeGracefully();
    return this.closing;
  }

  private async closeGracefully(): Promise<void> {
    try {
      await this.closeWrite();
      if (!this.failure && !this.engine.peerClosed && !this.transportEnded) {
        await withDeadline(this.discardUntilPeerClosed(), this.timing.closeTimeoutMs, this.timing.schedule, () => new Error("timeout"));
      }
    } catch {
      // close() is best effort: the failure, if any, is already recorded for read() and write().
    }
    await this.closeTransport();
  }

  private async discardUntilPeerClosed(): Promise<void> {
    while ((await this.read()) !== null) {
      // Unread application data is dropped: the application asked to close.
    }
  }

  /** Ends the connection without close_notify (a WritableStream abort). */
  private async abort(reason: unknown): Promise<void> {
    if (!this.failure) {
      this.failure = new TLSError(AlertDescription.user_canceled, `the application aborted the connection: ${messageOf(reason)}`);
    }
    await this.closeTransport();
  }

  // ---- Web Streams views ----

  get readable(): ReadableStream<Uint8Array> {
    if (this.readableStream === null) {
      const { ReadableStream } = streamConstructors();
      // highWaterMark 0: nothing is read from the transport until the consumer asks.
      this.readableStream = new ReadableStream<Uint8Array>(
        {
          pull: async (controller) => {
            const chunk = await this.read();
            if (chunk === null) controller.close();
            else controller.enqueue(chunk);
          },
          cancel: () => this.close(),
        },
        { highWaterMark: 0 },
      );
    }
    return this.readableStream;
  }

  get writable(): WritableStream<Uint8Array> {
    if (this.writableStream === null) {
      const { WritableStream } = streamConstructors();
      this.writableStream = new WritableStream<Uint8Array>(
        {
          write: (chunk) => this.write(chunk),
          close: () => this.closeWrite(),
          abort: (reason) => this.abort(reason),
        },
        { highWaterMark: 1 },
      );
    }
    return this.writableStream;
  }
}

async function establish(engineFor: () => Engine, transport: Transport, options: SecureTransportOptions): Promise<SecureConnection> {
  let engine: Engine;
  try {
    engine = engineFor();
  } catch (e) {
    await transport.close().catch(() => undefined);
    throw e;
  }
  const session = new TransportSession(engine, transport, timingFrom(options));
  await session.establish();
  return session;
}

/** Runs a TLS 1.3 client handshake over `transport`; rejects with a TLSError when it fails. */
export function connect(transport: Transport, options: ConnectOptions): Promise<SecureConnection> {
  return establish(() => new ClientConnection(clientConfigFrom(options)), transport, options);
}

/** Runs a TLS 1.3 server handshake over `transport`; rejects with a TLSError when it fails. */
export function accept(transport: Transport, options: AcceptOptions): Promise<SecureConnection> {
  return establish(() => new ServerConnection(serverConfigFrom(options)), transport, options);
}
