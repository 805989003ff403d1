import { AlertDescription, TLSError, UsageError, alertName, concatBytes, fail } from "../bytes/index.js";
import { type CipherSuite, handshakeTypeName } from "../handshake/codec/constants.js";
import type { ResolvedConfig } from "../handshake/config.js";
import type { ConnectionHandshakeResult, HandshakeIO, Step } from "../handshake/handshake-io.js";
import type { HandshakeMessage } from "../handshake/codec/messages.js";
import { type EarlyExporter, exportEarlyKeyingMaterial } from "../handshake/resumption/early-exporter.js";
import { SuiteKdf } from "../handshake/key-schedule.js";
import type { PostHandshake } from "../handshake/post-handshake.js";
import { automaticKeyUpdateLimit } from "./key-update-limit.js";
import {
  ByteQueue,
  ContentType,
  LOW_MEMORY_FREE_BYTES,
  RecordProtection,
  RecordReader,
  RecordWriter,
  recordBuffers,
} from "../record/index.js";
import type { HandedOver, TrafficKeys } from "./record-handover.js";
import { PeerLimits } from "./limits.js";
import { HandshakeReassembly } from "./handshake-reassembly.js";

type Epoch = "plaintext" | "early" | "handshake" | "application";

/** The secret a traffic key comes from (§7.3), kept so the keys can be handed to the transport. */
interface TrafficSecret {
  readonly suite: CipherSuite;
  readonly secret: Uint8Array;
}

/**
 * Input held while a handshake step waits (an asynchronous signer or provider, a credential
 * hook); a peer that floods us meanwhile is cut off.
 */
const MAX_QUEUED_INPUT = 1 << 18;

/**
 * A sans-I/O TLS 1.3 connection (design.md "How data walks"): bytes in through `receive`, bytes
 * out through `takeOutput`, application data through `write` and `read`. No sockets, timers or
 * runtime APIs. Subclasses plug in the client or server handshake. record-handover.ts reads some
 * private members (its `Engine`) to hand the records to a transport.
 */
export abstract class Connection {
  protected readonly config: ResolvedConfig;
  protected readonly io: HandshakeIO;
  private readonly reader = new RecordReader();
  private readonly writer = new RecordWriter();
  private readEpoch: Epoch = "plaintext";
  private readonly incomingHandshake: HandshakeReassembly;
  /** Decrypted application data not yet read, in a buffer the connection owns (no per-record arrays). */
  private readonly received = new ByteQueue();
  /** Handshake messages not yet framed: a flight shares records until the keys change (as RFC 8448 shows). */
  private outgoingHandshake: Uint8Array[] = [];
  private queuedInput: Uint8Array[] = [];
  private queuedBytes = 0;
  private failure: TLSError | null = null;
  private alertSent = false;
  private pendingWork: Promise<void> | null = null;
  protected handshakeResult: ConnectionHandshakeResult | null = null;
  /** After the handshake: KeyUpdate, exporters and other post-handshake messages (RFC 8446 §4.6). */
  protected session: PostHandshake | null = null;
  /** Negotiated RFC 8449 / RFC 6066 receive limit, applied when the handshake completes. */
  private receiveLimit: number | null = null;
  /** Records sealed under one write key before we rekey on our own (§5.5). */
  private recordsPerKey = Infinity;
  private closeReceived = false;
  /** 0-RTT data received (server), and how much we allowed (§4.2.10). */
  private earlyBytes = 0;
  private earlyDataLimit = 0;
  /** RFC 8446 §7.5 early exporter, once a ClientHello with a PSK was sent or accepted. */
  private earlyExporter: EarlyExporter | null = null;
  protected closeSent = false;
  /** What the peer may make us hold or do (config `limits`). */
  private readonly peerLimits: PeerLimits;
  /** The current traffic secrets, for handing the keys to the transport. */
  private readTraffic: TrafficSecret | null = null;
  private writeTraffic: TrafficSecret | null = null;
  /** Set once the transport protects the records (record-handover.ts). */
  private handedOver: HandedOver | null = null;

  protected constructor(config: ResolvedConfig) {
    this.config = config;
    if (config.memoryProfile === "low") recordBuffers.limitFree(LOW_MEMORY_FREE_BYTES);
    this.peerLimits = new PeerLimits(config.limits, config.now);
    this.incomingHandshake = new HandshakeReassembly(config.maxHandshakeMessageSize);
    this.io = {
      sendHandshake: (m) => {
        // A step that finishes after close() or a fatal error (it waited on a Promise meanwhile)
        // sends nothing: §6.1, nothing follows our close_notify, and §6.2, nothing our fatal alert.
        if (this.outputClosed) return;
        this.config.onHandshakeMessage?.("sent", m);
        this.outgoingHandshake.push(m);
      },
      sendChangeCipherSpec: () => {
        if (this.outputClosed) return;
        this.flushHandshake();
        this.writer.write(ContentType.change_cipher_spec, new Uint8Array([1]));
      },
      setReadSecret: (suite, secret, epoch) => this.setReadSecret(suite, secret, epoch),
      setWriteSecret: (suite, secret) => {
        this.flushHandshake();
        this.writeTraffic = { suite, secret };
        if (this.handedOver !== null) {
          this.handedOver.outgoing.push({ keys: this.trafficKeys(this.writeTraffic, 0) });
          return;
        }
        this.writer.protection = this.protection(suite, secret);
        this.writer.recordsSealed = 0;
      },
      complete: (result, session) => {
        this.handshakeResult = { ...result, provider: this.config.provider.name };
        this.session = session;
        this.recordsPerKey = automaticKeyUpdateLimit(session.suite, this.config.keyUpdateInterval);
        if (this.receiveLimit !== null) this.reader.limitContent(this.receiveLimit);
        this.dropHandshake();
      },
      setRecordLimits: (limits) => {
        if (limits.send !== null) this.writer.limitFragment(limits.send);
        // Enforced once the handshake completes: until the peer has seen our limit (the server's
        // EncryptedExtensions, the client's ClientHello) its handshake records may be larger.
        this.receiveLimit = limits.receive;
      },
      skipEarlyData: (maxEarlyDataSize) => {
        this.reader.skipEarlyData(maxEarlyDataSize);
      },
      sendEarlyData: (data) => {
        if (this.outputClosed) return;
        this.flushHandshake();
        this.writer.write(ContentType.application_data, data);
      },
      resetWriteProtection: () => {
        this.flushHandshake();
        this.writer.protection = null;
      },
      acceptEarlyData: (maxBytes) => {
        this.earlyDataLimit = maxBytes;
      },
      setEarlyExporter: (exporter) => {
        this.earlyExporter = exporter;
      },
      peekHandshake: (skip) => this.incomingHandshake.peek(skip),
    };
  }

  /** The current handshake state; each state accepts only the messages valid for it. */
  protected abstract get step(): Step;
  /** Whether the first ClientHello was sent or received (the start of §D.4's CCS window). */
  protected abstract get helloSeen(): boolean;
  /**
   * The handshake is complete: let go of the handshake state and everything only it needed
   * (issue 15: an idle connection keeps its traffic keys and post-handshake state, nothing more).
   */
  protected abstract dropHandshake(): void;

  // ---- public API ----

  /**
   * The handshake's outcome once this side has completed it, else null. The same name as
   * `SecureConnection.handshake` on the transport, which exists only after the handshake.
   */
  get handshake(): ConnectionHandshakeResult | null {
    return this.handshakeResult;
  }

  get handshakeComplete(): boolean {
    return this.handshakeResult !== null;
  }

  /**
   * Set while a handshake step waits on a Promise (an asynchronous signer, credential hook or
   * crypto provider; a client's ClientHello may wait from construction on): await it, then call
   * `takeOutput()`. Input received meanwhile is held and processed in order afterwards. Rejects
   * with the TLSError if the handshake fails meanwhile. Null whenever every step so far answered
   * synchronously, as with the pure and native providers.
   */
  get pending(): Promise<void> | null {
    return this.pendingWork;
  }

  /**
   * Server: bytes of 0-RTT data received (RFC 8446 §2.3). The first this many bytes `read()`
   * returns were early data: an attacker may have replayed them, so act on them only if that is safe.
   */
  get earlyDataReceived(): number {
    return this.earlyBytes;
  }

  /** The fatal error that ended this connection, if any. */
  get error(): TLSError | null {
    return this.failure;
  }

  /** The peer sent close_notify: no more data will come (RFC 8446 §6.1). */
  get peerClosed(): boolean {
    return this.closeReceived;
  }

  /** Bytes the record reader and writer hold now (the received-data queue and handshake buffer not included). */
  get recordBufferBytes(): number {
    return this.reader.capacity + this.writer.capacity;
  }

  /** True while a record is partly received: a transport EOF now is a truncation, not a clean close. */
  get hasPartialRecord(): boolean {
    return this.reader.partial || this.incomingHandshake.partial;
  }

  /**
   * Feeds bytes received from the peer. Throws the TLSError when they are fatal; the alert for
   * the peer is then queued, so `takeOutput()` should still be sent.
   */
  receive(data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (this.failure) throw this.failure;
    const end = offset + length;
    if (offset < 0 || length < 0 || end > data.length) throw new RangeError("receive(): offset and length must lie inside data");
    if (this.pendingWork) return this.queueInput(data, offset, end);
    // Not `guard(() => ...)`: a closure per call would be garbage on the per-record path.
    try {
      this.ingest(data, offset, end);
      this.session?.answerKeyUpdate();
    } catch (e) {
      throw this.abort(e);
    }
  }

  /** Bytes to send to the peer, or null when nothing is queued. */
  takeOutput(): Uint8Array | null {
    this.flushHandshake();
    return this.writer.take();
  }

  /** Encrypts `data[offset, offset+length)` for the peer (after the handshake), sealing it in place in the output buffer. */
  write(data: Uint8Array, offset = 0, length = data.length - offset): void {
    if (this.failure) throw this.failure;
    // Set with handshakeResult when the handshake completes.
    const session = this.session;
    if (session === null) throw new Error("write() before the handshake completed");
    if (this.closeSent) throw new Error("write() after close()");
    if (this.handedOver !== null) throw new Error("write(): the transport protects this connection's records");
    this.flushHandshake();
    if (offset < 0 || length < 0 || offset + length > data.length) throw new RangeError("write(): offset and length must lie inside data");
    // Not `guard(() => ...)`: a closure per call would be garbage on the bulk path.
    try {
      session.answerKeyUpdate();
      // §5.5: rekey before the write key reaches its record limit (the KeyUpdate itself is the
      // key's last record), splitting the write where needed.
      const appRecordsPerKey = this.recordsPerKey - 1;
      do {
        if (this.writer.recordsSealed >= appRecordsPerKey) session.sendKeyUpdate(false);
        const room = (appRecordsPerKey - this.writer.recordsSealed) * this.writer.maxFragment;
        const n = Math.min(length, room);
        this.writer.write(ContentType.application_data, data, offset, n);
        offset += n;
        length -= n;
      } while (length > 0);
    } catch (e) {
      throw this.abort(e);
    }
  }

  /**
   * RFC 8446 §4.6.3: sends a KeyUpdate and switches to the next write key; with
   * `requestPeerUpdate` the peer is asked to update its keys too.
   */
  keyUpdate(requestPeerUpdate = false): void {
    if (this.failure) throw this.failure;
    const session = this.session;
    if (!session) throw new Error("keyUpdate() before the handshake completed");
    if (this.closeSent) throw new Error("keyUpdate() after close()");
    this.flushHandshake();
    this.guard(() => session.sendKeyUpdate(requestPeerUpdate));
    if (requestPeerUpdate) this.peerLimits.onKeyUpdateRequested();
  }

  /**
   * RFC 8446 §7.5 exporter: `length` bytes bound to this connection, `label` and `context`
   * (a missing context equals an empty one in TLS 1.3). Both ends get the same value. The
   * arguments are in the order of Node's `tlsSocket.exportKeyingMaterial(length, label, context)`.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array | null): Uint8Array {
    checkExporterArguments("exportKeyingMaterial", length, label);
    if (this.failure) throw this.failure;
    if (!this.session) throw new UsageError("exportKeyingMaterial() before the handshake completed");
    return this.session.exportKeyingMaterial(label, context ?? undefined, length);
  }

  /**
   * RFC 8446 §7.5 early exporter: like `exportKeyingMaterial` but over early_exporter_master_secret,
   * so usable as soon as the client has sent (or the server has accepted) a ClientHello with a
   * PSK, before the handshake completes. Client: the PSK it offered; server: the PSK it selected.
   * Like 0-RTT data these values have no forward secrecy and may be replayed.
   */
  exportEarlyKeyingMaterial(length: number, label: string, context?: Uint8Array | null): Uint8Array {
    checkExporterArguments("exportEarlyKeyingMaterial", length, label);
    if (this.failure) throw this.failure;
    if (!this.earlyExporter) {
      throw new UsageError(
        "exportEarlyKeyingMaterial() needs a PSK: the client offers one when resuming or with externalPsk, " +
          "the server must have selected it (and there is none after a HelloRetryRequest)",
      );
    }
    return exportEarlyKeyingMaterial(this.earlyExporter, label, context ?? undefined, length);
  }

  /** All application data received and not yet read, as a new array, or null. */
  read(): Uint8Array | null {
    return this.received.takeAll();
  }

  /**
   * Moves up to `dest.length - offset` bytes of received application data into `dest[offset..]`
   * and returns how many (0 when none is waiting). Unlike `read()` it allocates nothing.
   */
  readInto(dest: Uint8Array, offset = 0): number {
    return this.received.takeInto(dest, offset);
  }

  /**
   * Moves up to `dest.length - offset` bytes of pending output into `dest[offset..]` and returns
   * how many; the rest stays queued. Unlike `takeOutput()` it allocates nothing.
   */
  takeOutputInto(dest: Uint8Array, offset = 0): number {
    this.flushHandshake();
    return this.writer.takeInto(dest, offset);
  }

  /** Sends close_notify (RFC 8446 §6.1). Idempotent. */
  close(): void {
    if (this.failure || this.closeSent) return;
    this.closeSent = true;
    this.sendAlert(AlertDescription.close_notify);
  }

  /** Server: a post-handshake CertificateRequest is still unanswered. */
  get clientAuthenticationPending(): boolean {
    return this.session?.clientAuthenticationPending ?? false;
  }

  // ---- input ----

  private queueInput(data: Uint8Array, offset: number, end: number): void {
    this.queuedBytes += end - offset;
    if (this.queuedBytes > MAX_QUEUED_INPUT) {
      this.guard(() => fail("internal_error", `more than ${MAX_QUEUED_INPUT} bytes arrived while a handshake step was pending`));
    }
    this.queuedInput.push(data.slice(offset, end));
  }

  private ingest(data: Uint8Array, offset: number, end: number): void {
    while (offset < end) {
      if (this.pendingWork) return this.queueInput(data, offset, end);
      if (this.closeReceived) return; // §6.1: data after close_notify is ignored.
      offset = this.reader.feed(data, offset, end);
      if (!this.reader.ready) continue;
      if (this.reader.openRecord()) {
        const encrypted = this.reader.protection !== null && this.reader.buffer[0] === ContentType.application_data;
        this.processRecord(this.reader.contentType, this.reader.buffer, this.reader.contentOffset, this.reader.contentLength, encrypted);
      }
      this.reader.reset();
    }
  }

  /**
   * One record's content, opened; `encrypted`: it came under keys (outer type application_data).
   * `owned`: `buf` is exactly the content and the caller gives it away (the asynchronous
   * pipeline's records), so application data is queued as it is.
   */
  private processRecord(type: number, buf: Uint8Array, at: number, length: number, encrypted: boolean, owned = false): void {
    this.peerLimits.onRecord(type, length, this.handshakeComplete);
    // §5.1: a handshake message may not be interleaved with other record types.
    if (type !== ContentType.handshake && this.incomingHandshake.partial) {
      fail("unexpected_message", "a record of another type interrupted a fragmented handshake message");
    }
    switch (type) {
      case ContentType.handshake:
        if (this.reader.protection && !encrypted) fail("unexpected_message", "received a plaintext handshake record after encryption started");
        // §5.1: zero-length handshake fragments are forbidden.
        if (length === 0) fail("unexpected_message", "received an empty handshake record");
        // §4.2.10: rejected 0-RTT data precedes the client's next flight (after a HelloRetryRequest,
        // its second ClientHello); from here on a record that does not open is bad_record_mac.
        this.reader.stopSkippingEarlyData();
        this.incomingHandshake.append(buf, at, length);
        return this.processHandshakeMessages();
      case ContentType.change_cipher_spec:
        return this.processChangeCipherSpec(buf, at, length, encrypted);
      case ContentType.alert:
        // A plaintext alert after keys is tolerated only during the handshake: a peer that failed
        // before deriving keys can only send it that way.
        if (this.reader.protection && !encrypted && this.readEpoch === "application") {
          fail("unexpected_message", "received a plaintext alert after the handshake");
        }
        return this.processAlert(buf, at, length);
      case ContentType.application_data:
        // §4.2.10: after a HelloRetryRequest the rejected 0-RTT records arrive before any key; skip
        // "all records with an external content type of application_data", up to max_early_data_size.
        if (this.reader.protection === null && this.reader.skipRejectedEarlyData()) return;
        if (encrypted && this.readEpoch === "early") this.countEarlyData(length);
        else if (!encrypted || this.readEpoch !== "application") {
          fail("unexpected_message", "received application data before the handshake completed");
        }
        this.peerLimits.onApplicationData(this.received.length, length);
        if (owned) this.received.adopt(buf);
        else this.received.push(buf, at, length);
        return;
      default:
        fail("unexpected_message", `received a record of unknown content type ${type}`);
    }
  }

  /**
   * §5: a plaintext change_cipher_spec of value 1 received after the first ClientHello and before
   * the peer's Finished is dropped ("MUST simply drop it without further processing"), however
   * many arrive (OpenSSL drops repeats too); any other form is unexpected_message.
   */
  private processChangeCipherSpec(buf: Uint8Array, at: number, length: number, encrypted: boolean): void {
    if (encrypted) fail("unexpected_message", "received an encrypted change_cipher_spec");
    if (length !== 1 || buf[at] !== 1) fail("unexpected_message", "received a malformed change_cipher_spec");
    if (!this.helloSeen || this.readEpoch === "application") {
      fail("unexpected_message", "received change_cipher_spec outside the handshake");
    }
  }

  /** §6: close_notify ends the peer's data; user_canceled is a warning; every other alert is fatal. */
  private processAlert(buf: Uint8Array, at: number, length: number): void {
    if (length !== 2) fail("decode_error", `an alert record must be 2 bytes, not ${length}`);
    const description = buf[at + 1];
    if (description === AlertDescription.close_notify) {
      if (!this.handshakeComplete) {
        throw new TLSError(description, "the peer closed the connection during the handshake", "remote", "peer_closed");
      }
      this.closeReceived = true;
      return;
    }
    if (description === AlertDescription.user_canceled) return this.peerLimits.onWarningAlert();
    throw new TLSError(description, `the peer refused the connection with a ${alertName(description)} alert`, "remote");
  }

  /** Hands each complete handshake message to the current state, stopping while a step is pending. */
  private processHandshakeMessages(): void {
    while (!this.pendingWork) {
      // A message the current state does not expect is unexpected_message from its first byte,
      // before its length is judged or its body buffered.
      if (this.incomingHandshake.nextType >= 0) this.checkExpected(this.incomingHandshake.nextType);
      const message = this.incomingHandshake.next();
      if (message === null) return;
      this.dispatch(message);
    }
  }

  private checkExpected(type: number): void {
    const step = this.session?.step ?? this.step;
    if (!step.expects.includes(type)) {
      const expected = step.expects.map(handshakeTypeName).join(" or ") || "nothing";
      fail("unexpected_message", `received ${handshakeTypeName(type)} while expecting ${expected} (state ${step.name})`);
    }
  }

  private dispatch(message: HandshakeMessage): void {
    const step = this.session?.step ?? this.step;
    this.checkExpected(message.type);
    this.peerLimits.onHandshakeMessage(message, this.session !== null);
    this.config.onHandshakeMessage?.("received", message.raw);
    const work = step.handle(message);
    if (work) this.waitFor(work);
  }

  /**
   * A step waits on a Promise: hold input until it settles, then carry on in order. A rejection
   * is what a throw from the step would have been: the same TLSError and alert (a non-TLSError
   * becomes internal_error). If the connection failed meanwhile (held input over its bound), the
   * step's late result is dropped and `pending` rejects with that failure.
   */
  private waitFor(work: Promise<void>): void {
    const pending = work.then(
      () => {
        this.pendingWork = null;
        if (this.failure) throw this.failure;
        this.guard(() => this.resume());
      },
      (e: unknown) => {
        this.pendingWork = null;
        this.guard(() => {
          throw e;
        });
      },
    );
    // The failure is also `error` and the next call's throw: an application that closes or drops
    // the connection instead of awaiting `pending` must not get an unhandled rejection.
    pending.catch(() => undefined);
    this.pendingWork = pending;
  }

  private resume(): void {
    this.processHandshakeMessages();
    const queued = this.queuedInput;
    this.queuedInput = [];
    this.queuedBytes = 0;
    for (let i = 0; i < queued.length; i++) {
      if (this.pendingWork) {
        for (const chunk of queued.slice(i)) this.queueInput(chunk, 0, chunk.length);
        return;
      }
      this.ingest(queued[i], 0, queued[i].length);
    }
    this.session?.answerKeyUpdate();
  }

  /** RFC 8446 §4.2.10: 0-RTT data beyond max_early_data_size is unexpected_message. */
  private countEarlyData(length: number): void {
    this.earlyBytes += length;
    if (this.earlyBytes > this.earlyDataLimit) {
      fail("unexpected_message", `the client sent more than max_early_data_size (${this.earlyDataLimit} bytes) of 0-RTT data`);
    }
  }

  // ---- keys and output ----

  /** §7.3: the traffic key and IV; the cipher state is built once per key, when its first record needs it (record-protection.ts). */
  private protection(suite: CipherSuite, secret: Uint8Array): RecordProtection {
    const { key, iv } = this.trafficKeys({ suite, secret }, 0);
    return RecordProtection.deferred(this.config.provider, suite.aead, key, iv);
  }

  private setReadSecret(suite: CipherSuite, secret: Uint8Array, epoch: Epoch): void {
    // §5.1: handshake messages must not span a key change.
    if (this.incomingHandshake.partial) fail("unexpected_message", "a handshake message spans a key change");
    this.readTraffic = { suite, secret };
    this.readEpoch = epoch;
    // Handed over, the reader only frames records (its protection, still set, sizes them); the transport opens them.
    if (this.handedOver !== null) this.handedOver.readKeys = this.trafficKeys(this.readTraffic, 0);
    else this.reader.protection = this.protection(suite, secret);
  }

  /** §7.3 key and IV of a traffic secret, for the transport. */
  private trafficKeys(traffic: TrafficSecret, sequence: number): TrafficKeys {
    const { suite, secret } = traffic;
    const { key, iv } = new SuiteKdf(this.config.provider, suite).trafficKeys(secret);
    return { algorithm: suite.aead, key, iv, sequence };
  }

  /** Frames the queued handshake messages under the current write keys. */
  protected flushHandshake(): void {
    if (this.outgoingHandshake.length === 0) return;
    const messages = this.outgoingHandshake;
    this.outgoingHandshake = [];
    this.queueRecords(ContentType.handshake, messages.length === 1 ? messages[0] : concatBytes(...messages));
  }

  private sendAlert(description: number): void {
    this.flushHandshake();
    // §6: closure alerts are warnings; error alerts are fatal.
    const level = description === AlertDescription.close_notify || description === AlertDescription.user_canceled ? 1 : 2;
    this.queueRecords(ContentType.alert, new Uint8Array([level, description]));
  }

  /** Records the engine sends on its own: sealed here, or queued for the transport once it protects the records. */
  private queueRecords(contentType: number, content: Uint8Array): void {
    if (this.handedOver !== null) this.handedOver.outgoing.push({ contentType, content });
    else this.writer.write(contentType, content);
  }

  /** Runs `work`; on failure records the error, queues our alert once, and rethrows one TLSError. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (e) {
      throw this.abort(e);
    }
  }

  protected abort(e: unknown): TLSError {
    const error =
      e instanceof TLSError
        ? e
        : new TLSError(AlertDescription.internal_error, `internal error: ${e instanceof Error ? e.message : String(e)}`);
    if (!this.failure) this.failure = error;
    // After our close_notify nothing more goes out (§6.1), not even the alert of a step that failed later.
    if (error.origin === "local" && !this.alertSent && !this.closeSent) {
      this.alertSent = true;
      this.sendAlert(error.alert);
    }
    return this.failure;
  }

  /**
   * Subclasses use this to start the handshake inside the error guard. When `work` waits on a
   * Promise (a client's asynchronous key shares) the connection waits with it, then runs `then`.
   */
  protected start(work: () => void | Promise<void>, then?: () => void): void {
    this.guard(() => {
      const started = work();
      if (started) this.waitFor(then ? started.then(then) : started);
      else then?.();
    });
  }

  /** After close() or a fatal error no handshake message goes out. */
  private get outputClosed(): boolean {
    return this.closeSent || this.failure !== null;
  }

  protected setPlaintextRecordVersion(version: number): void {
    this.writer.plaintextVersion = version;
  }
}

/**
 * The exporters take Node's argument order (length, label, context); a call in the order of RFC
 * 8446's TLS-Exporter(label, context, length) would otherwise derive a different secret silently.
 */
function checkExporterArguments(method: string, length: unknown, label: unknown): void {
  if (typeof length !== "number" || typeof label !== "string") {
    throw new UsageError(`${method} takes (length, label, context), as Node's tls does: got (${typeof length}, ${typeof label}, ...)`);
  }
}
