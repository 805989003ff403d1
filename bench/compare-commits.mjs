/**
 * Handshake and record cost of this checkout against an earlier commit, measured in one run:
 * `node bench/compare-commits.mjs <ref> [rounds]`.
 *
 * A shared machine drifts by tens of percent within minutes, so two bench runs taken apart say
 * little about a change. Here both builds run in turns (ABBA order, round after round), each
 * measurement in a fresh child process, and what is reported is the median over rounds of the
 * per-round ratio this/ref: drift that hits one round hits both sides of its ratio alike.
 *
 * The earlier commit is checked out into a temporary git worktree beside node_modules/.cache,
 * its bench built there with its own bench/build.mjs, and the worktree removed at the end. Both
 * sides use the same installed dependencies. It uses the two standalone benches every commit
 * since the benchmark issue carries: bench/handshake-child (median of n in-memory mutual P-256
 * handshakes, pure provider) and bench/records (MB/s per suite and record size).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ref = process.argv[2];
const rounds = Number(process.argv[3] ?? "6");
if (ref === undefined || !Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
  process.stderr.write("usage: node bench/compare-commits.mjs <ref> [rounds 1..50]\n");
  process.exit(2);
}

const git = (...args) => execFileSync("git", args, { cwd: here, encoding: "utf8" }).trim();
const sha = git("rev-parse", "--verify", `${ref}^{commit}`);
const headSha = git("rev-parse", "HEAD");
const other = join(here, "node_modules", ".cache", "mutls", `compare-${sha.slice(0, 12)}`);

function build(dir) {
  execFileSync(process.execPath, [join(dir, "bench", "build.mjs")], { cwd: dir, stdio: "inherit" });
}

function handshakeMs(dir) {
  const out = execFileSync(process.execPath, [join(dir, "bench", ".out", "handshake-child.mjs"), "30"], { cwd: dir, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").pop()).median_ms;
}

/** `suite @size` → MB/s, from records.mjs's table. */
function recordsMBps(dir) {
  const out = execFileSync(process.execPath, [join(dir, "bench", ".out", "records.mjs"), "4"], { cwd: dir, encoding: "utf8" });
  const rates = new Map();
  for (const line of out.split("\n")) {
    const m = /^(TLS_\w+)( with 64 KiB GHASH tables)? @(\d+): ([\d.]+) MB\/s$/.exec(line.trim());
    if (m) rates.set(`${m[1]}${m[2] ? " (64 KiB tables)" : ""} @${m[3]}`, Number(m[4]));
  }
  return rates;
}

function measure(dir) {
  return { handshake: handshakeMs(dir), records: recordsMBps(dir) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

try {
  if (!existsSync(other)) {
    mkdirSync(dirname(other), { recursive: true });
    git("worktree", "add", "--detach", other, sha);
    symlinkSync(join(here, "node_modules"), join(other, "node_modules"), "dir");
  }
  build(here);
  build(other);
  /** Per round: this/ref for the handshake time (lower is better) and each record rate (higher is better). */
  const handshakeRatios = [];
  const recordRatios = new Map();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [here, other] : [other, here];
    const [first, second] = order.map(measure);
    const [mine, theirs] = order[0] === here ? [first, second] : [second, first];
    handshakeRatios.push(mine.handshake / theirs.handshake);
    for (const [key, rate] of mine.records) {
      // Before the compact GHASH became the default (issue 15), AES-GCM used the 64 KiB tables:
      // the opt-in large-table line of this checkout then compares with the ref's default line.
      const before = theirs.records.get(key) ?? theirs.records.get(key.replace(" (64 KiB tables)", ""));
      if (before === undefined) continue;
      if (!recordRatios.has(key)) recordRatios.set(key, []);
      recordRatios.get(key).push(rate / before);
    }
    process.stderr.write(`round ${round + 1}/${rounds}: handshake ${mine.handshake.toFixed(2)} ms vs ${theirs.handshake.toFixed(2)} ms\n`);
  }
  process.stdout.write(`HEAD ${headSha.slice(0, 12)} against ${sha.slice(0, 12)} (${ref}), ${rounds} rounds, medians of per-round ratios\n`);
  process.stdout.write(`handshake time (p256, mutual, pure)   this/ref ${median(handshakeRatios).toFixed(3)}  (below 1 is faster)\n`);
  for (const [key, ratios] of recordRatios) {
    process.stdout.write(`records ${key.padEnd(34)} this/ref ${median(ratios).toFixed(3)}  (above 1 is faster)\n`);
  }
} finally {
  if (existsSync(other)) git("worktree", "remove", "--force", other);
}
