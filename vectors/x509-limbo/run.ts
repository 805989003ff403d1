/**
 * `npm run limbo -- INPUT.json OUTPUT.json`: runs the x509-limbo suite through mutls and writes
 * limbo's harness result file; prints the agreement with expected_result.
 * INPUT defaults to ../shared/vectors/x509-limbo.json, else the copy in this directory.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { runLimbo, scoreLimbo, type LimboSuite } from "./harness.js";

const [input, output] = process.argv.slice(2);
const fallback = ["../shared/vectors/x509-limbo.json", "vectors/x509-limbo/x509-limbo.json"].find((p) => existsSync(p));
const inputPath = input ?? fallback;
if (inputPath === undefined) {
  console.error("usage: npm run limbo -- INPUT.json [OUTPUT.json]");
  process.exit(2);
}
const suite = JSON.parse(readFileSync(inputPath, "utf8")) as LimboSuite;
const results = runLimbo(suite);
if (output !== undefined) writeFileSync(output, JSON.stringify(results, null, 2) + "\n");
const score = scoreLimbo(suite, results);
const pct = (n: number) => ((100 * n) / score.total).toFixed(1);
console.log(`x509-limbo: ${score.agree}/${score.total} agree (${pct(score.agree)}%), ${score.disagree} disagree, ${score.skipped} skipped`);
