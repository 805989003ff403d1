/**
 * webcrypto.workerd: mutual P-256 handshakes inside workerd (Cloudflare's Workers runtime, the npm
 * package the runtime matrix installs under test/runtimes/), WebCrypto provider against pure.
 *
 * workerd freezes a Worker's clocks while it computes, so each request is timed from here: one
 * request runs `perRequest` handshakes with one provider (bench/workerd/handshake-worker.ts), and
 * an empty request (`n=0`) measures what the request itself costs. Rounds interleave the three
 * in ABBA order; the figure per provider is (median request - median empty request) / perRequest,
 * and the ratio WebCrypto / pure is the median over rounds of each round's own ratio, (WebCrypto
 * request - empty request) / (pure request - empty request), so a change of machine speed between
 * rounds hits both sides of each ratio alike.
 * The Worker runs under the matrix's own config (test/runtimes/entries/workerd/config.capnp.template)
 * on a loopback port picked here; the workerd process group is killed when the measure ends.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { freePort, killGroup } from "../../test/runtimes/lib/processes.mjs";
import { benchCredentials } from "./credentials.js";
import { readPackageVersion } from "./interpreters.js";
import { median, now, round } from "./stats.js";

const RUNTIMES = new URL("../../test/runtimes/", import.meta.url);
const WORKERD = fileURLToPath(new URL("node_modules/.bin/workerd", RUNTIMES));
const TEMPLATE = new URL("entries/workerd/config.capnp.template", RUNTIMES);
const OUT = fileURLToPath(new URL("../.out/workerd/", import.meta.url));
/** The bundled Worker, for tools that map its lines back to sources (bench/profile-workerd.ts). */
export const WORKER_BUNDLE = `${OUT}worker.js`;
const REQUEST_TIMEOUT_MS = 120_000;

/** What `npm run bench` (full) and `npm run bench:webcrypto` measure. */
export const WORKERD_PLAN_FULL = { rounds: 12, perRequest: 8 } as const;
export const WORKERD_PLAN_QUICK = { rounds: 5, perRequest: 4 } as const;
const START_POLLS = 300;

export interface WorkerdHandshakeFigures {
  /** Per handshake, the request's own cost taken out. */
  webcrypto_ms: number;
  pure_ms: number;
  /** Median of the per-round ratios (each round's requests, the round's empty request taken out). */
  webcrypto_vs_pure: number;
  /** Median of the empty requests. */
  request_ms: number;
  handshakes_per_request: number;
  rounds: number;
  /** What webCryptoProvider() found native in workerd's crypto.subtle. */
  native: readonly string[];
  workerd: string | null;
}

export function workerdAvailable(): boolean {
  return existsSync(WORKERD);
}

export async function bundleWorker(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [fileURLToPath(new URL("../workerd/handshake-worker.ts", import.meta.url))],
    outfile: `${OUT}worker.js`,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    define: { __CREDENTIALS__: JSON.stringify(benchCredentials("p256")) },
    logLevel: "silent",
  });
  // The matrix's config embeds a config.json module beside the Worker; this Worker needs none.
  writeFileSync(`${OUT}config.json`, "{}");
}

interface Answer {
  n: number;
  native?: string[];
  error?: string;
}

export async function ask(port: number, query: string): Promise<{ ms: number; answer: Answer }> {
  const t0 = now();
  const response = await fetch(`http://127.0.0.1:${port}/?${query}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const answer = (await response.json()) as Answer;
  const ms = now() - t0;
  if (!response.ok || answer.error !== undefined) throw new Error(`the Worker failed: ${answer.error ?? response.status}`);
  return { ms, answer };
}

/**
 * Starts workerd on a free port (3 attempts: the port may be taken between picking and binding);
 * `extraArgs` go to `workerd serve` (bench/profile-workerd.ts passes its inspector address).
 */
export async function startWorkerd(extraArgs: readonly string[] = []): Promise<{ port: number; stop: () => void }> {
  const template = readFileSync(TEMPLATE, "utf8");
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    writeFileSync(`${OUT}config.capnp`, template.split("@PORT@").join(String(port)));
    const child = spawn(WORKERD, ["serve", "config.capnp", ...extraArgs], { cwd: OUT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    let exited = false;
    child.on("close", () => (exited = true));
    const stop = (): void => killGroup(child.pid, "SIGKILL");
    for (let i = 0; i < START_POLLS && !exited; i++) {
      try {
        await ask(port, "n=0");
        return { port, stop };
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code !== "ECONNREFUSED") {
          stop();
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    stop();
    if (!/address already in use/i.test(output)) throw new Error(`workerd did not serve: ${output.trim().slice(-500)}`);
  }
  throw new Error("workerd could not bind a loopback port in 3 attempts");
}

export async function measureWorkerdHandshakes(rounds: number, perRequest: number): Promise<WorkerdHandshakeFigures> {
  await bundleWorker();
  const { port, stop } = await startWorkerd();
  try {
    // Warm-up: detection, config resolution and the JIT, for both providers.
    const first = await ask(port, "provider=webcrypto&n=2");
    await ask(port, "provider=pure&n=2");
    const samples = { empty: [] as number[], webcrypto: [] as number[], pure: [] as number[] };
    const queries = { empty: "n=0", webcrypto: `provider=webcrypto&n=${perRequest}`, pure: `provider=pure&n=${perRequest}` };
    const order = ["empty", "webcrypto", "pure"] as const;
    for (let r = 0; r < rounds; r++) {
      for (const kind of r % 2 === 0 ? order : [...order].reverse()) samples[kind].push((await ask(port, queries[kind])).ms);
    }
    const request = median(samples.empty);
    const perRound = samples.empty.map((empty, r) => (samples.webcrypto[r] - empty) / (samples.pure[r] - empty));
    return {
      webcrypto_ms: (median(samples.webcrypto) - request) / perRequest,
      pure_ms: (median(samples.pure) - request) / perRequest,
      webcrypto_vs_pure: round(median(perRound)),
      request_ms: request,
      handshakes_per_request: perRequest,
      rounds,
      native: first.answer.native ?? [],
      workerd: readPackageVersion("workerd"),
    };
  } finally {
    stop();
  }
}
