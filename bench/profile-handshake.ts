/**
 * A profiling workload, not a benchmark: `n` in-memory mutual handshakes with P-256 or Ed25519
 * certificates, pure, native or WebCrypto provider, for `npm run bench:profile` (node --cpu-prof),
 * whose output bench/cpuprofile-summary.ts condenses into where the time goes. The WebCrypto
 * provider answers asynchronously, so its handshakes are moved by the tests' async pump
 * (test/helpers/pump.ts), which awaits the engine's `pending` work.
 * Usage: node --cpu-prof bench/.out/profile-handshake.mjs p256|ed25519 [n] [pure|native|webcrypto]
 */
import { benchCredentials, type BenchKeyType } from "./lib/credentials.js";
import { clientConfig, establishedPairFrom, pairFrom, serverConfig } from "../test/helpers/pair.js";
import { pumpMemory } from "../test/helpers/pump.js";
import { nativeProvider } from "../src/node/index.js";
import { webCryptoProvider } from "../src/crypto/webcrypto/index.js";

const type = (process.argv[2] ?? "p256") as BenchKeyType;
const n = Number(process.argv[3] ?? "100");
if (type !== "p256" && type !== "ed25519") throw new Error("usage: profile-handshake.mjs p256|ed25519 [n]");
if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`bad count ${process.argv[3]}`);
const providerName = process.argv[4] ?? "pure";
if (providerName !== "pure" && providerName !== "native" && providerName !== "webcrypto") throw new Error(`unknown provider ${providerName}`);
const creds = benchCredentials(type);
const provider = providerName === "native" ? nativeProvider : providerName === "webcrypto" ? await webCryptoProvider() : undefined;
const options = provider ? { provider } : {};
// Configs built once, as in bench/lib/handshake.ts: the profile shows per-handshake cost only.
const client = clientConfig(creds, options);
const server = serverConfig(creds, options);
for (let i = 0; i < n; i++) {
  if (providerName !== "webcrypto") {
    establishedPairFrom(client, server);
    continue;
  }
  const pair = pairFrom(client, server);
  await pumpMemory(pair.client, pair.server);
  if (!pair.client.handshakeComplete || !pair.server.handshakeComplete) throw new Error(`handshake ${i} did not complete`);
}
