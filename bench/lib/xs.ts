/**
 * xs.*: mutls in Moddable XS (the engine of ESP32 and Raspberry Pi Pico devices), as the `xsnap`
 * host that test/runtimes/lib/xsnap.mjs builds from @agoric/xsnap's C sources.
 *
 * `metered`: XS's own count of what it executed for one mutual P-256 handshake and for 1 MiB of
 * AES-128-GCM records (bench/xs/bench-main.ts). The VM's entropy comes from a fixed seed, so the
 * counts are the same on every run and every machine: a regression signal that CI's noisy clocks
 * cannot give. `timed`: the median handshake in milliseconds, which does vary.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { ensureXsnap, entropyBytes, xsPrelude, xsVersion } from "../../test/runtimes/lib/xsnap.mjs";
import { benchCredentials } from "./credentials.js";
import { median } from "./stats.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUT = fileURLToPath(new URL("../.out/xs/", import.meta.url));
/** The fixed seed of the metered runs' entropy: change it and the baseline changes. */
export const XS_METER_SEED = "mutls xs meter seed 1";
/** Entropy per run: a handshake draws about 600 bytes, and the prelude refuses to reuse any. */
const ENTROPY_PER_HANDSHAKE = 1024;
const RUN_TIMEOUT_MS = 300_000;

export interface XsMetered {
  metered_handshake: number;
  metered_mib_records: number;
}

async function bundleEntry(): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const outfile = `${OUT}bench.js`;
  await build({
    entryPoints: [fileURLToPath(new URL("../xs/bench-main.ts", import.meta.url))],
    outfile,
    bundle: true,
    format: "iife",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2020",
    logLevel: "silent",
  });
  return outfile;
}

async function runInXs(config: Record<string, unknown>, entropy: Uint8Array, log: (line: string) => void): Promise<Record<string, unknown>> {
  const xsnap = ensureXsnap(ROOT, log);
  const bundle = await bundleEntry();
  const prelude = `${OUT}prelude-${String(config.mode)}.js`;
  writeFileSync(prelude, xsPrelude({ ...benchCredentials("p256"), ...config }, entropy));
  const r = spawnSync(xsnap, [prelude, bundle], { encoding: "utf8", timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("RESULT "));
  if (line === undefined)
    throw new Error(`xsnap reported nothing (status ${r.status}, ${r.error?.message ?? ""}): ${(r.stderr || r.stdout || "").slice(-600)}`);
  const report = JSON.parse(line.slice("RESULT ".length)) as Record<string, unknown>;
  if (typeof report.error === "string") throw new Error(`in XS: ${report.error}`);
  return { ...report, xs: xsVersion(xsnap) };
}

/** The metered costs, with the entropy from XS_METER_SEED. */
export async function measureXsMetered(log: (line: string) => void = () => {}): Promise<XsMetered & { xs: string }> {
  const report = await runInXs({ mode: "metered", handshakes: 2 }, entropyBytes(2 * ENTROPY_PER_HANDSHAKE, XS_METER_SEED), log);
  const { metered_handshake, metered_mib_records, xs } = report as unknown as XsMetered & { xs: string };
  if (!(metered_handshake > 0) || !(metered_mib_records > 0)) throw new Error(`the meter read nothing: ${JSON.stringify(report)}`);
  return { metered_handshake, metered_mib_records, xs };
}

/** The median of `n` timed handshakes (after one warm-up), in milliseconds; host entropy. */
export async function measureXsHandshakeMs(n: number, log: (line: string) => void = () => {}): Promise<number> {
  const report = await runInXs({ mode: "timed", handshakes: n }, entropyBytes((n + 1) * ENTROPY_PER_HANDSHAKE), log);
  const samples = report.samples as number[];
  if (!Array.isArray(samples) || samples.length !== n) throw new Error(`XS timed run: ${JSON.stringify(report).slice(0, 300)}`);
  return median(samples);
}
