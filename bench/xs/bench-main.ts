/**
 * Runs inside Moddable XS (xsnap), bundled as one IIFE by bench/lib/xs.ts, after the host's
 * prelude (test/runtimes/lib/xsnap.mjs) set `__config`, `__report` and `crypto.getRandomValues`.
 *
 * - metered: XS counts every bytecode it executes (and some host work) in its meter;
 *   `resetMeter(0, 0)` returns the count so far and starts it again from 0. With the host's
 *   entropy from a fixed seed, key shares and signatures are the same every run, so the counts are
 *   too: one mutual P-256 handshake (configs resolved by a warm-up handshake first, as a
 *   long-lived client or server holds them), and 1 MiB of AES-128-GCM application records (64
 *   records of 16 KiB, client to server, sealed and opened, after one warm-up record).
 * - timed: `__config.handshakes` handshakes timed with performance.now(), after one warm-up.
 */
import { clientConfig, establishedPairFrom, serverConfig, type MutualCredentials, type Pair } from "../../test/helpers/pair.js";

declare const __config: MutualCredentials & { mode: "metered" | "timed"; handshakes: number };
declare function __report(json: string): void;
declare function resetMeter(limit: number, index: number): number;
declare const performance: { now(): number };

const RECORD = 16384;
const MIB_RECORDS = (1024 * 1024) / RECORD;
/** Header, content type and tag around one record (RFC 8446 §5.2). */
const RECORD_OVERHEAD = 5 + 1 + 16;

/** The meter since the last call; the count is an unsigned 32-bit number that xsnap returns signed. */
const meterSinceLast = (): number => resetMeter(0, 0) >>> 0;

const opts = { cipherSuites: ["TLS_AES_128_GCM_SHA256" as const] };
const client = clientConfig(__config, opts);
const server = serverConfig(__config, opts);
const handshake = (): Pair => establishedPairFrom(client, server);

/** One 16 KiB record, client to server, through the allocation-free calls. Returns the bytes read. */
function sendRecord(pair: Pair, data: Uint8Array, wire: Uint8Array, sink: Uint8Array): number {
  pair.client.write(data);
  for (let n = pair.client.takeOutputInto(wire); n > 0; n = pair.client.takeOutputInto(wire)) pair.server.receive(wire, 0, n);
  let read = 0;
  for (let n = pair.server.readInto(sink); n > 0; n = pair.server.readInto(sink)) read += n;
  return read;
}

function metered(): Record<string, number> {
  handshake(); // resolves both configs
  meterSinceLast();
  const pair = handshake();
  const handshakeSteps = meterSinceLast();
  const data = new Uint8Array(RECORD);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
  const wire = new Uint8Array(RECORD + RECORD_OVERHEAD);
  const sink = new Uint8Array(RECORD);
  sendRecord(pair, data, wire, sink); // the first record of a key
  let recordSteps = 0;
  let bytes = 0;
  meterSinceLast();
  for (let i = 0; i < MIB_RECORDS; i++) {
    bytes += sendRecord(pair, data, wire, sink);
    // Read per record, so the 32-bit counter cannot wrap.
    recordSteps += meterSinceLast();
  }
  if (bytes !== MIB_RECORDS * RECORD) throw new Error(`records: ${bytes} bytes arrived, expected ${MIB_RECORDS * RECORD}`);
  return { metered_handshake: handshakeSteps, metered_mib_records: recordSteps };
}

function timed(): Record<string, number[]> {
  handshake();
  const samples: number[] = [];
  for (let i = 0; i < __config.handshakes; i++) {
    const t0 = performance.now();
    handshake();
    samples.push(performance.now() - t0);
  }
  return { samples };
}

try {
  __report(JSON.stringify(__config.mode === "metered" ? metered() : timed()));
} catch (e) {
  __report(JSON.stringify({ error: String(e instanceof Error ? `${e.message} ${e.stack ?? ""}` : e) }));
}
