/**
 * The mutual P-256 handshake over loopback TCP (both sides in one process, as bench/lib/tcp.ts
 * measures the `webcrypto.p256_*` targets), this checkout against an earlier commit, on the
 * WebCrypto and the pure provider, in ONE process: both builds are bundled beside each other and
 * their samplers run in turns (ABBA order, round after round), so drift on a shared machine hits
 * both sides of each per-round ratio alike. Reports medians and the medians of per-round ratios.
 *
 * `node bench/ab-webcrypto-handshake.mjs <ref> [rounds] [handshakes per round] [--no-pure]`
 * (--no-pure: the WebCrypto provider only, so rounds are short and drift within one is small).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2).filter((a) => a !== "--no-pure");
const withPure = !process.argv.includes("--no-pure");
const ref = args[0];
const rounds = Number(args[1] ?? "8");
const perRound = Number(args[2] ?? "20");
if (ref === undefined || !Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(perRound) || perRound < 1) {
  process.stderr.write("usage: node bench/ab-webcrypto-handshake.mjs <ref> [rounds] [handshakes per round]\n");
  process.exit(2);
}

const git = (...args) => execFileSync("git", args, { cwd: here, encoding: "utf8" }).trim();
const sha = git("rev-parse", "--verify", `${ref}^{commit}`);
const other = join(here, "node_modules", ".cache", "mutls", `ab-${sha.slice(0, 12)}`);
const out = join(here, "bench", ".out");

/** Bundles `dir`'s sampler and providers into bench/.out (so both builds share these node_modules). */
async function bundle(dir, name) {
  const file = join(out, `ab-${name}.mjs`);
  await build({
    stdin: {
      contents: [
        `export { sampleMutlsTcp } from ${JSON.stringify(join(dir, "bench/lib/tcp.ts"))};`,
        `export { webCryptoProvider } from ${JSON.stringify(join(dir, "src/crypto/webcrypto/index.ts"))};`,
        `export { pureProvider } from ${JSON.stringify(join(dir, "src/crypto/pure.ts"))};`,
      ].join("\n"),
      resolveDir: dir,
      loader: "ts",
    },
    outfile: file,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return import(pathToFileURL(file).href);
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
  mkdirSync(out, { recursive: true });
  const builds = { this: await bundle(here, "this"), ref: await bundle(other, "ref") };
  const providers = {};
  for (const [name, b] of Object.entries(builds)) providers[name] = { webcrypto: await b.webCryptoProvider(), pure: b.pureProvider };
  const samplers = [];
  for (const name of ["this", "ref"]) {
    for (const kind of withPure ? ["webcrypto", "pure"] : ["webcrypto"]) {
      const count = kind === "pure" ? Math.max(1, Math.round(perRound / 3)) : perRound;
      samplers.push({ key: `${name} ${kind}`, run: (warmup) => builds[name].sampleMutlsTcp("p256", providers[name][kind], count, warmup) });
    }
  }
  const medians = Object.fromEntries(samplers.map((s) => [s.key, []]));
  /** CPU time (all threads: main and libuv's pool) per handshake pair, less sensitive than wall time to other load. */
  const cpu = Object.fromEntries(samplers.map((s) => [s.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const s of round % 2 === 0 ? samplers : [...samplers].reverse()) {
      const warmup = round === 0 ? 5 : 1;
      const before = process.cpuUsage();
      const samples = await s.run(warmup);
      const used = process.cpuUsage(before);
      medians[s.key].push(median(samples));
      cpu[s.key].push((used.user + used.system) / 1000 / (samples.length + warmup));
    }
    const r = (k) => (medians[k] ? medians[k][round].toFixed(2) : "-");
    process.stderr.write(`round ${round + 1}/${rounds}: this ${r("this webcrypto")}/${r("this pure")} ms, ref ${r("ref webcrypto")}/${r("ref pure")} ms\n`);
  }
  const ratio = (a, b) => median(medians[a].map((x, i) => x / medians[b][i])).toFixed(3);
  process.stdout.write(`this ${git("rev-parse", "--short", "HEAD")} (+ working tree) against ${sha.slice(0, 12)} (${ref}), ${rounds} rounds of ${perRound}\n`);
  for (const key of Object.keys(medians)) process.stdout.write(`${key.padEnd(15)} median ${median(medians[key]).toFixed(3)} ms\n`);
  process.stdout.write(`webcrypto this/ref ${ratio("this webcrypto", "ref webcrypto")} (below 1 is faster)\n`);
  const cpuRatio = (a, b) => median(cpu[a].map((x, i) => x / cpu[b][i])).toFixed(3);
  const cpuMs = (k) => median(cpu[k]).toFixed(3);
  process.stdout.write(
    `webcrypto CPU ms per handshake pair: this ${cpuMs("this webcrypto")}, ref ${cpuMs("ref webcrypto")}, this/ref ${cpuRatio("this webcrypto", "ref webcrypto")}\n`,
  );
  if (withPure) {
    process.stdout.write(`pure this/ref ${ratio("this pure", "ref pure")}\n`);
    process.stdout.write(`webcrypto/pure: this ${ratio("this webcrypto", "this pure")}   ref ${ratio("ref webcrypto", "ref pure")}\n`);
  }
} finally {
  if (existsSync(other)) git("worktree", "remove", "--force", other);
}
