/**
 * A profiling workload, not a benchmark: `n` in-memory mutual handshakes with P-256 or Ed25519
 * certificates, pure or native provider, for `npm run bench:profile` (node --cpu-prof), whose
 * output bench/cpuprofile-summary.ts condenses into where the time goes.
 * Usage: node --cpu-prof bench/.out/profile-handshake.mjs p256|ed25519 [n] [pure|native]
 */
import { benchCredentials, type BenchKeyType } from "./lib/credentials.js";
import { clientConfig, establishedPairFrom, serverConfig } from "../test/helpers/pair.js";
import { nativeProvider } from "../src/node/index.js";

const type = (process.argv[2] ?? "p256") as BenchKeyType;
const n = Number(process.argv[3] ?? "100");
if (type !== "p256" && type !== "ed25519") throw new Error("usage: profile-handshake.mjs p256|ed25519 [n]");
if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`bad count ${process.argv[3]}`);
const providerName = process.argv[4] ?? "pure";
if (providerName !== "pure" && providerName !== "native") throw new Error(`unknown provider ${providerName}`);
const creds = benchCredentials(type);
const options = providerName === "native" ? { provider: nativeProvider } : {};
// Configs built once, as in bench/lib/handshake.ts: the profile shows per-handshake cost only.
const client = clientConfig(creds, options);
const server = serverConfig(creds, options);
for (let i = 0; i < n; i++) establishedPairFrom(client, server);
