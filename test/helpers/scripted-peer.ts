/**
 * A "scripted peer" for negative tests: it sits on the wire between two endpoints and can decrypt,
 * change and re-encrypt what one side sends, so a test can inject a mutated handshake message
 * under the right keys.
 *
 * It learns the traffic secrets from the sender's NSS key log (`keyLog` config option). Key
 * derivation (RFC 8446 §7.1 HKDF-Expand-Label, §7.3 key and IV) and record protection (§5.2, §5.3)
 * are done here with node:crypto, not with the engine's own code, so what the engine receives is
 * built by an independent implementation.
 */
import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import * as net from "node:net";
import { TLSError } from "../../src/index.js";
import { concat, plaintextRecord, splitHandshakes, splitRecords } from "./framing.js";

export const ContentType = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 } as const;
export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
} as const;

export type SuiteName = "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256";
export const SUITE_NAMES: readonly SuiteName[] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/** RFC 8446 §B.4 */
const SUITES: Record<SuiteName, { hash: "sha256" | "sha384"; cipher: string; keyLength: number }> = {
  TLS_AES_128_GCM_SHA256: { hash: "sha256", cipher: "aes-128-gcm", keyLength: 16 },
  TLS_AES_256_GCM_SHA384: { hash: "sha384", cipher: "aes-256-gcm", keyLength: 32 },
  TLS_CHACHA20_POLY1305_SHA256: { hash: "sha256", cipher: "chacha20-poly1305", keyLength: 32 },
};

/** The suites by their RFC 8446 §B.4 code points. */
const SUITE_CODES: ReadonlyMap<number, SuiteName> = new Map([
  [0x1301, "TLS_AES_128_GCM_SHA256"],
  [0x1302, "TLS_AES_256_GCM_SHA384"],
  [0x1303, "TLS_CHACHA20_POLY1305_SHA256"],
]);

/**
 * The cipher suite of the last plaintext ServerHello (or HelloRetryRequest, which must name the
 * same one, §4.1.4) in a byte stream of records: what both sides encrypt under afterwards. Null
 * when there is none, it is cut short or it names a suite TLS 1.3 does not define.
 */
export function serverHelloSuite(stream: Uint8Array): SuiteName | null {
  let suite: SuiteName | null = null;
  const handshake = concat(
    splitRecords(stream)
      .records.filter((r) => r[0] === ContentType.handshake)
      .map((r) => r.subarray(5)),
  );
  for (const m of splitHandshakes(handshake).messages) {
    if (m[0] !== HandshakeType.server_hello) continue;
    // type(1) length(3) legacy_version(2) random(32) legacy_session_id_echo<0..32> cipher_suite(2)
    const echo = 4 + 2 + 32;
    if (m.length <= echo) continue;
    const at = echo + 1 + m[echo];
    if (m.length < at + 2) continue;
    suite = SUITE_CODES.get((m[at] << 8) | m[at + 1]) ?? null;
  }
  return suite;
}

// ---------------------------------------------------------------------------------------------
// Key log and key derivation
// ---------------------------------------------------------------------------------------------

/** Collects NSS key-log lines (`LABEL <client_random> <secret>`); pass `keyLog.sink` as the `keyLog` option. */
export class KeyLog {
  readonly lines: string[] = [];
  readonly sink = (line: string | Buffer): void => {
    this.lines.push(String(line).trim());
  };

  /** The last secret logged under `label`, or null. */
  secret(label: string): Uint8Array | null {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const [name, , hex] = this.lines[i].split(" ");
      if (name === label && hex) return new Uint8Array(Buffer.from(hex, "hex"));
    }
    return null;
  }
}

/** RFC 5869 HKDF-Expand with node:crypto's HMAC. */
function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let filled = 0, counter = 1; filled < length; counter++) {
    previous = new Uint8Array(createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest());
    out.set(previous.subarray(0, Math.min(previous.length, length - filled)), filled);
    filled += previous.length;
  }
  return out;
}

/** RFC 8446 §7.1 HKDF-Expand-Label with an empty context. */
export function expandLabel(hash: string, secret: Uint8Array, label: string, length: number): Uint8Array {
  const full = Buffer.from(`tls13 ${label}`, "ascii");
  const info = new Uint8Array([length >>> 8, length & 0xff, full.length, ...full, 0]);
  return hkdfExpand(hash, secret, info, length);
}

/** One direction under one traffic secret: §7.3 key/IV, §5.3 per-record nonce, §5.2 AEAD. */
export class RecordKey {
  private sequence = 0n;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;
  private readonly cipher: string;

  constructor(suite: SuiteName, secret: Uint8Array) {
    const s = SUITES[suite];
    this.cipher = s.cipher;
    this.key = expandLabel(s.hash, secret, "key", s.keyLength);
    this.iv = expandLabel(s.hash, secret, "iv", 12);
  }

  private nextNonce(): Uint8Array {
    const nonce = this.iv.slice();
    let seq = this.sequence++;
    for (let i = 11; i >= 4; i--, seq >>= 8n) nonce[i] ^= Number(seq & 0xffn);
    return nonce;
  }

  /** A complete record: TLSInnerPlaintext = content || type || zeros(padding), sealed. */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    const inner = new Uint8Array(content.length + 1 + padding);
    inner.set(content);
    inner[content.length] = type;
    const length = inner.length + 16;
    const header = new Uint8Array([ContentType.application_data, 0x03, 0x03, length >>> 8, length & 0xff]);
    const c = createCipheriv(this.cipher as "aes-128-gcm", this.key, this.nextNonce(), { authTagLength: 16 });
    c.setAAD(header);
    const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
    return concat([header, new Uint8Array(body)]);
  }

  /** Opens a complete record (header included); returns null when authentication fails. */
  open(record: Uint8Array): { type: number; content: Uint8Array; padding: number } | null {
    const header = record.subarray(0, 5);
    const body = record.subarray(5);
    if (body.length < 17) return null;
    const d = createDecipheriv(this.cipher as "aes-128-gcm", this.key, this.nextNonce(), { authTagLength: 16 });
    d.setAAD(header);
    d.setAuthTag(body.subarray(body.length - 16));
    let inner: Uint8Array;
    try {
      inner = new Uint8Array(Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]));
    } catch {
      return null;
    }
    let end = inner.length;
    while (end > 0 && inner[end - 1] === 0) end--;
    if (end === 0) return null;
    return { type: inner[end - 1], content: inner.subarray(0, end - 1), padding: inner.length - end };
  }
}

// ---------------------------------------------------------------------------------------------
// The tap: one sender's byte stream, decrypted and re-encrypted
// ---------------------------------------------------------------------------------------------

export type Epoch = "plaintext" | "handshake" | "application";

/** One record as the sender meant it: its epoch (which keys protect it), inner type and content. */
export interface TapRecord {
  epoch: Epoch;
  type: number;
  content: Uint8Array;
  /** Zero bytes of TLSInnerPlaintext padding (§5.4) when re-encrypted. */
  padding?: number;
  /** Emitted exactly as given instead of being framed (for malformed framing). */
  raw?: Uint8Array;
}

/** What an edit may put in place of a handshake message: messages (framed in the same epoch) or whole records. */
export type Replacement = Uint8Array | TapRecord;

export type HandshakeEdit = (message: Uint8Array, context: { epoch: Epoch; index: number }) => Replacement[] | undefined;

/**
 * Follows everything `sender` writes: plaintext until its first encrypted record, then its
 * handshake traffic secret, then (after its Finished) its application traffic secret. Decoding
 * and re-encoding keep their own sequence numbers, so a rewritten stream stays consistent.
 */
export class Tap {
  private buffered: Uint8Array = new Uint8Array(0);
  private readEpoch: Epoch = "plaintext";
  private readonly readKeys = new Map<Epoch, RecordKey>();
  private readonly writeKeys = new Map<Epoch, RecordKey>();
  private handshakeSeen: Uint8Array = new Uint8Array(0);
  private rewriteBuffer: Uint8Array = new Uint8Array(0);
  private messageIndex = 0;
  private recordIndex = 0;

  constructor(
    readonly sender: "client" | "server",
    readonly keyLog: KeyLog,
    readonly suite: SuiteName = "TLS_AES_128_GCM_SHA256",
  ) {}

  private secretFor(epoch: Epoch): Uint8Array {
    const side = this.sender.toUpperCase();
    const label = epoch === "handshake" ? `${side}_HANDSHAKE_TRAFFIC_SECRET` : `${side}_TRAFFIC_SECRET_0`;
    const secret = this.keyLog.secret(label);
    if (!secret) throw new Error(`scripted peer: no ${label} in the key log yet`);
    return secret;
  }

  private key(keys: Map<Epoch, RecordKey>, epoch: Epoch): RecordKey {
    let k = keys.get(epoch);
    if (!k) {
      k = new RecordKey(this.suite, this.secretFor(epoch));
      keys.set(epoch, k);
    }
    return k;
  }

  /** Decodes every complete record in `bytes` (and any buffered earlier). */
  decode(bytes: Uint8Array): TapRecord[] {
    const { records, rest } = splitRecords(concat([this.buffered, bytes]));
    this.buffered = rest.slice();
    const out: TapRecord[] = [];
    for (const record of records) {
      const outerType = record[0];
      if (outerType !== ContentType.application_data || this.readEpoch === "plaintext") {
        if (outerType === ContentType.application_data && this.keyLog.secret(`${this.sender.toUpperCase()}_HANDSHAKE_TRAFFIC_SECRET`)) {
          this.readEpoch = "handshake";
        } else {
          out.push({ epoch: "plaintext", type: outerType, content: record.slice(5) });
          continue;
        }
      }
      const epoch = this.readEpoch;
      const opened = this.key(this.readKeys, epoch).open(record);
      if (!opened) throw new Error(`scripted peer: cannot decrypt a ${this.sender} record under its ${epoch} key`);
      out.push({ epoch, type: opened.type, content: opened.content.slice(), padding: opened.padding });
      if (opened.type === ContentType.handshake) this.watchForFinished(opened.content);
    }
    return out;
  }

  /** §4.4.4 / §7.2: the sender's write key changes right after its Finished. */
  private watchForFinished(content: Uint8Array): void {
    const { messages, rest } = splitHandshakes(concat([this.handshakeSeen, content]));
    this.handshakeSeen = rest.slice();
    if (messages.some((m) => m[0] === HandshakeType.finished)) this.readEpoch = "application";
  }

  /** Frames (and, past the plaintext epoch, seals) records as the sender would. */
  encode(records: readonly TapRecord[]): Uint8Array {
    return concat(
      records.map((r) => {
        if (r.raw) return r.raw;
        if (r.epoch === "plaintext") return plaintextRecord(r.type, r.content);
        return this.key(this.writeKeys, r.epoch).seal(r.type, r.content, r.padding ?? 0);
      }),
    );
  }

  /** Seals one record under `epoch` with this tap's outgoing sequence numbers. */
  seal(epoch: Exclude<Epoch, "plaintext">, type: number, content: Uint8Array, padding = 0): Uint8Array {
    return this.key(this.writeKeys, epoch).seal(type, content, padding);
  }

  /** Decodes `bytes`, lets `edit` replace each record (undefined keeps it), and re-encodes the stream. */
  rewriteRecords(bytes: Uint8Array, edit: (record: TapRecord, index: number) => TapRecord[] | undefined): Uint8Array {
    const out: TapRecord[] = [];
    for (const record of this.decode(bytes)) out.push(...(edit(record, this.recordIndex++) ?? [record]));
    return this.encode(out);
  }

  /**
   * Decodes `bytes`, hands each complete handshake message to `edit`, and re-encodes the stream.
   * Messages `edit` keeps or returns share one record per input record, in the same epoch.
   */
  rewrite(bytes: Uint8Array, edit: HandshakeEdit): Uint8Array {
    const out: TapRecord[] = [];
    for (const record of this.decode(bytes)) {
      if (record.type !== ContentType.handshake) {
        out.push(record);
        continue;
      }
      const { messages, rest } = splitHandshakes(concat([this.rewriteBuffer, record.content]));
      this.rewriteBuffer = rest.slice();
      let pending: Uint8Array[] = [];
      const flush = (): void => {
        if (pending.length > 0) out.push({ epoch: record.epoch, type: ContentType.handshake, content: concat(pending) });
        pending = [];
      };
      for (const message of messages) {
        const replaced = edit(message, { epoch: record.epoch, index: this.messageIndex++ }) ?? [message];
        for (const r of replaced) {
          if (r instanceof Uint8Array) pending.push(r);
          else {
            flush();
            out.push(r);
          }
        }
      }
      flush();
    }
    return this.encode(out);
  }
}

/** Every alert in a sender's complete output, decrypted where needed. */
export function alertsIn(sender: "client" | "server", keyLog: KeyLog, wire: Uint8Array, suite?: SuiteName): { level: number; description: number; epoch: Epoch }[] {
  return new Tap(sender, keyLog, suite)
    .decode(wire)
    .filter((r) => r.type === ContentType.alert)
    .map((r) => ({ level: r.content[0], description: r.content[1], epoch: r.epoch }));
}

// ---------------------------------------------------------------------------------------------
// Driving two sans-I/O connections in memory, with a hand on the wire
// ---------------------------------------------------------------------------------------------

export interface Endpoint {
  receive(bytes: Uint8Array): void;
  takeOutput(): Uint8Array | null;
  readonly error: TLSError | null;
  readonly handshakeComplete: boolean;
}

export interface Exchanged {
  clientError: TLSError | null;
  serverError: TLSError | null;
  /** Everything each side wrote, before any interception. */
  clientWire: Uint8Array;
  serverWire: Uint8Array;
}

export interface ExchangeHooks {
  /** Rewrites the client's bytes on their way to the server (return null to drop them). */
  toServer?: (bytes: Uint8Array) => Uint8Array | null;
  toClient?: (bytes: Uint8Array) => Uint8Array | null;
  maxRounds?: number;
}

/**
 * Moves bytes between a client and a server (synchronous signers only) until both are quiet. A
 * side that threw stops receiving, as a closed socket would. Anything but a TLSError propagates.
 */
export function exchange(client: Endpoint, server: Endpoint, hooks: ExchangeHooks = {}): Exchanged {
  const clientWire: Uint8Array[] = [];
  const serverWire: Uint8Array[] = [];
  const errors: { client: TLSError | null; server: TLSError | null } = { client: null, server: null };
  const deliver = (to: Endpoint, side: "client" | "server", bytes: Uint8Array | null): void => {
    if (bytes === null || bytes.length === 0 || errors[side] !== null) return;
    try {
      to.receive(bytes);
    } catch (e) {
      if (!(e instanceof TLSError)) throw e;
      errors[side] = e;
    }
  };
  const maxRounds = hooks.maxRounds ?? 20;
  for (let round = 0; round < maxRounds; round++) {
    const fromClient = client.takeOutput()?.slice() ?? null;
    if (fromClient) clientWire.push(fromClient);
    deliver(server, "server", fromClient && hooks.toServer ? hooks.toServer(fromClient) : fromClient);
    const fromServer = server.takeOutput()?.slice() ?? null;
    if (fromServer) serverWire.push(fromServer);
    deliver(client, "client", fromServer && hooks.toClient ? hooks.toClient(fromServer) : fromServer);
    if (!fromClient && !fromServer) {
      return { clientError: errors.client, serverError: errors.server, clientWire: concat(clientWire), serverWire: concat(serverWire) };
    }
  }
  throw new Error(`exchange: still moving bytes after ${maxRounds} rounds`);
}

// ---------------------------------------------------------------------------------------------
// Raw sockets, for asking OpenSSL (Node's tls) the same question
// ---------------------------------------------------------------------------------------------

/** How long a raw exchange with Node may take before the helper gives up and closes the socket. */
export const RAW_WAIT_MS = 5_000;

/**
 * Relays between a sans-I/O connection and a raw socket whose other end is Node's TLS, passing
 * our connection's output through `outgoing` on the way. Resolves with everything Node sent once
 * the socket closes (or `stopWhen` holds, or after RAW_WAIT_MS, when it is destroyed). Rejects
 * only when our connection throws something other than a TLSError (an engine bug).
 */
export function relay(
  conn: Endpoint,
  socket: net.Socket,
  outgoing: (bytes: Uint8Array) => Uint8Array | null = (b) => b,
  /** Checked after each arrival: when true, the exchange is over and the socket is destroyed. */
  stopWhen: () => boolean = () => false,
): Promise<{ fromPeer: Uint8Array; ourError: TLSError | null }> {
  const fromPeer: Uint8Array[] = [];
  let ourError: TLSError | null = null;
  let bug: unknown = null;
  const flush = (): void => {
    const out = conn.takeOutput();
    if (out === null || !socket.writable) return;
    const rewritten = outgoing(out.slice());
    if (rewritten && rewritten.length > 0) socket.write(rewritten);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => socket.destroy(), RAW_WAIT_MS);
    const guarded = (step: () => void): void => {
      try {
        step();
      } catch (e) {
        // Not a TLSError from receive (those are caught below): an engine or helper bug.
        bug = e;
        socket.destroy();
      }
    };
    socket.on("data", (chunk: Buffer) =>
      guarded(() => {
        const bytes = new Uint8Array(chunk);
        fromPeer.push(bytes);
        if (ourError === null) {
          try {
            conn.receive(bytes);
          } catch (e) {
            if (!(e instanceof TLSError)) throw e;
            ourError = e;
          }
        }
        flush();
        if (stopWhen()) socket.destroy();
        else if (ourError !== null && socket.writable) socket.end();
      }),
    );
    socket.on("error", () => undefined); // a reset after an alert is expected
    socket.once("close", () => {
      clearTimeout(timer);
      if (bug !== null) reject(bug);
      else resolve({ fromPeer: concat(fromPeer), ourError });
    });
    guarded(flush);
  });
}

/** Connects a raw TCP socket to 127.0.0.1:`port`; rejects after RAW_WAIT_MS. */
export function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out connecting to 127.0.0.1:${port}`));
    }, RAW_WAIT_MS);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

/** A raw TCP listener on 127.0.0.1 for one connection; closed once it is accepted or on `close()`. */
export async function rawListenOnce(): Promise<{ port: number; accepted: Promise<net.Socket>; close: () => void }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      server.close();
      reject(new Error(`no connection on port ${port} within ${RAW_WAIT_MS} ms`));
    }, RAW_WAIT_MS);
    server.once("connection", (socket) => {
      clearTimeout(timer);
      server.close();
      resolve(socket);
    });
  });
  accepted.catch(() => undefined);
  return { port, accepted, close: () => server.close() };
}
