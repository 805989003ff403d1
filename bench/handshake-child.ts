/**
 * Runs `n` in-memory mutual handshakes (pure provider, P-256 certificates) and prints
 * `{"median_ms": x}`. run.ts starts it under `node --jitless` (interpreters.jitless_handshake_ms):
 * the cost of the engine where no JIT is allowed (iOS-like sandboxes, some edge runtimes).
 */
import { benchCredentials } from "./lib/credentials.js";
import { establishedPair } from "../test/helpers/pair.js";
import { median, now } from "./lib/stats.js";

const n = Number(process.argv[2] ?? "5");
if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`handshake-child: bad count ${process.argv[2]}`);
const creds = benchCredentials("p256");
establishedPair(creds); // warm-up: lazy tables and parsing caches
const samples: number[] = [];
for (let i = 0; i < n; i++) {
  const t0 = now();
  establishedPair(creds);
  samples.push(now() - t0);
}
process.stdout.write(JSON.stringify({ median_ms: median(samples), samples }) + "\n");
