/**
 * Record-layer throughput through an established mutls pair (pure provider): the application
 * writes a record's worth of data, the client seals it into its output buffer, the bytes move to
 * the server, which opens them in place and hands them to the application. Every step uses the
 * allocation-free calls (`write`, `takeOutputInto`, `receive(buf, offset, length)`, `readInto`),
 * so what is measured is sealing, opening and framing, not the garbage collector.
 *
 * MB = 10^6 application bytes per second, each byte sealed once and opened once, the same unit as
 * bench/lib/record-baselines.ts uses for noble's one-shot AEADs and node:crypto.
 *
 * Standalone: `node bench/.out/records.mjs [mib]` prints a table for every suite and size, and
 * AES-128-GCM with the opt-in 64 KiB GHASH tables.
 */
import { benchCredentials } from "./lib/credentials.js";
import { establishedPair, type Pair } from "../test/helpers/pair.js";
import { now } from "./lib/stats.js";
import { createPureProvider, type CryptoProvider } from "../src/index.js";

type Suite = "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256";
const SUITES: readonly Suite[] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/** Header, content type byte and tag around at most 2^14 bytes of content (RFC 8446 §5.2). */
const RECORD_OVERHEAD = 5 + 1 + 16;

/** Buffers the application owns, sized once for `recordSize`-byte writes. */
export interface RecordPath {
  readonly pair: Pair;
  readonly data: Uint8Array;
  readonly wire: Uint8Array;
  readonly sink: Uint8Array;
}

export function recordPath(suite: string, recordSize: number, provider?: CryptoProvider): RecordPath {
  if (!(SUITES as readonly string[]).includes(suite)) throw new Error(`unknown suite ${suite}`);
  if (!Number.isInteger(recordSize) || recordSize < 1 || recordSize > 1 << 14) throw new Error(`record size must be 1..16384, not ${recordSize}`);
  const pair = establishedPair(benchCredentials("p256"), { cipherSuites: [suite as Suite], ...(provider ? { provider } : {}) });
  const data = new Uint8Array(recordSize);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  return { pair, data, wire: new Uint8Array(recordSize + RECORD_OVERHEAD), sink: new Uint8Array(recordSize) };
}

/**
 * One record from `from` to `to`: seal, move the bytes, open, read. Returns the application bytes
 * read, so a caller can check nothing was lost. Bounded: each loop ends when its buffer is empty.
 */
export function sendOneRecord(path: RecordPath, fromClient: boolean): number {
  const from = fromClient ? path.pair.client : path.pair.server;
  const to = fromClient ? path.pair.server : path.pair.client;
  from.write(path.data);
  for (let n = from.takeOutputInto(path.wire); n > 0; n = from.takeOutputInto(path.wire)) to.receive(path.wire, 0, n);
  let read = 0;
  for (let n = to.readInto(path.sink); n > 0; n = to.readInto(path.sink)) read += n;
  return read;
}

/**
 * Runs records until the JIT has had time to optimise the whole path (at least 256 records and
 * 300 ms, at most 20,000 records), so the timed part measures steady state. Not timed.
 */
export function warmUp(path: RecordPath): void {
  const start = now();
  for (let i = 0; i < 20_000 && (i < 256 || now() - start < 300); i++) sendOneRecord(path, (i & 1) === 0);
}

/** MB/s of application data sealed and opened through an established pair, client to server. */
export function measureRecordThroughput(suite: string, recordSize: number, mib: number, provider?: CryptoProvider): number {
  const path = recordPath(suite, recordSize, provider);
  const records = Math.max(16, Math.ceil((mib * 1024 * 1024) / recordSize));
  warmUp(path);
  let bytes = 0;
  const t0 = now();
  for (let i = 0; i < records; i++) bytes += sendOneRecord(path, true);
  const seconds = (now() - t0) / 1000;
  if (bytes !== records * recordSize) throw new Error(`records: ${bytes} bytes arrived, expected ${records * recordSize}`);
  return bytes / 1e6 / seconds;
}

if (/(^|[\\/])records\.mjs$/.test(process.argv[1] ?? "")) {
  const mib = Number(process.argv[2] ?? "8");
  for (const suite of SUITES) {
    for (const size of [64, 1024, 16384]) {
      const mbps = measureRecordThroughput(suite, size, size === 64 ? mib / 8 : mib);
      process.stdout.write(`${suite} @${size}: ${mbps.toFixed(1)} MB/s\n`);
    }
  }
  // The opt-in 64 KiB GHASH tables (createPureProvider({ gcmTables: "large" })), for comparison.
  const large = createPureProvider({ gcmTables: "large" });
  for (const size of [1024, 16384]) {
    const mbps = measureRecordThroughput("TLS_AES_128_GCM_SHA256", size, mib, large);
    process.stdout.write(`TLS_AES_128_GCM_SHA256 with 64 KiB GHASH tables @${size}: ${mbps.toFixed(1)} MB/s\n`);
  }
}
