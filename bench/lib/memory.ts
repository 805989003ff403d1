/**
 * memory.{client,server}_idle_bytes: retained memory per idle established connection. `count`
 * pairs are established and kept; after full GCs, V8 heap plus ArrayBuffer backing stores (record
 * buffers live outside the V8 heap) are measured, then measured again after dropping the servers,
 * then after dropping the clients too. Each drop, divided by `count`, is one side's share. Each
 * side's config object is built once and shared by all its connections, as in a real client or
 * server, so what is counted is the connection's own state, not a resolved copy of its
 * configuration.
 *
 * The shares are measured by what is freed, not by growth from a baseline taken before the
 * handshakes: V8 keeps compiling (and keeps the code of) the handshake's functions for hundreds of
 * handshakes, about 2.5 KB per handshake that no connection holds and dropping none frees. Counted
 * from a baseline, it all fell on whichever side was measured first.
 */
import { execFileSync } from "node:child_process";
import type { ClientConnection, ServerConnection } from "../../src/index.js";
import { benchCredentials } from "./credentials.js";
import { type Pair, clientConfig, establishedPairFrom, pump, serverConfig, type PairOptions } from "../../test/helpers/pair.js";
import { collect } from "./stats.js";

/** Pairs established and dropped first, so every lazy table (noble's precomputes) is built. */
const WARM_UP_PAIRS = 20;

function retained(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One application record each way: both directions' cipher state built, the record buffers back in the pool. */
function exchangeData(pair: Pair): void {
  const message = new Uint8Array(64).fill(0x61);
  pair.client.write(message);
  pump(pair);
  if (pair.server.read()?.length !== message.length) throw new Error("memory: the client's record did not arrive");
  pair.server.write(message);
  pump(pair);
  if (pair.client.read()?.length !== message.length) throw new Error("memory: the server's record did not arrive");
}

/**
 * `afterData`: each pair exchanges one record each way before it idles, so what is counted
 * includes the cipher state of both traffic keys (built when the first record needs it).
 */
export function measureIdleMemory(count: number, opts: PairOptions = {}, afterData = false): { client_idle_bytes: number; server_idle_bytes: number } {
  const creds = benchCredentials("p256");
  const client = clientConfig(creds, opts);
  const server = serverConfig(creds, opts);
  const establishedPair = (): Pair => {
    const pair = establishedPairFrom(client, server);
    if (afterData) exchangeData(pair);
    return pair;
  };
  for (let i = 0; i < WARM_UP_PAIRS; i++) establishedPair();
  let clients: ClientConnection[] = [];
  let servers: ServerConnection[] = [];
  for (let i = 0; i < count; i++) {
    const pair = establishedPair();
    clients.push(pair.client);
    servers.push(pair.server);
  }
  const both = retained();
  servers = [];
  const clientsOnly = retained();
  if (clients.length !== count || servers.length !== 0) throw new Error("unreachable");
  clients = [];
  const none = retained();
  if (clients.length !== 0) throw new Error("unreachable");
  return {
    client_idle_bytes: Math.round((clientsOnly - none) / count),
    server_idle_bytes: Math.round((both - clientsOnly) / count),
  };
}

/** What one fresh process retains for its first mutual handshake (bench/first-handshake.ts), and how long handshakes take. */
export interface FirstHandshakeMemory {
  /** Retained beyond module load, under `node --no-lazy --jitless` (mutls's data, not V8's compiled code). */
  retained_bytes: number;
  /** The same under plain `node`: V8's bytecode, feedback and optimized code for what ran included. */
  retained_with_code_bytes: number;
  /** Plain `node`: the first handshake (tables built, code compiled) and the median of those after it. */
  first_ms: number;
  median_ms: number;
}

/**
 * V8 compiles a function's bytecode the first time it runs and keeps it, with feedback and
 * optimized code: about 1.2 MB for everything a first handshake runs, which would count as "retained
 * by the first handshake". `--no-lazy` compiles all of it at module load (before the baseline) and
 * `--jitless` builds no optimized code, so what remains is the data the handshake leaves behind
 * (tables, caches, pools, the configurations and the established pair). On a device running XS the
 * code is precompiled into flash; the data is what costs RAM.
 */
const DATA_ONLY_FLAGS = ["--no-lazy", "--jitless"];

function runFirstHandshake(
  profile: "default" | "low",
  flags: readonly string[],
  handshakes: number,
): { retained_bytes: number; first_ms: number; median_ms: number } {
  const child = new URL("./first-handshake.mjs", import.meta.url).pathname;
  const stdout = execFileSync(process.execPath, ["--expose-gc", ...flags, child, profile, String(handshakes)], {
    encoding: "utf8",
    timeout: 300_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return JSON.parse(stdout) as { retained_bytes: number; first_ms: number; median_ms: number };
}

/** The first mutual handshake of a process with `memoryProfile` set to `profile` on both sides. */
export function measureFirstHandshake(profile: "default" | "low", handshakes: number): FirstHandshakeMemory {
  const data = runFirstHandshake(profile, DATA_ONLY_FLAGS, 1);
  const plain = runFirstHandshake(profile, [], handshakes);
  return { retained_bytes: data.retained_bytes, retained_with_code_bytes: plain.retained_bytes, first_ms: plain.first_ms, median_ms: plain.median_ms };
}
