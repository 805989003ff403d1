#!/usr/bin/env node
/**
 * `npm run test:runtimes`: proves that the BUILT package (dist/) completes a mutual handshake and
 * an echo in each JavaScript runtime. Prints `PASS <runtime>: what was proven` or
 * `FAIL <runtime>: reason` per runtime, and writes test/runtimes/results.json
 * ({ passed, failed, skipped, results }) for .ci/run.
 *
 * The other end is Node's own `tls` (OpenSSL) requiring a client certificate, except in QuickJS,
 * where both ends are mutls in memory. Each report is held against outside truth: what OpenSSL
 * concluded (authorized, the certificate it saw, the bytes it received) and the fixtures as
 * node:crypto (OpenSSL) parses them.
 *
 * Usage: node test/runtimes/run.mjs [runtime ...]   (default: all; names as printed)
 * Environment: MUTLS_RUNTIMES_CLIENT=untrusted-client shows every check fail when OpenSSL or mutls
 * refuses the client; MUTLS_RUNTIMES_NO_BUILD=1 tests dist/ as it is; CHROMIUM_PATH; with CI set
 * and running as root, a missing Debian chromium is installed with apt-get.
 * Every runtime runs in its own process group with a deadline and is killed when its check ends.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  clientReportProblems,
  describeProvider,
  fail,
  opensslClientProblems,
  opensslServerProblems,
  serverReportProblems,
  webCryptoProblems,
} from "./lib/checks.mjs";
import { startNodeMtlsHttpsServer } from "./lib/https-peer.mjs";
import { nodeTlsClientEcho } from "./lib/node-tls-client.mjs";
import { startNodeMtlsEchoServer } from "./lib/peers.mjs";
import { recipesStage } from "./lib/recipes.mjs";
import { freePort, killGroup, runEntry as runProcess, tail } from "./lib/processes.mjs";
import { ensureXsnap, entropyBytes, xsPrelude, xsVersion } from "./lib/xsnap.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const DIST = join(ROOT, "dist");
const BUILD = join(HERE, ".build");
const BIN = join(HERE, "node_modules/.bin");
const CERTS = join(ROOT, "test/fixtures/certs");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Deadline for one runtime process, from spawn to report. */
const DEADLINE_MS = 120_000;
/** Bound on waiting for the Node tls server's events after a runtime reported. */
const SETTLE_POLLS = 40;

const pem = (name) => readFileSync(join(CERTS, name), "utf8");
const CA = pem("ca.cert.pem");
const SERVER = { cert: pem("server-p256.cert.pem"), key: pem("server-p256.key.pem") };
const CLIENT_NAME = process.env.MUTLS_RUNTIMES_CLIENT ?? "client-p256";
const CLIENT = { cert: pem(`${CLIENT_NAME}.cert.pem`), key: pem(`${CLIENT_NAME}.key.pem`) };
const FIXTURES = { SERVER_X509: new X509Certificate(SERVER.cert), CLIENT_X509: new X509Certificate(CLIENT.cert) };

const results = [];
function record(runtime, status, detail) {
  results.push({ runtime, status, detail });
  console.log(`${status} ${runtime}: ${detail}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Setup: the matrix's own install, the build, the bundles
// ---------------------------------------------------------------------------------------------

function run(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${(r.stderr || r.stdout || String(r.error)).trim().slice(-800)}`);
}

/** The heavy runtime binaries live in test/runtimes/node_modules, installed on first use. */
function ensureMatrixInstalled() {
  const lockfile = join(HERE, "package-lock.json");
  const marker = join(HERE, "node_modules/.package-lock.json");
  if (existsSync(marker) && (!existsSync(lockfile) || statSync(marker).mtimeMs >= statSync(lockfile).mtimeMs)) return;
  console.log("installing the runtime matrix (test/runtimes/package.json) ...");
  run("npm", [existsSync(lockfile) ? "ci" : "install", "--no-audit", "--no-fund", "--prefix", HERE], ROOT);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The matrix tests dist/, so (re)build it when it is missing or older than src/. */
function ensureBuilt() {
  const entry = join(DIST, "index.js");
  if (process.env.MUTLS_RUNTIMES_NO_BUILD === "1" && existsSync(entry)) return;
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  console.log("building dist/ (npm run build) ...");
  run("npm", ["run", "build"], ROOT);
}

const esbuild = createRequire(join(ROOT, "package.json"))("esbuild");

/** Entries for runtimes that cannot resolve node_modules (workerd, Chromium, QuickJS): one file each. */
async function bundle(entry, outfile, options = {}) {
  await esbuild.build({
    entryPoints: [join(HERE, entry)],
    outfile: join(BUILD, outfile),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2020",
    logLevel: "silent",
    ...options,
  });
}

/** A runtime process from the repository root, under the matrix deadline. */
const runEntry = (command, args, options = {}) => runProcess(command, args, { cwd: ROOT, deadlineMs: DEADLINE_MS, ...options });

// ---------------------------------------------------------------------------------------------
// The two roles
// ---------------------------------------------------------------------------------------------

function writeConfig(runtime, role, extra) {
  const message = `hello from ${runtime} (${role}) ${randomBytes(8).toString("hex")}`;
  const cfg = {
    distDir: DIST,
    ca: CA,
    cert: CLIENT.cert,
    key: CLIENT.key,
    serverCert: SERVER.cert,
    serverKey: SERVER.key,
    servername: "localhost",
    message,
    timeoutMs: DEADLINE_MS - 10_000,
    ...extra,
  };
  const path = join(BUILD, `${runtime.replaceAll(" ", "-")}.${role}.json`);
  writeFileSync(path, JSON.stringify(cfg));
  return { path, cfg, message };
}

/** Provider problems, followed by what the provider detected and called, so a FAIL line shows it. */
const withProviderDetail = (problems, report) => (problems.length && report.provider ? [...problems, describeProvider([report])] : problems);

/**
 * The runtime as a client of the Node tls mTLS echo server. `start(cfgPath, cfg)` resolves to the
 * runtime's report. `provider` "webcrypto" pins webCryptoProvider() (entries/provider.mjs), and the
 * report must then show it used crypto.subtle (lib/checks.mjs). Returns a summary of what was
 * proven and the report.
 */
async function checkClientRole(runtime, server, start, provider) {
  const { path, cfg, message } = writeConfig(runtime, "client", { port: server.port, chromiumPath: CHROMIUM, provider });
  const before = server.sessions.length;
  const report = await start(path, cfg);
  if (report.error) throw new Error(`client: ${report.error}`);
  // The report comes once the client saw the server's close; the server's own 'end' event may
  // trail it by a moment (bounded wait, no timing asserted).
  for (let i = 0; i < SETTLE_POLLS && !server.sessions.slice(before).every((s) => s.endedByPeer); i++) await sleep(50);
  const providerChecks = provider === "webcrypto" ? withProviderDetail(webCryptoProblems(report), { ...report, role: "client" }) : [];
  fail(
    [...clientReportProblems(report, message, FIXTURES), ...opensslServerProblems(server.sessions.slice(before), report, message, FIXTURES), ...providerChecks],
    "client",
  );
  return { text: `client ${report.cipherSuite} ${report.group} via ${report.api}`, report: { ...report, role: "client" } };
}

/** The runtime as an mTLS echo server; Node's tls client (OpenSSL) connects with a client certificate. */
async function checkServerRole(runtime, command, args, provider) {
  const { path, cfg, message } = writeConfig(runtime, "server", { provider });
  const { report, listening } = await runEntry(command, [...args, "server", path], {
    onListening: (port) =>
      nodeTlsClientEcho({ port, ca: CA, cert: CLIENT.cert, key: CLIENT.key, servername: "localhost", message, timeoutMs: cfg.timeoutMs / 2 }),
  });
  if (!listening) throw new Error(`server: ${report.error ?? "never listened"}`);
  const reportChecks = report.error
    ? [report.error]
    : [
        ...serverReportProblems(report, FIXTURES),
        ...(provider === "webcrypto" ? withProviderDetail(webCryptoProblems(report), { ...report, role: "server" }) : []),
      ];
  fail([...opensslClientProblems(listening, message, FIXTURES), ...reportChecks], "server");
  return { text: `server ${listening.cipher} via ${report.api}`, report: { ...report, role: "server" } };
}

/** A runtime whose entry takes `client|server CONFIG`: both roles, on `provider` (undefined: the entry's default). */
async function checkBothRoles(runtime, server, command, args, provider) {
  const client = await checkClientRole(runtime, server, async (cfgPath) => (await runEntry(command, [...args, "client", cfgPath])).report, provider);
  const served = await checkServerRole(runtime, command, args, provider);
  return `mutual auth verified by OpenSSL both ways, echo ok: ${client.text}; ${served.text}; ${describeProvider([client.report, served.report])}`;
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

async function checkBrowserBundle() {
  // platform=browser: a `node:*` import or a Node-only module fails to resolve, so the build fails.
  const result = await esbuild.build({
    entryPoints: [join(DIST, "index.js")],
    outfile: join(BUILD, "mutls.browser.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2020",
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  const nodeInputs = inputs.filter((p) => p.startsWith("node:"));
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  if (nodeInputs.length || imports.length) throw new Error(`the bundle still needs ${[...nodeInputs, ...imports].join(", ")}`);
  const bytes = statSync(join(BUILD, "mutls.browser.js")).size;
  return `esbuild --platform=browser bundled dist/index.js from ${inputs.length} modules with no Node built-ins and no external imports (${(bytes / 1024).toFixed(0)} KiB)`;
}

async function checkWorkerd(server) {
  const dir = join(BUILD, "workerd");
  mkdirSync(dir, { recursive: true });
  // ./config.json stays a separate module: workerd loads it as the JSON module the config embeds.
  await bundle("entries/workerd/worker.mjs", "workerd/worker.js", { external: ["cloudflare:sockets", "./config.json"] });
  const client = await checkClientRole(
    "workerd",
    server,
    async (_cfgPath, cfg) => {
      writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
      for (let attempt = 1; attempt <= 3; attempt++) {
        const port = await freePort();
        const template = readFileSync(join(HERE, "entries/workerd/config.capnp.template"), "utf8");
        writeFileSync(join(dir, "config.capnp"), template.replaceAll("@PORT@", String(port)));
        const report = await askWorker(dir, port);
        if (!report.retry) return report;
      }
      return { error: "workerd could not bind a loopback port in 3 attempts" };
    },
    "webcrypto",
  );
  return `mutual auth verified by OpenSSL, echo ok: ${client.text} (cloudflare:sockets connect()); ${describeProvider([client.report])}`;
}

/** Starts workerd, asks the Worker for one check over HTTP, stops workerd. */
async function askWorker(dir, port) {
  const child = spawn(join(BIN, "workerd"), ["serve", "config.capnp"], { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = false;
  child.on("close", () => (exited = true));
  const deadline = Date.now() + DEADLINE_MS;
  try {
    // Bounded wait for workerd to listen, then one request.
    for (let i = 0; i < 300 && !exited && Date.now() < deadline; i++) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(Math.max(deadline - Date.now(), 1)) });
        const body = await response.json();
        return response.ok ? body : { error: `the Worker failed: ${body.error}` };
      } catch (error) {
        if (error?.cause?.code !== "ECONNREFUSED") return { error: `${error.message}${tail(output)}` };
        await sleep(100);
      }
    }
    return /address already in use/i.test(output) ? { retry: true } : { error: `workerd did not serve${tail(output)}` };
  } finally {
    killGroup(child.pid, "SIGKILL");
  }
}

/**
 * Debian's Chromium is a system package, not an npm one. On CI (root, CI set) a missing one is
 * installed, as .ci/run does for its other peers; elsewhere the FAIL line says how.
 */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const hint = "install it with: apt-get update && apt-get install -y chromium";
  if (!process.env.CI || process.getuid?.() !== 0 || CHROMIUM !== "/usr/bin/chromium") throw new Error(`no browser at ${CHROMIUM}; ${hint}`);
  console.log("installing Debian's chromium (apt-get) ...");
  run("apt-get", ["update"], ROOT);
  run("apt-get", ["install", "-y", "chromium"], ROOT);
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed no browser at ${CHROMIUM}; ${hint}`);
}

async function checkChromium(server) {
  ensureChromium();
  await bundle("entries/chromium/page.mjs", "chromium-page.js");
  const client = await checkClientRole(
    "chromium",
    server,
    async (cfgPath) => (await runEntry(process.execPath, [join(HERE, "entries/chromium-host.mjs"), cfgPath, BUILD])).report,
    "webcrypto",
  );
  return `mutual auth verified by OpenSSL, echo ok: ${client.text} through a WebSocket-to-TCP relay; ${describeProvider([client.report])}`;
}

/**
 * A bare VM has no crypto.subtle (its hostApis are checked), so mutls runs on the pure provider
 * there; once the handshake result names its provider, it must say so.
 */
function bareVmProviderProblems(report) {
  const named = typeof report.provider === "string" ? report.provider : (report.provider?.name ?? null);
  return report.provider == null || named === "pure" ? [] : [`the handshake result names provider ${JSON.stringify(report.provider)}, expected pure`];
}
const BARE_VM_PROVIDER = "provider pure (no crypto.subtle in the VM)";

async function checkQuickJS() {
  await bundle("entries/bare-vm-main.mjs", "quickjs.js", { format: "iife" });
  const { path, message } = writeConfig("quickjs", "memory", {});
  const { report } = await runEntry(process.execPath, [join(HERE, "entries/quickjs-host.mjs"), path, join(BUILD, "quickjs.js")], { cwd: HERE });
  if (report.error) throw new Error(report.error);
  const problems = [...clientReportProblems(report, message, FIXTURES), ...serverReportProblems(report, FIXTURES)];
  const present = Object.entries(report.hostApis ?? {}).filter(([, type]) => type !== "undefined");
  if (!report.hostApis || present.length) problems.push(`the VM was not bare: ${JSON.stringify(report.hostApis)}`);
  fail([...problems, ...bareVmProviderProblems(report)], "memory");
  return `${report.cipherSuite} ${report.group}, client and server both mutls via ${report.api} in a VM without Node or Web APIs; identities match the fixtures as OpenSSL parses them, echo ok; ${BARE_VM_PROVIDER}`;
}

/** What a bare VM must not offer: the runner checks every one of these is "undefined". */
const WEB_AND_NODE_APIS = ["setTimeout", "ReadableStream", "WebSocket", "fetch", "process", "Buffer", "require", "subtle"];

/**
 * Moddable XS, the engine of ESP32 and Raspberry Pi Pico devices, as its `xsnap` host built from
 * the C sources @agoric/xsnap ships (lib/xsnap.mjs). The same bundle as QuickJS's; the host's
 * prelude supplies the config, the report and `crypto.getRandomValues` from node:crypto's bytes.
 */
async function checkXs() {
  const xsnap = ensureXsnap(ROOT, (line) => console.log(line));
  await bundle("entries/bare-vm-main.mjs", "xs.js", { format: "iife" });
  const { cfg, message } = writeConfig("xs", "memory", {});
  const prelude = join(BUILD, "xs.prelude.js");
  // 64 KiB of entropy: a mutual handshake draws a few hundred bytes; the prelude refuses to reuse any.
  writeFileSync(prelude, xsPrelude(cfg, entropyBytes(64 * 1024)));
  const { report } = await runEntry(xsnap, [prelude, join(BUILD, "xs.js")], { cwd: HERE });
  if (report.error) throw new Error(report.error);
  const problems = [...clientReportProblems(report, message, FIXTURES), ...serverReportProblems(report, FIXTURES)];
  const present = WEB_AND_NODE_APIS.filter((name) => report.hostApis?.[name] !== "undefined");
  if (!report.hostApis || present.length) problems.push(`the VM was not bare: ${JSON.stringify(report.hostApis)}`);
  if (!(report.entropyUsed > 0)) problems.push("the handshake drew no bytes from the host's crypto.getRandomValues");
  fail([...problems, ...bareVmProviderProblems(report)], "memory");
  return `${report.cipherSuite} ${report.group}, client and server both mutls via ${report.api} in ${xsVersion(xsnap)} (xsnap, ${report.entropyUsed} bytes of host entropy) without Node or Web APIs; identities match the fixtures as OpenSSL parses them, echo ok; ${BARE_VM_PROVIDER}`;
}

/** A bare-VM entry (bundled with `mutls` from dist/) run in XS with the matrix's config; resolves to its report. */
async function runInXs(entry, name) {
  const xsnap = ensureXsnap(ROOT, (line) => console.log(line));
  await bundle(entry, `${name}.js`, { format: "iife", alias: { mutls: join(DIST, "index.js") } });
  const { cfg } = writeConfig(name, "memory", {});
  const prelude = join(BUILD, `${name}.prelude.js`);
  writeFileSync(prelude, xsPrelude(cfg, entropyBytes(64 * 1024)));
  const { report } = await runEntry(xsnap, [prelude, join(BUILD, `${name}.js`)], { cwd: HERE });
  return { report, cfg, engine: xsVersion(xsnap) };
}

// ---------------------------------------------------------------------------------------------
// mtlsFetch (issue 14): a GET with a client certificate, in workerd and Deno, to Node's https
// ---------------------------------------------------------------------------------------------

/** One GET per runtime; the path carries a fresh nonce so the request the server saw is this one. */
function writeFetchConfig(runtime, server) {
  const path = `/mtls-fetch/${runtime}/${randomBytes(8).toString("hex")}`;
  const { CLIENT_X509 } = FIXTURES;
  const cfg = {
    distDir: DIST,
    url: `https://127.0.0.1:${server.port}${path}`,
    ca: CA,
    cert: CLIENT.cert,
    key: CLIENT.key,
    servername: "localhost",
    expect: { path, subjectaltname: CLIENT_X509.subjectAltName, fingerprint256: CLIENT_X509.fingerprint256 },
  };
  const cfgPath = join(BUILD, `${runtime}.fetch.json`);
  writeFileSync(cfgPath, JSON.stringify(cfg));
  return { cfgPath, cfg };
}

/** The fetch Worker (entries/workerd/fetch-worker.mjs), served by workerd on a port the runner picked. */
async function askFetchWorker(cfg) {
  const dir = join(BUILD, "workerd-fetch");
  mkdirSync(dir, { recursive: true });
  await bundle("entries/workerd/fetch-worker.mjs", "workerd-fetch/worker.js", { external: ["cloudflare:sockets", "./config.json"] });
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
  const template = readFileSync(join(HERE, "entries/workerd/config.capnp.template"), "utf8");
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, "config.capnp"), template.replaceAll("@PORT@", String(port)));
    const report = await askWorker(dir, port);
    if (!report.retry) return report;
  }
  return { error: "workerd could not bind a loopback port in 3 attempts" };
}

/**
 * The runtime's mtlsFetch GET, held against what Node's https server (OpenSSL, requiring a client
 * certificate) saw: exactly this request, from the client fixture, authorized; and the body
 * mtlsFetch returned must be the server's account of it, unchanged.
 */
async function checkMtlsFetch(runtime, server) {
  const { cfgPath, cfg } = writeFetchConfig(runtime, server);
  const before = server.requests.length;
  const deno = [join(BIN, "deno"), ["run", "--no-prompt", "--allow-net=127.0.0.1", `--allow-read=${ROOT}`, join(HERE, "entries/deno-fetch.mjs"), cfgPath]];
  const report = runtime === "workerd" ? await askFetchWorker(cfg) : (await runEntry(...deno)).report;
  if (report.error) throw new Error(`${report.error}${server.failures.length ? `; the https server: ${server.failures.slice(-1)[0]}` : ""}`);
  const seen = server.requests.slice(before);
  const problems = [...(report.problems ?? ["the entry reported no checks"])];
  if (seen.length !== 1) problems.push(`the https server answered ${seen.length} requests, expected 1`);
  else {
    const [request] = seen;
    if (request.method !== "GET" || request.path !== cfg.expect.path) problems.push(`the https server saw ${request.method} ${request.path}`);
    if (request.authorized !== true) problems.push("OpenSSL did not authorize the client");
    if (request.fingerprint256 !== cfg.expect.fingerprint256) problems.push("OpenSSL saw another client certificate");
    if (JSON.stringify(report.seen) !== JSON.stringify(request)) problems.push("the body mtlsFetch returned is not what the server sent");
  }
  fail(problems, "mtlsFetch");
  const [request] = seen;
  return `GET ${request.protocol} via ${report.api}: Node https (OpenSSL) required and authorized the client certificate (${request.subjectaltname}), and the body mtlsFetch returned says so`;
}

/** Its own stage with its own server, so it runs whatever the other runtimes do. */
async function mtlsFetchStage(attempt) {
  const server = await startNodeMtlsHttpsServer({ ca: CA, ...SERVER });
  try {
    await attempt("workerd mtlsFetch", () => checkMtlsFetch("workerd", server));
    await attempt("deno mtlsFetch", () => checkMtlsFetch("deno", server));
  } finally {
    await server.close();
  }
}

async function main() {
  const only = new Set(process.argv.slice(2));
  const want = (name) => only.size === 0 || only.has(name) || only.has(name.split(" ")[0]);
  mkdirSync(BUILD, { recursive: true });
  try {
    ensureMatrixInstalled();
    ensureBuilt();
  } catch (error) {
    record("setup", "FAIL", error.message);
    return;
  }
  const attempt = async (runtime, check) => {
    if (!want(runtime)) return;
    try {
      record(runtime, "PASS", await check());
    } catch (error) {
      record(runtime, "FAIL", String(error?.message ?? error).replace(/\s+/g, " "));
    }
  };
  const deno = [join(BIN, "deno"), ["run", "--no-prompt", "--allow-net=127.0.0.1", `--allow-read=${ROOT}`, join(HERE, "entries/deno.mjs")]];
  const bun = [join(BIN, "bun"), [join(HERE, "entries/bun.mjs")]];
  const node = (flags) => [process.execPath, [...flags, join(HERE, "entries/node.mjs")]];

  await attempt("browser-bundle", checkBrowserBundle);
  const server = await startNodeMtlsEchoServer({ ca: CA, ...SERVER });
  try {
    await attempt("node", () => checkBothRoles("node", server, ...node([])));
    await attempt("node webcrypto", () => checkBothRoles("node webcrypto", server, ...node([]), "webcrypto"));
    await attempt("node-jitless", () => checkBothRoles("node-jitless", server, ...node(["--jitless"])));
    await attempt("deno", () => checkBothRoles("deno", server, ...deno, "webcrypto"));
    await attempt("bun", () => checkBothRoles("bun", server, ...bun, "webcrypto"));
    await attempt("workerd", () => checkWorkerd(server));
    await attempt("chromium", () => checkChromium(server));
  } finally {
    await server.close();
  }
  await mtlsFetchStage(attempt);
  const recipeBundle = (file, outfile, options) => bundle(relative(HERE, file), outfile, options);
  await recipesStage(attempt, {
    ROOT,
    BIN,
    BUILD,
    CA,
    SERVER,
    CLIENT,
    CLIENT_NAME,
    CLIENT_X509: FIXTURES.CLIENT_X509,
    bundle: recipeBundle,
    deadlineMs: DEADLINE_MS,
    ensureChromium,
    chromiumPath: CHROMIUM,
    runInXs: (file, name) => runInXs(relative(HERE, file), name),
  });
  await attempt("quickjs", checkQuickJS);
  await attempt("xs", checkXs);
}

await main();
const passed = results.filter((r) => r.status === "PASS").length;
const failed = results.filter((r) => r.status === "FAIL").length;
const skipped = results.filter((r) => r.status === "SKIP").length;
writeFileSync(join(HERE, "results.json"), JSON.stringify({ passed, failed, skipped, results }, null, 2) + "\n");
console.log(`runtimes: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exitCode = failed > 0 ? 1 : 0;
