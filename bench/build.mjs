/**
 * Builds the benchmark entry points with esbuild into bench/.out/ (gitignored), so the suite runs
 * on plain `node` with no TypeScript loader. Dependencies stay external: Node resolves them from
 * node_modules, exactly as a user's program would. bench/records.ts and bench/gc-records.ts are
 * bundled into run.mjs and also built on their own, for their standalone use.
 */
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, ".out");
mkdirSync(out, { recursive: true });

const entries = ["run.ts", "bundles.ts", "chart.ts", "hostile-flights.ts", "handshake-child.ts", "profile-handshake.ts", "cpuprofile-summary.ts", "records.ts", "gc-records.ts", "xs-gate.ts", "memory.ts", "webcrypto.ts", "webcrypto-records-child.ts", "first-handshake.ts", "subtle-trace.ts", "profile-workerd.ts"];

await build({
  entryPoints: entries.map((e) => join(here, e)),
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
