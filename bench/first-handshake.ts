/**
 * memory.{default,low}_first_handshake_bytes: heap plus array buffers retained, after GC, by the
 * first mutual handshake of a process beyond what loading mutls retains: both configurations
 * resolved (PEM parsed, keys checked, trust anchors prepared), the curve tables the handshake
 * builds, caches and pools, and the established pair, all kept. It must run in a fresh process
 * (the curve tables are per process), so bench/lib/memory.ts starts it as a child:
 * `node --expose-gc bench/.out/first-handshake.mjs <default|low> [handshakes]`, which prints
 * `{"retained_bytes", "first_ms", "median_ms"}`: the first handshake's time (tables built
 * included) and the median of the handshakes after it, with the same configurations.
 */
import { benchCredentials } from "./lib/credentials.js";
import { clientConfig, establishedPairFrom, serverConfig, type Pair } from "../test/helpers/pair.js";
import { collect, median, now } from "./lib/stats.js";

function retained(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const profile = process.argv[2];
if (profile !== "default" && profile !== "low") throw new Error(`first-handshake: profile must be default or low, not ${profile}`);
const n = Number(process.argv[3] ?? "10");
if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`first-handshake: bad count ${process.argv[3]}`);

// The PEM text is read before the baseline: it is the application's, not mutls's.
const creds = benchCredentials("p256");
const opts = profile === "low" ? { client: { memoryProfile: "low" as const }, server: { memoryProfile: "low" as const } } : {};
const base = retained();
const client = clientConfig(creds, opts);
const server = serverConfig(creds, opts);
const t0 = now();
const first: Pair = establishedPairFrom(client, server);
const firstMs = now() - t0;
const after = retained();
const samples: number[] = [];
for (let i = 0; i < n; i++) {
  const t = now();
  establishedPairFrom(client, server);
  samples.push(now() - t);
}
if (!first.client.handshakeComplete) throw new Error("unreachable");
process.stdout.write(JSON.stringify({ retained_bytes: after - base, first_ms: firstMs, median_ms: median(samples) }) + "\n");
