/**
 * `npm run bench [-- --quick]`: measures everything in one run so every ratio compares like with
 * like, prints a table, writes bench/results/latest.json (via a .tmp file and a rename) and
 * bench/results/chart.svg. Timings are printed, never judged: exit status is non-zero only when a
 * measurement could not be made at all.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { writeChart } from "./chart.js";
import { measureBundles } from "./lib/bundle-size.js";
import { measureHandshakeAndFloor } from "./lib/handshake.js";
import { measureJitless, measureQuickJS, quickjsAvailable, readPackageVersion } from "./lib/interpreters.js";
import { describeMachine } from "./lib/machine.js";
import { measureFirstHandshake, measureIdleMemory } from "./lib/memory.js";
import { measureLoad } from "./lib/load.js";
import { measureAnchorVerification } from "./lib/anchors.js";
import { parseOptions } from "./lib/options.js";
import { measureRecordGc } from "./gc-records.js";
import { RECORD_SIZES, SUITES, type Budget, type SuiteName, measureNobleOneshot, measureNode } from "./lib/record-baselines.js";
import type { BenchResults, GcEntry, HandshakeEntry, RecordEntry } from "./lib/results.js";
import { median, now, round } from "./lib/stats.js";
import { evaluateTargets, formatLimit, formatValue } from "./lib/targets.js";
import { HOSTILE_FULL, HOSTILE_QUICK, measureHostileFlights } from "./hostile-flights.js";
import { writeReadmeTable } from "./lib/readme-table.js";
import { TCP_PLAN_FULL, TCP_PLAN_QUICK, type TcpHandshakeFigures, measureTcpHandshakes, measureWebCryptoTcpHandshakes } from "./lib/tcp-handshakes.js";
import { webCryptoProvider } from "../src/crypto/webcrypto/index.js";
import { WORKERD_PLAN_FULL, WORKERD_PLAN_QUICK, measureWorkerdHandshakes, workerdAvailable } from "./lib/workerd.js";
import { measureRecordThroughput } from "./records.js";
import { measureXsHandshakeMs, measureXsMetered } from "./lib/xs.js";
import { RECORDS_PLAN_FULL, RECORDS_PLAN_QUICK, measureWebCryptoRecords } from "./lib/webcrypto-records.js";

const opts = parseOptions(process.argv.slice(2));
const started = now();
const RESULTS = new URL("./results/", new URL("../", import.meta.url));

const plan = opts.quick
  ? { handshakes: 12, warmup: 3, rounds: 5, recordMs: 500, gcMib: 32, idle: 30, jitless: 3, quickjs: 1, quickjsDeadlineMs: 60_000 }
  : { handshakes: 60, warmup: 8, rounds: 5, recordMs: 2500, gcMib: 256, idle: 200, jitless: 10, quickjs: 5, quickjsDeadlineMs: 300_000 };
/** Data per record-throughput sample, scaled so small records do not take minutes. */
const recordMib: Record<number, number> = opts.quick ? { 64: 0.125, 1024: 1, 16384: 4 } : { 64: 1, 1024: 8, 16384: 32 };

function log(line: string): void {
  process.stderr.write(`[bench ${((now() - started) / 1000).toFixed(1)}s] ${line}\n`);
}

async function main(): Promise<void> {
  log(`mode: ${opts.quick ? "quick" : "full"}`);
  const machine = describeMachine();

  log("bundles (esbuild --platform=browser --minify, gzip -9)");
  const bundles = await measureBundles();

  const handshake = {} as Record<"p256" | "ed25519", HandshakeEntry>;
  // Issue 13: the WebCrypto provider (Node's crypto.subtle; its algorithms detected once, as a
  // long-lived process would) in the same P-256 rounds as Node's tls and the native provider.
  const web = await webCryptoProvider();
  const webcrypto: NonNullable<BenchResults["webcrypto"]> = { native: web.webCryptoAlgorithms, p256: null, workerd: null };
  const tcpPlan = opts.quick ? TCP_PLAN_QUICK : TCP_PLAN_FULL;
  for (const type of ["p256", "ed25519"] as const) {
    log(`handshake ${type}: mutls (pure, in memory) interleaved with the noble floor`);
    const pure = measureHandshakeAndFloor(type, plan.handshakes, plan.warmup);
    let tcp: TcpHandshakeFigures;
    if (type === "p256") {
      log(`handshake ${type}: over loopback TCP, ${tcpPlan.rounds} ABBA rounds of ${tcpPlan.perRound}: Node tls, mutls with the native, WebCrypto and pure providers`);
      const w = await measureWebCryptoTcpHandshakes(web, tcpPlan);
      webcrypto.p256 = w;
      tcp = w;
    } else {
      log(`handshake ${type}: over loopback TCP, ${tcpPlan.rounds} ABBA rounds of ${tcpPlan.perRound}: Node tls, mutls with the native provider`);
      tcp = await measureTcpHandshakes(type, tcpPlan);
    }
    handshake[type] = {
      mutls_ms: round(pure.mutls_ms),
      floor_ms: round(pure.floor_ms),
      floor_precomputed_ms: round(pure.floor_precomputed_ms),
      node_tls_ms: tcp.node_tls_ms,
      mutls_native_ms: tcp.native_ms,
      native_vs_node_tls: tcp.native_vs_node_tls,
    };
  }

  const records: Record<string, Record<string, RecordEntry>> = {};
  for (const suite of SUITES) {
    records[suite] = {};
    for (const size of RECORD_SIZES) {
      log(`records ${suite} @${size}`);
      // Rounds alternate the three, and each reports the median round, so a burst of load from
      // elsewhere on the machine hits one round of each rather than all of one.
      const budget: Budget = { mib: recordMib[size] / plan.rounds, maxMs: plan.recordMs / plan.rounds };
      const rates = { mutls: [] as number[], noble: [] as number[], node: [] as number[] };
      for (let r = 0; r < plan.rounds; r++) {
        rates.mutls.push(measureRecordThroughput(suite, size, budget.mib));
        rates.noble.push(measureNobleOneshot(suite, size, budget));
        rates.node.push(measureNode(suite as SuiteName, size, budget));
      }
      records[suite][String(size)] = {
        mutls_MBps: round(median(rates.mutls), 2),
        noble_oneshot_MBps: round(median(rates.noble), 2),
        node_MBps: round(median(rates.node), 2),
      };
    }
  }

  const gc: Record<string, GcEntry> = {};
  for (const suite of SUITES) {
    log(`gc ${suite}: ${plan.gcMib} MiB through an established pair`);
    const g = await measureRecordGc(suite, plan.gcMib);
    gc[suite] = { mib: plan.gcMib, scavenges: g.scavenges, heap_growth_bytes: g.heap_growth_bytes };
  }

  if (workerdAvailable()) {
    const workerdPlan = opts.quick ? WORKERD_PLAN_QUICK : WORKERD_PLAN_FULL;
    log(`webcrypto: workerd, ${workerdPlan.rounds} ABBA rounds of ${workerdPlan.perRequest} mutual P-256 handshakes per request, WebCrypto and pure`);
    try {
      const w = await measureWorkerdHandshakes(workerdPlan.rounds, workerdPlan.perRequest);
      webcrypto.workerd = { ...w, webcrypto_ms: round(w.webcrypto_ms), pure_ms: round(w.pure_ms), request_ms: round(w.request_ms) };
    } catch (e) {
      webcrypto.workerd_note = `not measured: ${(e as Error).message}`;
    }
  } else {
    webcrypto.workerd_note = "not measured: workerd is installed with the runtime matrix (cd test/runtimes && npm ci, or npm run test:runtimes once)";
  }
  if (webcrypto.workerd_note !== undefined) log(`webcrypto: workerd ${webcrypto.workerd_note}`);

  log("x509: chain verification under a cold and a prepared trust anchor");
  const x509 = measureAnchorVerification(plan.handshakes * 2, plan.warmup);
  x509.chain_verify_cold_ms = round(x509.chain_verify_cold_ms);
  x509.chain_verify_prepared_ms = round(x509.chain_verify_prepared_ms);

  log(`memory: ${plan.idle} idle established pairs`);
  const memory: BenchResults["memory"] = measureIdleMemory(plan.idle);
  // RFC 8449 record_size_limit 512 on both sides: the record buffers shrink to one small record.
  const small = measureIdleMemory(plan.idle, { client: { recordSizeLimit: 512 }, server: { recordSizeLimit: 512 } });
  memory.client_idle_rsl512_bytes = small.client_idle_bytes;
  memory.server_idle_rsl512_bytes = small.server_idle_bytes;
  // Each suite alone on both sides (issue 15's target is the largest over the suites).
  memory.suites = {};
  for (const suite of SUITES) {
    log(`memory: ${plan.idle} idle pairs with ${suite} only`);
    const only = { cipherSuites: [suite] } as const;
    memory.suites[suite] = measureIdleMemory(plan.idle, { client: only, server: only });
  }
  log(`memory: ${plan.idle} pairs idle after one record each way (AES-128-GCM: cipher state built)`);
  const active = measureIdleMemory(plan.idle, { client: { cipherSuites: ["TLS_AES_128_GCM_SHA256"] }, server: { cipherSuites: ["TLS_AES_128_GCM_SHA256"] } }, true);
  memory.client_idle_after_data_bytes = active.client_idle_bytes;
  memory.server_idle_after_data_bytes = active.server_idle_bytes;
  log("memory: the first mutual handshake of a fresh process, memoryProfile default and low");
  memory.first_handshake = { default: measureFirstHandshake("default", plan.handshakes), low: measureFirstHandshake("low", plan.handshakes) };

  const loadConnections = opts.quick ? 100 : 1000;
  log(`load: ${loadConnections} mutual handshakes over loopback TCP, 50 in flight`);
  const load = await measureLoad(loadConnections, 50);
  log(`load: ${load.handshakes_per_s} handshakes/s, ${load.failures} failed, peak RSS ${load.peak_rss_bytes} B, retained after close ${load.retained_after_close_bytes} B`);

  log("webcrypto: AES-128-GCM 16 KiB records through connect()/accept(), WebCrypto and pure");
  let webcryptoRecords: NonNullable<BenchResults["webcrypto_records"]>;
  try {
    const recordsPlan = opts.quick ? RECORDS_PLAN_QUICK : RECORDS_PLAN_FULL;
    const figures = await measureWebCryptoRecords(recordsPlan.mib, recordsPlan.rounds);
    log(`webcrypto: ${figures.webcrypto_MBps} MB/s, pure ${figures.pure_MBps} MB/s, per-round ratio ${figures.webcrypto_vs_pure}`);
    webcryptoRecords = figures;
  } catch (e) {
    webcryptoRecords = { note: `not measured: ${(e as Error).message}` };
  }

  log("hostile flights: the worst Certificate flight within the limits, against normal handshakes");
  const hostile = await measureHostileFlights(opts.quick ? HOSTILE_QUICK : HOSTILE_FULL, log);
  log(`hostile flights: victim ${hostile.to_server.victim_ms} ms (server), ${hostile.to_client.victim_ms} ms (client) vs ${hostile.normal_handshake_ms} ms per normal handshake`);

  log(`interpreters: node --jitless, ${plan.jitless} handshakes`);
  const interpreters: BenchResults["interpreters"] = { jitless_handshake_ms: null, quickjs_handshake_ms: null };
  try {
    interpreters.jitless_handshake_ms = round(await measureJitless(plan.jitless));
  } catch (e) {
    interpreters.jitless_note = `not measured: ${(e as Error).message}`;
  }
  if (quickjsAvailable()) {
    log(`interpreters: QuickJS ${readPackageVersion("quickjs-emscripten")}, ${plan.quickjs} handshake(s)`);
    try {
      interpreters.quickjs_handshake_ms = round(await measureQuickJS(plan.quickjs, plan.quickjsDeadlineMs));
      interpreters.quickjs_note = `quickjs-emscripten ${readPackageVersion("quickjs-emscripten")} (test/runtimes/node_modules), Date.now() resolution`;
    } catch (e) {
      interpreters.quickjs_note = `not measured: ${(e as Error).message}`;
    }
  } else {
    interpreters.quickjs_note =
      "not measured: quickjs-emscripten is not installed in the main package; install test/runtimes (cd test/runtimes && npm ci) to measure it";
  }

  log(`Moddable XS (xsnap): metered handshake and 1 MiB of records, then ${plan.quickjs * 2} timed handshakes`);
  const xs: NonNullable<BenchResults["xs"]> = { handshake_ms: null, metered_handshake: null, metered_mib_records: null };
  try {
    const metered = await measureXsMetered(log);
    xs.metered_handshake = metered.metered_handshake;
    xs.metered_mib_records = metered.metered_mib_records;
    xs.handshake_ms = round(await measureXsHandshakeMs(plan.quickjs * 2, log));
    xs.note = `${metered.xs} (xsnap from @agoric/xsnap, built by test/runtimes/lib/xsnap.mjs), metered steps with seeded entropy, performance.now()`;
  } catch (e) {
    xs.note = `not measured: ${(e as Error).message}`;
  }

  const results: BenchResults = {
    machine,
    quick: opts.quick,
    handshake,
    records,
    gc,
    memory,
    load,
    x509,
    bundle: { ...bundles.sizes, breakdown: bundles.breakdown },
    interpreters,
    hostile,
    webcrypto_records: webcryptoRecords,
    xs,
    webcrypto,
    duration_s: 0,
  };
  results.targets = evaluateTargets(results);
  results.duration_s = round((now() - started) / 1000, 1);

  mkdirSync(RESULTS, { recursive: true });
  const tmp = new URL("latest.json.tmp", RESULTS);
  writeFileSync(tmp, JSON.stringify(results, null, 2) + "\n");
  renameSync(tmp, new URL("latest.json", RESULTS));
  writeChart(results, new URL("chart.svg", RESULTS));
  writeReadmeTable(results, new URL("../../docs/performance.md", RESULTS));
  printTable(results);
}

function printTable(r: BenchResults): void {
  const rows: string[][] = [["measure", "value", "ratio / target", "met"]];
  for (const type of ["p256", "ed25519"] as const) {
    const h = r.handshake[type];
    rows.push([`handshake ${type} mutls (pure)`, `${h.mutls_ms} ms`, "", ""]);
    rows.push([`handshake ${type} floor / precomputed`, `${h.floor_ms} / ${h.floor_precomputed_ms} ms`, "", ""]);
    rows.push([`handshake ${type} node tls / mutls native`, `${h.node_tls_ms} / ${h.mutls_native_ms} ms`, "", ""]);
  }
  for (const [suite, sizes] of Object.entries(r.records)) {
    for (const [size, x] of Object.entries(sizes)) {
      rows.push([`records ${suite} @${size} MB/s (mutls/noble/node)`, `${x.mutls_MBps} / ${x.noble_oneshot_MBps} / ${x.node_MBps}`, "", ""]);
    }
  }
  for (const [suite, g] of Object.entries(r.gc)) rows.push([`gc ${suite}`, `${g.scavenges} scavenges, +${g.heap_growth_bytes} B heap / ${g.mib} MiB`, "", ""]);
  rows.push(["x509 chain verify, cold / prepared anchor", `${r.x509.chain_verify_cold_ms} / ${r.x509.chain_verify_prepared_ms} ms`, "", ""]);
  rows.push(["load handshakes/s, failures, peak RSS", `${r.load.handshakes_per_s}/s, ${r.load.failures}, ${r.load.peak_rss_bytes} B`, "", ""]);
  rows.push(["memory idle client / server", `${r.memory.client_idle_bytes} / ${r.memory.server_idle_bytes} B`, "", ""]);
  rows.push(["memory idle client / server, record_size_limit 512", `${r.memory.client_idle_rsl512_bytes} / ${r.memory.server_idle_rsl512_bytes} B`, "", ""]);
  rows.push(["memory idle client / server, after one record each way", `${r.memory.client_idle_after_data_bytes ?? "n/a"} / ${r.memory.server_idle_after_data_bytes ?? "n/a"} B`, "", ""]);
  for (const [profile, f] of Object.entries(r.memory.first_handshake ?? {})) {
    rows.push([`first handshake, memoryProfile ${profile}: retained (data / with V8 code), first / median ms`, `${f.retained_bytes} / ${f.retained_with_code_bytes} B, ${round(f.first_ms, 1)} / ${round(f.median_ms, 1)} ms`, "", ""]);
  }
  const b = r.bundle;
  rows.push(["bundle client / server / full / minimal (min+gz)", `${b.client_min_gz} / ${b.server_min_gz} / ${b.full_min_gz} / ${b.minimal_client_min_gz} B`, "", ""]);
  if (r.hostile) {
    const h = r.hostile;
    rows.push([`hostile flight (${h.flight.certificates} certs, ${h.flight.message_bytes} B): victim server / client / normal handshake`, `${h.to_server.victim_ms} / ${h.to_client.victim_ms} / ${h.normal_handshake_ms} ms`, "", ""]);
    if (h.webcrypto) {
      const w = h.webcrypto;
      rows.push(["hostile flight, WebCrypto victims: server / client / normal handshake", `${w.to_server.victim_ms} / ${w.to_client.victim_ms} / ${w.normal_handshake_ms} ms`, "", ""]);
    }
  }
  if (r.webcrypto?.p256) {
    const w = r.webcrypto.p256;
    rows.push(["handshake p256 over TCP: node tls / webcrypto / pure / native", `${w.node_tls_ms} / ${w.webcrypto_ms} / ${w.pure_ms} / ${w.native_ms} ms`, "", ""]);
  }
  const wr = r.webcrypto_records;
  if (wr && "webcrypto_MBps" in wr) rows.push(["AES-128-GCM 16 KiB via connect/accept MB/s: webcrypto / pure", `${wr.webcrypto_MBps} / ${wr.pure_MBps}`, "", ""]);
  if (r.webcrypto?.workerd) rows.push(["handshake p256 in workerd: webcrypto / pure", `${r.webcrypto.workerd.webcrypto_ms} / ${r.webcrypto.workerd.pure_ms} ms`, "", ""]);
  if (r.xs) rows.push(["Moddable XS handshake / metered handshake / metered 1 MiB records", `${r.xs.handshake_ms ?? "n/a"} ms / ${r.xs.metered_handshake ?? "n/a"} / ${r.xs.metered_mib_records ?? "n/a"}`, "", ""]);
  rows.push(["interpreters jitless / quickjs handshake", `${r.interpreters.jitless_handshake_ms ?? "n/a"} / ${r.interpreters.quickjs_handshake_ms ?? "n/a"} ms`, "", ""]);
  for (const t of r.targets ?? evaluateTargets(r)) {
    rows.push([`target ${t.id}`, "", `${formatValue(t)} ${formatLimit(t, true)}`, t.limit === null ? "-" : t.met === null ? "?" : t.met ? "yes" : "NO"]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd() + "\n");
  process.stdout.write(`${r.quick ? "quick" : "full"} run, ${r.duration_s} s; results in bench/results/latest.json and chart.svg\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
