/**
 * Drives sans-I/O connections in tests: two connections in memory (`pumpMemory`), or one
 * connection over a TCP socket (`runOverSocket`, `connectToNode`, `serveOnce`).
 *
 * Tests must never hang, so every loop here has a bound, every wait has a timeout, and every socket
 * and server these helpers open is closed (or destroyed) before their promises settle.
 */
import * as net from "node:net";
import { ClientConnection, ServerConnection, TLSError } from "../../src/index.js";
import { concat } from "./framing.js";
import type { ClientConfig, ServerConfig } from "./pair.js";

/** The sans-I/O surface both ClientConnection and ServerConnection offer. */
export interface SansIoConnection {
  receive(bytes: Uint8Array): void;
  takeOutput(): Uint8Array | null;
  readonly pending: Promise<void> | null;
  write(data: Uint8Array): void;
  read(): Uint8Array | null;
  close(): void;
  readonly handshakeComplete: boolean;
  readonly peerClosed: boolean;
  readonly error: TLSError | null;
}

export type { ClientConfig, ServerConfig };

/** How long any single wait may take before a helper gives up (tests use ~20 s timeouts). */
export const WAIT_MS = 8_000;
/** Upper bound on the "take output, await the signer" steps of one flush. */
const MAX_FLUSH_STEPS = 64;

// ---------------------------------------------------------------------------------------------
// In memory
// ---------------------------------------------------------------------------------------------

export interface PumpOptions {
  /** Rounds (a→b then b→a) before giving up; a handshake needs about four. Default 100. */
  maxRounds?: number;
  /** Feed received bytes in pieces of at most this many bytes (exercises reassembly). */
  chunkSize?: number;
}

export interface PumpResult {
  /** Every TLSError `receive` threw, in order, with the side that threw it. */
  errors: { side: "a" | "b"; error: TLSError }[];
  rounds: number;
}

/**
 * Moves bytes between `a` and `b` until neither has anything to send and no signer is running.
 * A TLSError thrown by `receive` is recorded and pumping goes on (so the alert it queued reaches
 * the peer); bytes for a connection that has already failed are dropped, as a closed socket would.
 * Any other exception is a bug in the engine and propagates.
 */
export async function pumpMemory(
  a: SansIoConnection,
  b: SansIoConnection,
  opts: PumpOptions = {},
): Promise<PumpResult> {
  const maxRounds = opts.maxRounds ?? 100;
  const result: PumpResult = { errors: [], rounds: 0 };
  for (let round = 1; round <= maxRounds; round++) {
    result.rounds = round;
    const movedToB = await transfer(a, b, "b", result, opts.chunkSize);
    const movedToA = await transfer(b, a, "a", result, opts.chunkSize);
    if (!movedToB && !movedToA && a.pending === null && b.pending === null) return result;
  }
  throw new Error(`pumpMemory: connections still exchanging bytes after ${maxRounds} rounds`);
}

async function transfer(
  from: SansIoConnection,
  to: SansIoConnection,
  toSide: "a" | "b",
  result: PumpResult,
  chunkSize = Infinity,
): Promise<boolean> {
  const output = await drainOutput(from);
  if (output.length === 0) return false;
  if (to.error !== null) return true;
  for (let at = 0; at < output.length; at += chunkSize) {
    try {
      to.receive(output.subarray(at, Math.min(output.length, at + chunkSize)));
    } catch (e) {
      if (!(e instanceof TLSError)) throw e;
      result.errors.push({ side: toSide, error: e });
      break;
    }
  }
  return true;
}

/** Everything `conn` has to send now, awaiting an asynchronous signer as often as needed. */
async function drainOutput(conn: SansIoConnection): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let step = 0; step < MAX_FLUSH_STEPS; step++) {
    const out = conn.takeOutput();
    // Copy: the view may point into the connection's own buffer, reused by the next call.
    if (out !== null && out.length > 0) parts.push(out.slice());
    const pending = conn.pending;
    if (pending === null) {
      if (out === null) return concat(parts);
      continue;
    }
    await pending.catch(() => undefined); // a failed signer surfaces as conn.error
  }
  throw new Error(`drainOutput: connection still producing output after ${MAX_FLUSH_STEPS} steps`);
}

/** Reads all the application data `conn` holds (copied: read() returns a reused view). */
export function readAll(conn: SansIoConnection): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let chunk = conn.read(); chunk !== null; chunk = conn.read()) parts.push(chunk.slice());
  return concat(parts);
}

// ---------------------------------------------------------------------------------------------
// Over a socket
// ---------------------------------------------------------------------------------------------

/**
 * One connection bound to one socket. Bytes from the socket go to `receive`, output goes to the
 * socket, application data collects in `received`. Socket events and writes are handled strictly
 * one after another (an asynchronous signer may be running between them). After a fatal TLS error
 * the queued alert is sent and the socket ended.
 */
export class SocketSession<C extends SansIoConnection = SansIoConnection> {
  /** The first TLSError the connection raised (thrown by receive or write), if any. */
  error: TLSError | null = null;
  /** A socket-level error (ECONNRESET and the like), if any. */
  socketError: Error | null = null;
  socketClosed = false;
  /** Resolves when the socket has closed; never rejects. */
  readonly closed: Promise<void>;

  private readonly receivedParts: Uint8Array[] = [];
  private receivedLength = 0;
  private queue: Promise<void> = Promise.resolve();
  private closeSent = false;
  private readonly listeners = new Set<() => void>();
  private readonly lifetimeTimer: NodeJS.Timeout;

  constructor(
    readonly conn: C,
    /** Should be opened with `allowHalfOpen: true`, so a close_notify can answer the peer's. */
    readonly socket: net.Socket,
    /** The socket is destroyed if it is still open this long after the session starts. */
    lifetimeMs = 3 * WAIT_MS,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    this.lifetimeTimer = setTimeout(() => socket.destroy(), lifetimeMs);
    this.lifetimeTimer.unref();
    socket.on("data", (chunk: Buffer) => void this.enqueue(() => this.onData(chunk)));
    socket.once("end", () => void this.enqueue(() => this.onEnd()));
    socket.on("error", (e) => {
      this.socketError ??= e;
      this.notify();
    });
    socket.once("close", () => {
      this.socketClosed = true;
      clearTimeout(this.lifetimeTimer);
      this.notify();
    });
  }

  /** Application data received so far, concatenated (copied). */
  get received(): Uint8Array {
    return concat(this.receivedParts.slice());
  }

  get receivedText(): string {
    return new TextDecoder().decode(this.received);
  }

  /** Sends whatever the connection has queued (its first flight, for a client). */
  start(): Promise<void> {
    return this.enqueue(() => this.flush());
  }

  /** Resolves once the handshake is complete; rejects with the TLSError if it failed. */
  handshake(): Promise<void> {
    return this.waitFor("the handshake", () => (this.conn.handshakeComplete ? true : undefined)).then(() => undefined);
  }

  write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    return this.enqueue(() => {
      this.guard(() => this.conn.write(bytes));
      return this.flush();
    });
  }

  /** Resolves with the first `n` bytes of application data once that many have arrived. */
  readBytes(n: number): Promise<Uint8Array> {
    return this.waitFor(`${n} bytes of application data`, () =>
      this.receivedLength >= n ? this.received.subarray(0, n) : undefined,
    );
  }

  async readText(n: number): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(n));
  }

  /** Resolves once the peer sent close_notify (or the socket closed after it did). */
  peerClose(): Promise<void> {
    return this.waitFor("close_notify from the peer", () => (this.conn.peerClosed ? true : undefined)).then(
      () => undefined,
    );
  }

  /**
   * Resolves with the TLSError this connection raised or received. Rejects if the socket closes
   * or time runs out without one.
   */
  failure(): Promise<TLSError> {
    return this.waitFor("a TLS error", () => this.error ?? this.conn.error ?? undefined, { rejectOnError: false });
  }

  /** Queues close_notify, sends it, ends the socket and waits for it to close. */
  async close(): Promise<void> {
    await this.enqueue(() => this.sendCloseNotify());
    await this.closedWithin(WAIT_MS);
  }

  /** Waits for the socket to close, destroying it if it has not closed within `ms`. */
  async closedWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.socket.destroy();
        resolve();
      }, ms);
    });
    await Promise.race([this.closed, timeout]);
    clearTimeout(timer);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async onData(chunk: Buffer): Promise<void> {
    if (this.error !== null) return; // a dead connection refuses everything; drop the bytes
    this.guard(() => this.conn.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    for (let data = this.conn.read(); data !== null; data = this.conn.read()) {
      this.receivedParts.push(data.slice());
      this.receivedLength += data.length;
    }
    await this.flush();
  }

  /** The peer ended the stream: answer its close_notify with ours (RFC 8446 §6.1) and end too. */
  private async onEnd(): Promise<void> {
    if (this.error === null && this.conn.peerClosed) await this.sendCloseNotify();
    else if (this.socket.writable) this.socket.end();
  }

  private async sendCloseNotify(): Promise<void> {
    if (!this.closeSent && this.error === null && this.socket.writable) {
      this.closeSent = true;
      this.guard(() => this.conn.close());
      await this.flush();
    }
    if (this.socket.writable) this.socket.end();
  }

  /** Runs an engine call, turning a thrown TLSError into `this.error`. */
  private guard(call: () => void): void {
    try {
      call();
    } catch (e) {
      if (!(e instanceof TLSError)) throw e;
      this.error ??= e;
    }
  }

  private async flush(): Promise<void> {
    const output = await drainOutput(this.conn);
    if (output.length > 0 && this.socket.writable) this.socket.write(output);
    this.error ??= this.conn.error;
    // After a fatal error the alert has been written; a half-close lets it reach the peer intact.
    if (this.error !== null && this.socket.writable) this.socket.end();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task).catch((e: unknown) => {
      // Not a TLSError (those are caught in guard): an engine or helper bug. Fail the waits loudly.
      this.socketError ??= e instanceof Error ? e : new Error(String(e));
      this.socket.destroy();
    });
    this.queue = run.finally(() => this.notify());
    return this.queue;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Resolves with `check()`'s value once it is not undefined. Rejects with the connection's
   * TLSError (unless `rejectOnError` is false), when the socket closes first, or after WAIT_MS.
   */
  private waitFor<T>(what: string, check: () => T | undefined, opts = { rejectOnError: true }): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        const value = check();
        const tlsError = this.error ?? this.conn.error;
        if (value !== undefined) finish(() => resolve(value));
        else if (opts.rejectOnError && tlsError !== null) finish(() => reject(tlsError));
        else if (this.socketClosed) {
          const cause = this.socketError === null ? "" : ` (${this.socketError.message})`;
          finish(() => reject(new Error(`socket closed before ${what}${cause}`)));
        }
      };
      const timer = setTimeout(() => {
        finish(() => reject(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)));
        this.socket.destroy();
      }, WAIT_MS);
      const finish = (action: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(settle);
        action();
      };
      this.listeners.add(settle);
      settle();
    });
  }
}

/** Binds `conn` to `socket` and sends its queued output (a client's ClientHello). */
export async function runOverSocket<C extends SansIoConnection>(conn: C, socket: net.Socket): Promise<SocketSession<C>> {
  const session = new SocketSession(conn, socket);
  await session.start();
  return session;
}

/** Connects a new ClientConnection to 127.0.0.1:`port`. */
export async function connectToNode(
  port: number,
  clientConfig: ClientConfig,
): Promise<SocketSession<ClientConnection>> {
  const conn = new ClientConnection(clientConfig);
  const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out connecting to 127.0.0.1:${port}`)), WAIT_MS);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once("error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve();
    });
  });
  return runOverSocket(conn, socket);
}

export interface Served<T> {
  session: SocketSession<ServerConnection>;
  /** What the handler returned. */
  value: T;
}

/**
 * Listens on 127.0.0.1 (ephemeral port) for exactly one connection, runs a new ServerConnection
 * over it and hands the session to `handler`. `done` settles after the handler has finished and
 * the socket has closed (it is destroyed if it lingers); the listener is closed on the first
 * connection or when no connection came within WAIT_MS.
 */
export async function serveOnce<T>(
  serverConfig: ServerConfig,
  handler: (session: SocketSession<ServerConnection>) => Promise<T>,
): Promise<{ port: number; done: Promise<Served<T>> }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const done = new Promise<Served<T>>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new Error(`serveOnce: no connection on port ${port} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    server.once("connection", (socket) => {
      clearTimeout(timer);
      server.close();
      void (async () => {
        try {
          const session = await runOverSocket(new ServerConnection(serverConfig), socket);
          const value = await handler(session);
          await session.closedWithin(WAIT_MS);
          resolve({ session, value });
        } catch (e) {
          socket.destroy();
          reject(e);
        }
      })();
    });
  });
  done.catch(() => undefined); // the caller awaits it later; do not report it as unhandled meanwhile
  return { port, done };
}
