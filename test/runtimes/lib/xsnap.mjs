/**
 * Moddable XS for the runtime matrix (run.mjs) and the metered bench (bench/lib/xs.ts).
 *
 * The devDependency @agoric/xsnap ships XS's C sources (moddable/xs/) and the makefile of its
 * command-line host, `xsnap`. Its own install script (which builds with yarn) never runs: npm
 * blocks dependency install scripts unless they are approved, and this project does not approve
 * it. Instead ensureXsnap() builds the host with gcc and make, once per package version, into
 * node_modules/.cache/mutls/xsnap/<version>/ and reuses the binary from then on.
 *
 * xsnap runs script files in one XS machine and offers `print`, `performance.now()`, TextEncoder,
 * TextDecoder, setImmediate and the meter (`resetMeter(limit, index)` returns the number of
 * metered steps so far and sets the counter to `index`). It has no entropy source, so
 * xsPrelude() writes a script that supplies `crypto.getRandomValues` from bytes the host drew.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Bound on one build of xsnap (about 30 s on 2 cores). */
const BUILD_TIMEOUT_MS = 600_000;

/** The @agoric/xsnap package folder, resolved from the repository root. */
function xsnapPackage(root) {
  const require = createRequire(join(root, "package.json"));
  return dirname(require.resolve("@agoric/xsnap/package.json"));
}

/** Where the binary for the installed package version lives. */
export function xsnapBinaryPath(root) {
  const pkg = xsnapPackage(root);
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
  return join(root, "node_modules/.cache/mutls/xsnap", version, "bin/lin/release/xsnap");
}

/**
 * The path of a built `xsnap`, building it first when it is missing. `log` hears one line when a
 * build starts. Throws with the compiler's last lines when the build fails.
 */
export function ensureXsnap(root, log = () => {}) {
  const binary = xsnapBinaryPath(root);
  if (existsSync(binary)) return binary;
  if (process.platform !== "linux") throw new Error(`xsnap is built here with its Linux makefile only, not on ${process.platform}`);
  for (const tool of ["make", "cc"]) {
    if (spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0)
      throw new Error(`building xsnap needs ${tool}; install it with: apt-get install -y gcc make`);
  }
  const pkg = xsnapPackage(root);
  // The build folder sits beside the final one; a build that stops half-way leaves no binary at
  // `binary`, because the link step writes to the build folder and the rename comes last.
  const buildDir = join(dirname(dirname(dirname(dirname(binary)))), "build");
  log(`building Moddable XS (xsnap) from ${pkg} into ${buildDir} ...`);
  const make = spawnSync("make", ["-j2", "-f", "xsnap.mk", `MODDABLE=${join(pkg, "moddable")}`, `BUILD_DIR=${buildDir}`, "GOAL=release"], {
    cwd: join(pkg, "xsnap-native/xsnap/makefiles/lin"),
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: BUILD_TIMEOUT_MS,
  });
  const built = join(buildDir, "bin/lin/release/xsnap");
  if (make.status !== 0 || !existsSync(built)) {
    throw new Error(`building xsnap failed: ${(make.stderr || make.stdout || String(make.error)).trim().slice(-800)}`);
  }
  mkdirSync(dirname(binary), { recursive: true });
  renameSync(built, binary);
  return binary;
}

/** "XS 11.x.y" as the binary reports it. */
export function xsVersion(binary) {
  const r = spawnSync(binary, ["-v"], { encoding: "utf8", timeout: 10_000 });
  return (r.stdout ?? "").trim().split("\n")[0] || "XS (version unknown)";
}

/**
 * Bytes for the VM's `crypto.getRandomValues`: the host's own entropy, or, given a seed, the same
 * bytes every run (SHA-256 of the seed and a 32-bit counter), which makes metered runs repeatable.
 */
export function entropyBytes(length, seed = null) {
  if (seed === null) return randomBytes(length);
  const blocks = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    const block = Buffer.alloc(4);
    block.writeUInt32BE(counter);
    blocks.push(createHash("sha256").update(seed).update(block).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/**
 * A script to run before a bundle in xsnap: it sets `__config`, a `__report(json)` that prints
 * `RESULT <json>` (the line runEntry in processes.mjs reads, with what the VM offers added as
 * `hostApis`), and `crypto.getRandomValues` drawing from `entropy` in order, as an embedded
 * device's would draw from its RNG. It throws when the bytes run out instead of repeating them.
 */
export function xsPrelude(config, entropy) {
  return `globalThis.__config = ${JSON.stringify(config)};
(() => {
  const pool = ${JSON.stringify(Buffer.from(entropy).toString("hex"))};
  let at = 0;
  globalThis.crypto = {
    getRandomValues(array) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      if (at + 2 * bytes.length > pool.length) throw new Error("the host's entropy for this run is used up");
      for (let i = 0; i < bytes.length; i++, at += 2) bytes[i] = parseInt(pool.substr(at, 2), 16);
      return array;
    },
  };
  const hostApis = {
    setTimeout: typeof setTimeout, TextEncoder: typeof TextEncoder, ReadableStream: typeof ReadableStream,
    WebSocket: typeof WebSocket, fetch: typeof fetch, process: typeof process, Buffer: typeof Buffer,
    require: typeof require, subtle: typeof crypto.subtle,
  };
  globalThis.__report = (json) => {
    const report = JSON.parse(json);
    report.hostApis = hostApis;
    report.entropyUsed = at / 2;
    print("RESULT " + JSON.stringify(report));
  };
})();
`;
}
