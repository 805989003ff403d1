/**
 * `npm run bench:bundle`: only the bundle section of the bench. Measures the bench/bundle/ entries
 * as run.ts does, replaces `bundle` in bench/results/latest.json and re-evaluates the targets
 * there, leaving every other figure as the last full run wrote it.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { measureBundles } from "./lib/bundle-size.js";
import type { BenchResults } from "./lib/results.js";
import { evaluateTargets, formatLimit, formatValue } from "./lib/targets.js";

const LATEST = new URL("./results/latest.json", new URL("../", import.meta.url));

const report = await measureBundles();
const results = JSON.parse(readFileSync(LATEST, "utf8")) as BenchResults & { targets: unknown };
results.bundle = { ...report.sizes, breakdown: report.breakdown };
results.targets = evaluateTargets(results);
const tmp = new URL("latest.json.tmp", LATEST);
writeFileSync(tmp, JSON.stringify(results, null, 2) + "\n");
renameSync(tmp, LATEST);

for (const [entry, bytes] of Object.entries(report.sizes)) process.stdout.write(`${entry.padEnd(32)} ${bytes} B\n`);
for (const t of evaluateTargets(results).filter((t) => t.id.startsWith("bundle."))) {
  process.stdout.write(`${t.id.padEnd(32)} ${formatValue(t)} (limit ${formatLimit(t)}) ${t.met === null ? "reported" : t.met ? "met" : "NOT met"}\n`);
}
for (const [entry, inputs] of Object.entries(report.breakdown)) {
  process.stdout.write(
    `${entry}: ${Object.entries(inputs)
      .map(([origin, bytes]) => `${origin} ${bytes}`)
      .join(", ")}\n`,
  );
}
