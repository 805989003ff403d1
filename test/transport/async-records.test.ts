/**
 * The transport's asynchronous record pipeline (src/transport/async-records.ts, issue 13): a side
 * on the WebCrypto provider seals and opens its application records through `crypto.subtle` with
 * several in flight; the other side is the pure provider on the engine's synchronous path, an
 * independent implementation of the same records. The outside truth is that one: a WebCrypto side
 * must put on the wire exactly the bytes a pure side puts there for the same handshake and the
 * same calls, and read exactly what a pure side sends.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AlertDescription,
  type AcceptOptions,
  type ConnectOptions,
  type CryptoProvider,
  type GroupName,
  TLSError,
  type Transport,
  MemorySessionStore,
  accept,
  connect,
  memoryTransportPair,
  pureProvider,
  type SecureConnection,
} from "../../src/index.js";
import { keyShareFromPrivateKey } from "../../src/crypto/pure.js";
import { type WebCryptoProvider, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { bytesFromSeed } from "../helpers/seeded-bytes.js";
import { clientOptions, serverOptions, settle } from "./helpers.js";

/** AES-GCM calls that reached crypto.subtle: proof that the records went through the pipeline, not the pure fallback. */
const subtleCalls = { encrypt: 0, decrypt: 0 };
let web: WebCryptoProvider;
beforeAll(async () => {
  const subtle = globalThis.crypto.subtle;
  web = await webCryptoProvider({
    subtle: new Proxy(subtle, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== "function") return value;
        if (property === "encrypt" || property === "decrypt") {
          return (...args: unknown[]) => {
            subtleCalls[property]++;
            return Reflect.apply(value, target, args) as unknown;
          };
        }
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    }) as never,
  });
  // Without AES-GCM on crypto.subtle the pipeline would never start: these tests would prove nothing.
  expect(web.webCryptoAlgorithms).toContain("AES-GCM");
});

/** Runs `body` and returns how many AES-GCM seals and opens it sent to crypto.subtle. */
async function countingSubtle<T>(body: () => Promise<T>): Promise<{ result: T; encrypt: number; decrypt: number }> {
  const before = { ...subtleCalls };
  const result = await body();
  return { result, encrypt: subtleCalls.encrypt - before.encrypt, decrypt: subtleCalls.decrypt - before.decrypt };
}

/**
 * `base` with randomness and X25519 key shares drawn from `seed`, so two runs of the same script
 * make the same handshake and so the same traffic keys whatever provider protects the records.
 */
function seeded(base: CryptoProvider, seed: number): CryptoProvider {
  let counter = 0;
  const randomBytes = (length: number): Uint8Array => bytesFromSeed(seed * 7919 + ++counter, length);
  const generateKeyShare = (group: GroupName) => keyShareFromPrivateKey(group, randomBytes(32));
  return {
    name: base.name,
    randomBytes,
    generateKeyShare,
    hash: (name, data) => base.hash(name, data),
    createHash: (name) => base.createHash(name),
    hmac: (name, key, data) => base.hmac(name, key, data),
    hkdfExtract: (name, salt, ikm) => base.hkdfExtract(name, salt, ikm),
    hkdfExpand: (name, prk, info, length) => base.hkdfExpand(name, prk, info, length),
    aead: (algorithm, key) => base.aead(algorithm, key),
    verify: (algorithm, key, message, signature) => base.verify(algorithm, key, message, signature),
    sign: (algorithm, key, message) => base.sign(algorithm, key, message),
    asynchronous: base.asynchronous === undefined ? undefined : { ...base.asynchronous, generateKeyShare },
  };
}

/** A transport that keeps a copy of every byte written through it. */
function recording(inner: Transport): { transport: Transport; written: () => Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    transport: {
      read: () => inner.read(),
      write: (chunk) => {
        parts.push(chunk.slice());
        return inner.write(chunk);
      },
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    },
    written: () => Buffer.concat(parts),
  };
}

async function readExactly(connection: SecureConnection, length: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < length) {
    const chunk = await connection.read();
    if (chunk === null) throw new Error(`the stream ended after ${total} of ${length} bytes`);
    parts.push(chunk);
    total += chunk.length;
  }
  return Buffer.concat(parts);
}

type Side = "client" | "server";
type Op =
  | { readonly kind: "write"; readonly from: Side; readonly size: number }
  | { readonly kind: "keyUpdate"; readonly from: Side; readonly request: boolean }
  /** RFC 8446 §4.6.2: the server asks for a client certificate after the handshake; the answer arrives as both sides read. */
  | { readonly kind: "clientAuth" };

interface Run {
  readonly clientWire: Uint8Array;
  readonly serverWire: Uint8Array;
  /** What each side read, in order. */
  readonly clientRead: Uint8Array;
  readonly serverRead: Uint8Array;
  readonly providers: readonly [string, string];
}

const NOW = new Date();

interface RunOptions {
  readonly suite?: "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384";
  readonly client?: ConnectOptions["config"];
  readonly server?: AcceptOptions["config"];
}

/** Runs `script` over a memory pair: writes are read in full by the other side before the next step. */
async function run(
  script: readonly Op[],
  clientProvider: CryptoProvider,
  serverProvider: CryptoProvider,
  seed: number,
  options: RunOptions = {},
): Promise<Run> {
  const [a, b] = memoryTransportPair();
  const ra = recording(a);
  const rb = recording(b);
  // Fresh option objects per run: a server config object carries its own ticket keys. With a
  // session store the server sends NewSessionTickets: under its write key before the records are
  // handed over, and through the client's pipeline when the client is the WebCrypto side.
  const sessionStore = new MemorySessionStore();
  const [client, server] = await Promise.all([
    connect(
      ra.transport,
      clientOptions("ed25519", { config: { provider: seeded(clientProvider, seed), groups: ["x25519"], now: () => NOW, sessionStore, ...options.client } }),
    ),
    accept(
      rb.transport,
      serverOptions("ed25519", {
        config: {
          provider: seeded(serverProvider, seed + 1),
          now: () => NOW,
          tickets: 2,
          ...(options.suite ? { cipherSuites: [options.suite] } : {}),
          ...options.server,
        },
      }),
    ),
  ]);
  const read: Record<Side, Uint8Array[]> = { client: [], server: [] };
  let counter = seed;
  for (const op of script) {
    if (op.kind === "clientAuth") {
      const asked = server.requestClientCertificate();
      // The client reads the request with the server's data and answers; the server reads the answer with the client's.
      await Promise.all([server.write(bytesFromSeed(1, 10)), readExactly(client, 10)]);
      await Promise.all([client.write(bytesFromSeed(2, 10)), readExactly(server, 10)]);
      expect((await asked)?.uris).toEqual(server.peer?.uris);
      continue;
    }
    const [from, to, reader]: [SecureConnection, SecureConnection, Side] = op.from === "client" ? [client, server, "server"] : [server, client, "client"];
    if (op.kind === "keyUpdate") {
      await from.keyUpdate(op.request);
      continue;
    }
    const data = bytesFromSeed(++counter, op.size);
    const [, got] = await Promise.all([from.write(data), readExactly(to, op.size)]);
    read[reader].push(got);
  }
  await client.closeWrite();
  expect(await server.read()).toBeNull();
  await server.close();
  expect(await client.read()).toBeNull();
  await client.close();
  return {
    clientWire: ra.written(),
    serverWire: rb.written(),
    clientRead: Buffer.concat(read.client),
    serverRead: Buffer.concat(read.server),
    providers: [client.handshake.provider, server.handshake.provider],
  };
}

/** What each side should read: the other side's writes, in order. */
function expectedReads(script: readonly Op[], seed: number): { client: Uint8Array; server: Uint8Array } {
  const out: Record<Side, Uint8Array[]> = { client: [], server: [] };
  let counter = seed;
  for (const op of script) if (op.kind === "write") out[op.from === "client" ? "server" : "client"].push(bytesFromSeed(++counter, op.size));
  return { client: Buffer.concat(out.client), server: Buffer.concat(out.server) };
}

const side = fc.constantFrom<Side>("client", "server");
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      from: side,
      size: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 150_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("keyUpdate" as const), from: side, request: fc.boolean() }) },
);

describe("the asynchronous record pipeline against the synchronous one", () => {
  it("puts the same bytes on the wire and reads the same data, with the WebCrypto side as client or as server", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 1 << 20 }), side, async (script, seed, webSide) => {
        const reference = await run(script, pureProvider, pureProvider, seed);
        const counted = await countingSubtle(() => (webSide === "client" ? run(script, web, pureProvider, seed) : run(script, pureProvider, web, seed)));
        const tested = counted.result;
        // Every record after the handshake, close_notify included, went through crypto.subtle.
        const written = script.filter((o) => o.kind === "write" && o.from === webSide).length;
        const read = script.filter((o) => o.kind === "write" && o.from !== webSide).length;
        expect(counted.encrypt).toBeGreaterThan(written);
        expect(counted.decrypt).toBeGreaterThan(read);
        expect(tested.providers).toEqual(webSide === "client" ? ["webcrypto", "pure"] : ["pure", "webcrypto"]);
        const expected = expectedReads(script, seed);
        expect(tested.clientRead).toEqual(expected.client);
        expect(tested.serverRead).toEqual(expected.server);
        // Byte for byte: the same records, sequence numbers, KeyUpdates and close_notify.
        expect(Buffer.compare(tested.clientWire, reference.clientWire)).toBe(0);
        expect(Buffer.compare(tested.serverWire, reference.serverWire)).toBe(0);
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it("answers KeyUpdates that came in separate chunks as the synchronous path does (fast-check's counterexample)", async () => {
    // Two requested KeyUpdates the client wrote one by one reach the server as two chunks: the
    // engine's receive() answers each chunk's requests once, so the pure server sends two. The
    // pipeline, which had the second chunk read ahead, answered both with one (also allowed by
    // §4.6.3, but not the same bytes); it now answers per chunk too.
    const script: Op[] = [
      { kind: "keyUpdate", from: "client", request: true },
      { kind: "keyUpdate", from: "client", request: true },
      { kind: "write", from: "client", size: 1 },
    ];
    for (const webSide of ["server", "client"] as const) {
      const reference = await run(script, pureProvider, pureProvider, 1);
      const tested = await (webSide === "client" ? run(script, web, pureProvider, 1) : run(script, pureProvider, web, 1));
      expect(Buffer.compare(tested.clientWire, reference.clientWire)).toBe(0);
      expect(Buffer.compare(tested.serverWire, reference.serverWire)).toBe(0);
    }
  });

  it("does the same with AES-256-GCM", async () => {
    const script: Op[] = [
      { kind: "write", from: "client", size: 70_000 },
      { kind: "keyUpdate", from: "server", request: true },
      { kind: "write", from: "server", size: 40_000 },
      { kind: "write", from: "client", size: 5 },
    ];
    const reference = await run(script, pureProvider, pureProvider, 99, { suite: "TLS_AES_256_GCM_SHA384" });
    const { result: tested, encrypt, decrypt } = await countingSubtle(() => run(script, web, web, 99, { suite: "TLS_AES_256_GCM_SHA384" }));
    expect(encrypt).toBeGreaterThan(4);
    expect(decrypt).toBeGreaterThan(4);
    expect(tested.providers).toEqual(["webcrypto", "webcrypto"]);
    expect(Buffer.compare(tested.clientWire, reference.clientWire)).toBe(0);
    expect(Buffer.compare(tested.serverWire, reference.serverWire)).toBe(0);
  });
});

/** The same script on a pure pair and on a WebCrypto pair: the same wire bytes both ways. */
async function expectSameWire(script: readonly Op[], seed: number, options: RunOptions = {}): Promise<void> {
  const reference = await run(script, pureProvider, pureProvider, seed, options);
  const { result: tested, encrypt, decrypt } = await countingSubtle(() => run(script, web, web, seed, options));
  expect(encrypt).toBeGreaterThan(0);
  expect(decrypt).toBeGreaterThan(0);
  const expected = expectedReads(script, seed);
  expect(tested.clientRead).toEqual(expected.client);
  expect(tested.serverRead).toEqual(expected.server);
  expect(Buffer.compare(tested.clientWire, reference.clientWire)).toBe(0);
  expect(Buffer.compare(tested.serverWire, reference.serverWire)).toBe(0);
}

describe("connect() and accept() on the WebCrypto provider end to end", () => {
  // Without seeded key shares the client's ClientHello waits on crypto.subtle's key generation:
  // connect() must wait for the engine's pending work before its first flush, or nothing is sent.
  it("completes a mutual P-256 handshake whose key shares come from crypto.subtle, then exchanges data", async () => {
    const [a, b] = memoryTransportPair();
    const [client, server] = await Promise.all([
      connect(a, clientOptions("p256", { config: { provider: web, groups: ["secp256r1"] } })),
      accept(b, serverOptions("p256", { config: { provider: web } })),
    ]);
    expect([client.handshake.provider, server.handshake.provider]).toEqual(["webcrypto", "webcrypto"]);
    expect(client.handshake.group).toBe("secp256r1");
    const data = bytesFromSeed(7, 40_000);
    const [, got] = await Promise.all([client.write(data), readExactly(server, data.length)]);
    expect(Buffer.compare(got, data)).toBe(0);
    await client.close();
    await server.close();
  });
});

describe("the asynchronous pipeline keeps the engine's rules", () => {
  it("rekeys on its own before keyUpdateInterval records, as Connection.write does (RFC 8446 §5.5)", async () => {
    const script: Op[] = [
      { kind: "write", from: "client", size: 10 * 16_384 + 5 },
      { kind: "write", from: "server", size: 7 * 16_384 },
      { kind: "write", from: "client", size: 3 },
    ];
    await expectSameWire(script, 7, { client: { keyUpdateInterval: 3 }, server: { keyUpdateInterval: 4 } });
  });

  it("seals records of the peer's record_size_limit and accepts ours (RFC 8449)", async () => {
    const script: Op[] = [
      { kind: "write", from: "client", size: 5000 },
      { kind: "keyUpdate", from: "client", request: true },
      { kind: "write", from: "server", size: 3000 },
      { kind: "write", from: "client", size: 700 },
    ];
    await expectSameWire(script, 8, { client: { recordSizeLimit: 512 }, server: { recordSizeLimit: 300 } });
  });

  it("carries post-handshake client authentication (RFC 8446 §4.6.2) through both pipelines", async () => {
    const script: Op[] = [{ kind: "write", from: "client", size: 100 }, { kind: "clientAuth" }, { kind: "write", from: "server", size: 40_000 }];
    await expectSameWire(script, 9, { client: { postHandshakeAuth: true } });
  });
});

/** A WebCrypto client and a pure server over `transport`-wrapped memory pipes of `capacity` bytes. */
async function webClientPair(
  wrap: (client: Transport) => Transport = (t) => t,
  capacity?: number,
): Promise<{ client: SecureConnection; server: SecureConnection }> {
  const [a, b] = memoryTransportPair({ capacity });
  const [client, server] = await Promise.all([
    connect(wrap(a), clientOptions("p256", { config: { provider: web } })),
    accept(b, serverOptions("p256", { config: { provider: pureProvider } })),
  ]);
  expect(client.handshake.provider).toBe("webcrypto");
  return { client, server };
}

/**
 * A transport whose reads hand out the inner chunks cut at the sizes `sizes` gives, each a fresh
 * array: records then straddle chunks (framed by the engine's reader, copied) or lie whole inside
 * one (opened where they lie), in any mix.
 */
function rechunking(sizes: () => number) {
  return (inner: Transport): Transport => {
    let pending: Uint8Array = new Uint8Array(0);
    return {
      read: async () => {
        if (pending.length === 0) {
          const chunk = await inner.read();
          if (chunk === null) return null;
          pending = chunk;
        }
        const out = pending.slice(0, sizes());
        pending = pending.slice(out.length);
        return out;
      },
      write: (chunk) => inner.write(chunk),
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    };
  };
}

describe("framing in the asynchronous pipeline", () => {
  it("reads the same data whatever the transport's chunks, records straddling them or lying whole inside", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 1 << 20 }),
        async (sizes, seed) => {
          let next = 0;
          const { client, server } = await webClientPair(rechunking(() => sizes[next++ % sizes.length]));
          const data = bytesFromSeed(seed, 200_000);
          const { result: got, decrypt } = await countingSubtle(async () => (await Promise.all([server.write(data), readExactly(client, data.length)]))[1]);
          expect(decrypt).toBeGreaterThanOrEqual(Math.ceil(data.length / 16_384));
          expect(Buffer.compare(got, data)).toBe(0);
          await Promise.all([client.close(), server.close()]);
        },
      ),
      { numRuns: 10 },
    );
  }, 60_000);

  it("refuses a record header inside a chunk with the engine's alert: record_overflow (RFC 8446 §5.2)", async () => {
    let armed = false;
    const tampering = (inner: Transport): Transport => ({
      read: async () => {
        const chunk = await inner.read();
        if (!armed || chunk === null) return chunk;
        armed = false;
        // The second record's length field: 2^14 + 257 bytes, one more than §5.2 allows.
        const at = 5 + 16_384 + 17;
        const copy = chunk.slice();
        copy[at + 3] = 0x41;
        copy[at + 4] = 0x01;
        return copy;
      },
      write: (chunk) => inner.write(chunk),
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    });
    const { client, server } = await webClientPair(tampering);
    armed = true;
    const data = bytesFromSeed(11, 4 * 16_384);
    const sent = server.write(data);
    const received: Uint8Array[] = [];
    let failure: unknown = null;
    try {
      for (;;) received.push((await client.read()) ?? new Uint8Array(0));
    } catch (e) {
      failure = e;
    }
    await sent.catch(() => undefined);
    expect(failure).toBeInstanceOf(TLSError);
    expect((failure as TLSError).alert).toBe(AlertDescription.record_overflow);
    // Nothing past the refused header was delivered.
    expect(Buffer.concat(received).length).toBeLessThanOrEqual(16_384);
    const seen = await server.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect((seen as TLSError).alert).toBe(AlertDescription.record_overflow);
    expect((seen as TLSError).origin).toBe("remote");
  });
});

describe("failures, backpressure and close in the asynchronous pipeline", () => {
  it("fails a tampered record with bad_record_mac, delivers nothing after it, and every later call fails the same way", async () => {
    let armed = false;
    const tampering = (inner: Transport): Transport => ({
      read: async () => {
        const chunk = await inner.read();
        if (!armed || chunk === null) return chunk;
        armed = false;
        // The second of the chunk's four records: one ciphertext byte flipped.
        const at = 5 + 16_384 + 17 + 100;
        const copy = chunk.slice();
        copy[at] ^= 0x01;
        return copy;
      },
      write: (chunk) => inner.write(chunk),
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    });
    const { client, server } = await webClientPair(tampering);
    armed = true;
    const data = bytesFromSeed(5, 4 * 16_384);
    const received: Uint8Array[] = [];
    const sent = server.write(data);
    let failure: unknown = null;
    try {
      for (;;) received.push((await client.read()) ?? new Uint8Array(0));
    } catch (e) {
      failure = e;
    }
    await sent.catch(() => undefined);
    // The first record arrived whole; nothing of the later ones.
    expect(Buffer.concat(received)).toEqual(Buffer.from(data.subarray(0, 16_384)));
    expect(failure).toBeInstanceOf(TLSError);
    expect((failure as TLSError).alert).toBe(AlertDescription.bad_record_mac);
    expect((failure as TLSError).origin).toBe("local");
    await expect(client.read()).rejects.toBe(failure);
    await expect(client.write(new Uint8Array(1))).rejects.toBe(failure);
    // RFC 8446 §5.2: the peer is told with a bad_record_mac alert.
    const seen = await server.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(seen).toBeInstanceOf(TLSError);
    expect((seen as TLSError).alert).toBe(AlertDescription.bad_record_mac);
    expect((seen as TLSError).origin).toBe("remote");
  });

  it("never sends a slice whose records did not all seal: a crypto.subtle failure inside it fails the write", async () => {
    // One encrypt in the middle of an eight-record slice rejects. The slice goes to the transport
    // as one buffer once its records are sealed; the failed record would hold its plaintext, so
    // nothing of the slice may go out, and the failure must reach write() (not an unhandled rejection).
    let encrypts = 0;
    let failAt = -1;
    const subtle = globalThis.crypto.subtle;
    const failing = await webCryptoProvider({
      subtle: new Proxy(subtle, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as (...args: unknown[]) => Promise<unknown>;
          if (property !== "encrypt") return typeof value === "function" ? value.bind(target) : value;
          return (...args: unknown[]) => (++encrypts === failAt ? Promise.reject(new Error("encrypt failed")) : Reflect.apply(value, target, args));
        },
      }) as never,
    });
    const written: Uint8Array[] = [];
    const [a, b] = memoryTransportPair();
    const spying: Transport = {
      read: () => a.read(),
      write: (chunk) => {
        written.push(chunk.slice());
        return a.write(chunk);
      },
      closeWrite: () => a.closeWrite?.() ?? Promise.resolve(),
      close: () => a.close(),
    };
    const [client, server] = await Promise.all([
      connect(spying, clientOptions("p256", { config: { provider: failing } })),
      accept(b, serverOptions("p256", { config: { provider: pureProvider } })),
    ]);
    expect(client.handshake.provider).toBe("webcrypto");
    written.length = 0;
    failAt = encrypts + 3;
    const marker = 0xa7;
    const failure = await client.write(new Uint8Array(8 * 16_384).fill(marker)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TLSError);
    expect(encrypts).toBeGreaterThanOrEqual(failAt);
    // Nothing of the slice, sealed or not, reached the transport (an alert may have).
    expect(written.every((chunk) => chunk.length < 16_384)).toBe(true);
    await expect(client.write(new Uint8Array(1))).rejects.toBe(failure);
    await Promise.all([client.close(), server.close()]);
  });

  it("holds a write until the reader takes it, with a bounded amount on the transport (backpressure)", async () => {
    let written = 0;
    const counting = (inner: Transport): Transport => ({
      read: () => inner.read(),
      write: (chunk) => {
        written += chunk.length;
        return inner.write(chunk);
      },
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    });
    const { client, server } = await webClientPair(counting, 16 * 1024);
    const before = written;
    const data = bytesFromSeed(6, 1 << 20);
    let done = false;
    const writing = client.write(data).then(() => (done = true));
    await settle(50);
    expect(done).toBe(false);
    // At most the pipe's capacity, the slice it waits on and the slice sealed behind it (eight records each, plus record overhead).
    expect(written - before).toBeLessThanOrEqual(16 * 1024 + 2 * (8 * 16_384 + 8 * 22));
    const got = await readExactly(server, data.length);
    await writing;
    expect(Buffer.compare(got, data)).toBe(0);
    await Promise.all([client.close(), server.close()]);
  });

  it("reads from the transport only as the application reads", async () => {
    let read = 0;
    const counting = (inner: Transport): Transport => ({
      read: async () => {
        const chunk = await inner.read();
        read += chunk?.length ?? 0;
        return chunk;
      },
      write: (chunk) => inner.write(chunk),
      closeWrite: () => inner.closeWrite?.() ?? Promise.resolve(),
      close: () => inner.close(),
    });
    const { client, server } = await webClientPair(counting, 16 * 1024);
    const before = read;
    const data = bytesFromSeed(7, 1 << 20);
    const writing = server.write(data);
    await settle(50);
    expect(read).toBe(before);
    const first = await client.read();
    // One chunk taken and at most one read ahead while its records opened (the pure side's 64 KiB slices), not the whole megabyte.
    expect(read - before).toBeLessThanOrEqual(2 * (64 * 1024 + 4 * 22));
    const rest = await readExactly(client, data.length - (first?.length ?? 0));
    expect(Buffer.compare(Buffer.concat([first ?? new Uint8Array(0), rest]), data)).toBe(0);
    await writing;
    await Promise.all([client.close(), server.close()]);
  });

  it("sends close_notify after every pending write, and refuses writes after it", async () => {
    const { client, server } = await webClientPair(undefined, 8 * 1024);
    const data = bytesFromSeed(8, 300_000);
    // Not awaited: close_notify must still come after these records.
    const writes = [client.write(data.subarray(0, 100_000)), client.write(data.subarray(100_000))];
    const closed = client.closeWrite();
    const got: Uint8Array[] = [];
    for (let chunk = await server.read(); chunk !== null; chunk = await server.read()) got.push(chunk);
    expect(Buffer.compare(Buffer.concat(got), data)).toBe(0);
    await Promise.all([...writes, closed]);
    await expect(client.write(new Uint8Array(1))).rejects.toThrow(/after close_notify/);
    // The other direction stays open (RFC 8446 §6.1 half-close).
    const [, back] = await Promise.all([server.write(bytesFromSeed(9, 20_000)), readExactly(client, 20_000)]);
    expect(Buffer.compare(back, bytesFromSeed(9, 20_000))).toBe(0);
    await server.close();
    expect(await client.read()).toBeNull();
    await client.close();
  });

  // Deno's conn.readable closes the whole socket when it reaches the end of the input; the
  // pipeline's read-ahead can reach it before the application answers the peer's close_notify.
  it("closes cleanly when the peer closed first and the socket went with its read side", async () => {
    const [a, b] = memoryTransportPair();
    let ended = false;
    const likeDeno: Transport = {
      read: async () => {
        const chunk = await b.read();
        if (chunk === null) ended = true;
        return chunk;
      },
      write: (chunk) => (ended ? Promise.reject(new Error("the stream's underlying resource was closed")) : b.write(chunk)),
      closeWrite: () => (ended ? Promise.reject(new Error("the stream's underlying resource was closed")) : (b.closeWrite?.() ?? Promise.resolve())),
      close: () => b.close(),
    };
    const [client, server] = await Promise.all([
      connect(a, clientOptions("p256", { config: { provider: pureProvider } })),
      accept(likeDeno, serverOptions("p256", { config: { provider: web } })),
    ]);
    const data = bytesFromSeed(10, 100_000);
    const reading = (async () => {
      const got: Uint8Array[] = [];
      for (let chunk = await server.read(); chunk !== null; chunk = await server.read()) got.push(chunk);
      return Buffer.concat(got);
    })();
    await client.write(data);
    await client.closeWrite();
    expect(Buffer.compare(await reading, data)).toBe(0);
    await settle();
    // The peer is gone; our close_notify has nowhere to go, and that is not a failure (RFC 8446 §6.1).
    expect(ended).toBe(true);
    await expect(server.closeWrite()).resolves.toBeUndefined();
    await server.close();
    await client.close();
  });
});
