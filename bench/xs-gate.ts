/**
 * `npm run bench:xs-gate [-- --update]`: CI's regression gate on cost, not time. It measures, in
 * Moddable XS, the metered cost of one mutual P-256 handshake and of 1 MiB of AES-128-GCM records
 * (bench/lib/xs.ts), twice, and fails when the two runs differ (the count must be deterministic)
 * or when either cost is more than 5% above bench/xs-meter-baseline.json. It prints both numbers.
 *
 * A change that costs more on purpose updates the baseline with `--update` and commits it, saying
 * why in the commit message; so does a change that makes either cost clearly cheaper, so the gate
 * keeps the gain. A new XS (the @agoric/xsnap version) or a new seed changes the counts too: the
 * baseline records both, and the gate refuses to compare across either.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { XS_METER_SEED, measureXsMetered, type XsMetered } from "./lib/xs.js";

const BASELINE = new URL("../xs-meter-baseline.json", import.meta.url);
/** At most 5% more expensive than the baseline. */
const TOLERANCE = 1.05;

interface Baseline extends XsMetered {
  xs: string;
  seed: string;
  note: string;
}

const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const first = await measureXsMetered(log);
  const second = await measureXsMetered(log);
  if (first.metered_handshake !== second.metered_handshake || first.metered_mib_records !== second.metered_mib_records) {
    log(`FAIL xs-gate: the meter is not deterministic: ${JSON.stringify(first)} then ${JSON.stringify(second)}`);
    return 1;
  }
  if (process.argv.includes("--update")) {
    const baseline: Baseline = {
      xs: first.xs,
      seed: XS_METER_SEED,
      metered_handshake: first.metered_handshake,
      metered_mib_records: first.metered_mib_records,
      note: "Written by `npm run bench:xs-gate -- --update`. The gate fails when either cost is more than 5% above these.",
    };
    writeFileSync(BASELINE, JSON.stringify(baseline, null, 2) + "\n");
    log(`wrote bench/xs-meter-baseline.json: handshake ${first.metered_handshake}, 1 MiB of records ${first.metered_mib_records} (${first.xs})`);
    return 0;
  }
  const baseline = JSON.parse(readFileSync(BASELINE, "utf8")) as Baseline;
  if (baseline.xs !== first.xs || baseline.seed !== XS_METER_SEED) {
    log(
      `FAIL xs-gate: the baseline was taken with ${baseline.xs} and seed "${baseline.seed}", this run uses ${first.xs} and "${XS_METER_SEED}"; update it on purpose (npm run bench:xs-gate -- --update)`,
    );
    return 1;
  }
  let failed = false;
  for (const [name, key] of [
    ["mutual handshake", "metered_handshake"],
    ["1 MiB of AES-128-GCM records", "metered_mib_records"],
  ] as const) {
    const ratio = first[key] / baseline[key];
    const over = ratio > TOLERANCE;
    failed ||= over;
    log(
      `${over ? "FAIL" : "ok  "} xs.${key} (${name}): ${first[key]} metered steps, baseline ${baseline[key]}, ${ratio >= 1 ? "+" : ""}${((ratio - 1) * 100).toFixed(2)}% (limit +5%)`,
    );
  }
  log(failed ? "FAIL xs-gate: a metered cost grew more than 5% over bench/xs-meter-baseline.json" : `PASS xs-gate (${first.xs})`);
  return failed ? 1 : 0;
}

main().then(
  (status) => (process.exitCode = status),
  (e: unknown) => {
    log(`FAIL xs-gate: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
