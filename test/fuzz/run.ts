/**
 * `npm run fuzz [-- --seconds N] [-- --target NAME[,NAME]] [-- --seed N] [-- --json FILE]`
 *
 * Runs every fuzz target (test/fuzz/targets.ts) for a time budget (default 60 s each). Inputs are
 * structure-aware mutations of the seed corpus (mutate.ts) and fast-check generators (the
 * mutation arbitraries of test/property plus plain noise). Checked per input: the target's
 * properties (only TLSError with an allowed alert, nothing after a fatal alert, differential
 * equality), bounded time per input byte, bounded memory over the run. A failing input is
 * minimised when that is cheap and saved as test/fuzz-regressions/<target>/<sha256>.bin, which
 * `npm test` replays (test/fuzz-regressions.test.ts). Exit status 1 when any target failed.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import fc from "fast-check";
import { mutated } from "../property/arbitraries.js";
import { mutate } from "./mutate.js";
import { Rng } from "./rng.js";
import { FuzzViolation, type FuzzTarget } from "./target.js";
import { loadTargets } from "./targets.js";

const REGRESSIONS = new URL("../fuzz-regressions/", import.meta.url);
/** Work bound per input: a generous base (this machine is shared and noisy) plus 1 ms per input byte. */
const SLOW_BASE_MS = 1500;
/** Heap growth over a whole target that counts as unbounded memory. */
const MEMORY_LIMIT = 256 * 1024 * 1024;
/** Stop a target after this many distinct failures (the first ones are what matter). */
const MAX_FAILURES = 5;

interface Options {
  seconds: number;
  targets: string[] | null;
  seed: number;
  json: string | null;
  list: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { seconds: 60, targets: null, seed: Date.now() % 2 ** 31, json: null, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--seconds") o.seconds = Number(value());
    else if (a === "--target") o.targets = value().split(",");
    else if (a === "--seed") o.seed = Number(value());
    else if (a === "--json") o.json = value();
    else if (a === "--list") o.list = true;
    else throw new Error(`unknown option ${a} (use --seconds N, --target NAME[,NAME], --seed N, --json FILE, --list)`);
  }
  if (!(o.seconds > 0)) throw new Error("--seconds must be a positive number");
  return o;
}

interface Failure {
  kind: "violation" | "slow" | "memory";
  message: string;
  file: string | null;
}

interface TargetReport {
  name: string;
  executions: number;
  seconds: number;
  failures: Failure[];
}

type Outcome = { kind: "ok" } | { kind: "violation"; message: string } | { kind: "slow"; message: string };

function runOne(target: FuzzTarget, input: Uint8Array): Outcome {
  const start = performance.now();
  try {
    target.run(input);
  } catch (e) {
    // Anything escaping a target is a broken property: targets turn expected refusals into returns.
    const message = e instanceof FuzzViolation ? e.message : `uncaught ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`;
    return { kind: "violation", message };
  }
  const elapsed = performance.now() - start;
  const limit = SLOW_BASE_MS + input.length;
  if (elapsed > limit) {
    // Confirm once: a GC pause or a neighbour's burst should not count.
    const again = performance.now();
    try {
      target.run(input);
    } catch {
      /* reported by the first run's path next time */
    }
    const second = performance.now() - again;
    if (second > limit) return { kind: "slow", message: `${Math.round(Math.min(elapsed, second))} ms for ${input.length} bytes (limit ${limit} ms)` };
  }
  return { kind: "ok" };
}

/** Cheap minimisation: drop halves, then quarters, ... while the same kind of failure remains (bounded). */
function minimise(target: FuzzTarget, input: Uint8Array, kind: Outcome["kind"]): Uint8Array {
  let best = input;
  const deadline = performance.now() + 3000;
  for (let chunk = best.length >> 1; chunk >= 1 && performance.now() < deadline; chunk >>= 1) {
    for (let at = 0; at + chunk <= best.length && performance.now() < deadline; ) {
      const candidate = new Uint8Array(best.length - chunk);
      candidate.set(best.subarray(0, at));
      candidate.set(best.subarray(at + chunk), at);
      if (runOne(target, candidate).kind === kind) best = candidate;
      else at += chunk;
    }
  }
  return best;
}

function save(target: string, input: Uint8Array): string {
  const dir = new URL(`${target}/`, REGRESSIONS);
  mkdirSync(dir, { recursive: true });
  const name = `${createHash("sha256").update(input).digest("hex").slice(0, 16)}.bin`;
  const file = new URL(name, dir);
  if (!existsSync(file)) writeFileSync(file, input);
  return `test/fuzz-regressions/${target}/${name}`;
}

function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** Inputs from fast-check: the property suite's mutation arbitraries over the seeds, and plain noise. */
function fastCheckBatch(seeds: readonly Uint8Array[], seed: number): Uint8Array[] {
  const arbitrary = fc.oneof({ arbitrary: mutated(seeds), weight: 4 }, { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 });
  return fc.sample(arbitrary, { seed, numRuns: 64 });
}

function fuzzTarget(target: FuzzTarget, seconds: number, seed: number): TargetReport {
  const report: TargetReport = { name: target.name, executions: 0, seconds: 0, failures: [] };
  const seen = new Set<string>();
  const record = (input: Uint8Array, outcome: Exclude<Outcome, { kind: "ok" }>) => {
    const key = `${outcome.kind}:${outcome.message.split("\n")[0].replace(/\d+/g, "#")}`;
    if (seen.has(key)) return;
    seen.add(key);
    const small = minimise(target, input, outcome.kind);
    const file = save(target.name, small);
    report.failures.push({ kind: outcome.kind, message: outcome.message, file });
    console.log(`  FAIL ${target.name}: ${outcome.kind}: ${outcome.message.split("\n")[0]}\n       saved ${file} (${small.length} bytes)`);
    // In hex too, so a failure on a machine whose files are gone (CI) can be rebuilt from its log.
    if (small.length <= 4096) console.log(`       input ${createHash("sha256").update(small).digest("hex").slice(0, 16)}: ${Buffer.from(small).toString("hex")}`);
  };
  const baseline = heapUsed();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const rng = new Rng(seed);
  const seeds = target.seeds.length > 0 ? target.seeds : [new Uint8Array(0)];
  // The seeds themselves first: each must hold the properties.
  const queue: Uint8Array[] = [...seeds];
  let batch = 0;
  while (performance.now() < deadline && report.failures.length < MAX_FAILURES) {
    if (queue.length === 0) {
      // 3 parts structure-aware mutation, 1 part fast-check.
      if (rng.below(4) === 0) queue.push(...fastCheckBatch(seeds, seed + batch++));
      else for (let i = 0; i < 64; i++) queue.push(mutate(rng.pick(seeds), rng, seeds));
    }
    const input = queue.pop()!;
    const outcome = runOne(target, input);
    report.executions++;
    if (outcome.kind !== "ok") record(input, outcome);
    if ((report.executions & 255) === 0 && process.memoryUsage().heapUsed - baseline > MEMORY_LIMIT * 2) break;
  }
  report.seconds = (performance.now() - start) / 1000;
  const growth = heapUsed() - baseline;
  if (growth > MEMORY_LIMIT) {
    report.failures.push({ kind: "memory", message: `heap grew by ${Math.round(growth / 2 ** 20)} MiB over the run`, file: null });
    console.log(`  FAIL ${target.name}: heap grew by ${Math.round(growth / 2 ** 20)} MiB`);
  }
  return report;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const all = await loadTargets({ live: true });
  if (options.list) {
    for (const t of all) console.log(`${t.name}\t${t.seeds.length} seeds`);
    return;
  }
  const chosen = options.targets === null ? all : all.filter((t) => options.targets!.includes(t.name));
  const unknown = (options.targets ?? []).filter((n) => !all.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(", ")}; --list shows them`);
  console.log(`fuzz: ${chosen.length} targets, ${options.seconds} s each, seed ${options.seed}`);
  const reports: TargetReport[] = [];
  for (const [i, target] of chosen.entries()) {
    const r = fuzzTarget(target, options.seconds, options.seed + i);
    reports.push(r);
    const status = r.failures.length === 0 ? "ok  " : "FAIL";
    console.log(`${status} ${target.name.padEnd(32)} ${String(r.executions).padStart(9)} execs  ${Math.round(r.executions / r.seconds).toString().padStart(7)}/s  ${target.seeds.length} seeds`);
  }
  const failed = reports.filter((r) => r.failures.length > 0).length;
  const executions = reports.reduce((n, r) => n + r.executions, 0);
  console.log(`fuzz: ${reports.length - failed} targets passed, ${failed} failed, ${executions} executions (seed ${options.seed})`);
  if (options.json) writeFileSync(options.json, JSON.stringify({ passed: reports.length - failed, failed, seed: options.seed, targets: reports }, null, 2));
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 2;
});
