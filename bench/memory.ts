/**
 * memory.*: retained memory per idle established connection (bench/lib/memory.ts), for the default
 * suites, record_size_limit 512 and each suite alone, as run.ts measures them, also after one record
 * each way; then what the first handshake of a fresh process retains with each memoryProfile.
 *
 * Standalone: `npm run bench:memory [-- pairs]` (needs node --expose-gc, which the script passes).
 */
import { measureFirstHandshake, measureIdleMemory } from "./lib/memory.js";

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

if (/(^|[\\/])memory\.mjs$/.test(process.argv[1] ?? "")) {
  const pairs = Number(process.argv[2] ?? "100");
  const show = (what: string, m: { client_idle_bytes: number; server_idle_bytes: number }): void => {
    process.stdout.write(`${what}: client ${kib(m.client_idle_bytes)}, server ${kib(m.server_idle_bytes)}\n`);
  };
  show("default", measureIdleMemory(pairs));
  const rsl512 = { client: { recordSizeLimit: 512 }, server: { recordSizeLimit: 512 } };
  show("record_size_limit 512", measureIdleMemory(pairs, rsl512));
  for (const suite of SUITES) show(suite, measureIdleMemory(pairs, { client: { cipherSuites: [suite] }, server: { cipherSuites: [suite] } }));
  // After one record each way the cipher state of both keys exists (it is built on first use).
  for (const suite of SUITES)
    show(`${suite}, after one record each way`, measureIdleMemory(pairs, { client: { cipherSuites: [suite] }, server: { cipherSuites: [suite] } }, true));
  show("record_size_limit 512, after one record each way", measureIdleMemory(pairs, rsl512, true));
  for (const profile of ["default", "low"] as const) {
    const f = measureFirstHandshake(profile, 20);
    process.stdout.write(
      `first mutual handshake, memoryProfile ${profile}: retains ${kib(f.retained_bytes)} beyond module load ` +
        `(${kib(f.retained_with_code_bytes)} with V8's compiled code); first ${f.first_ms.toFixed(0)} ms, then ${f.median_ms.toFixed(1)} ms median\n`,
    );
  }
}
