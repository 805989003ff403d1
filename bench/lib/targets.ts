/**
 * Every issue's targets as data, evaluated against a results object. run.ts writes the list into
 * results/latest.json (`targets`); the printed table, the chart (chart.ts) and the README's
 * performance table (readme-table.ts) all read it from there. Ids are the issues' own (issue 11:
 * "Targets in the bench"); a target joins the list when the bench can measure it.
 * KB = 1000 bytes, KiB = 1024 bytes.
 */
export interface Target {
  /** Stable id, e.g. "handshake.p256.vs_floor". */
  readonly id: string;
  /** What is compared, for people: "P-256 handshake: mutls / noble floor". */
  readonly label: string;
  /** null when the run could not measure it. */
  readonly value: number | null;
  /** null: reported without a limit (issue 15's XS figures); `met` is then null too. */
  readonly limit: number | null;
  /** "max": value must be <= limit; "min": value must be >= limit. */
  readonly kind: "max" | "min";
  /** null when not measured. */
  readonly met: boolean | null;
  readonly unit: "ratio" | "count" | "KB" | "KiB" | "ms";
}

import type { BenchResults, HandshakeEntry, RecordEntry } from "./results.js";

type Results = Partial<BenchResults>;

export const met = (t: Pick<Target, "value" | "limit" | "kind">): boolean | null =>
  t.value === null || !Number.isFinite(t.value) || t.limit === null ? null : t.kind === "max" ? t.value <= t.limit : t.value >= t.limit;

const ratio = (a: unknown, b: unknown): number | null =>
  typeof a === "number" && typeof b === "number" && b > 0 ? a / b : null;

/**
 * The paired ratio when the results carry it (the median of per-round ratios, both sides measured
 * in the same round), else the ratio of the two medians (results written before paired ratios).
 */
const pairedOr = (paired: unknown, a: unknown, b: unknown): number | null => (typeof paired === "number" ? paired : ratio(a, b));

/** "TLS_AES_128_GCM_SHA256" → "aes128gcm", as the ids spell suites. */
export const suiteId = (suite: string): string => suite.replace(/^TLS_/, "").replace(/_SHA\d+$/, "").replace(/_/g, "").toLowerCase();
const SUITE_LABELS: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: "AES-128-GCM",
  TLS_AES_256_GCM_SHA384: "AES-256-GCM",
  TLS_CHACHA20_POLY1305_SHA256: "ChaCha20-Poly1305",
};
export const suiteLabel = (suite: string): string => SUITE_LABELS[suite] ?? suite;

function target(id: string, label: string, value: number | null, limit: number | null, kind: "max" | "min", unit: Target["unit"]): Target {
  const v = value === null || !Number.isFinite(value) ? null : Math.round(value * 1000) / 1000;
  return { id, label, value: v, limit, kind, met: met({ value: v, limit, kind }), unit };
}

export function evaluateTargets(r: Results): Target[] {
  const out: Target[] = [];
  const keyName = { p256: "P-256", ed25519: "Ed25519" } as const;
  // Issue 5 (benchmarks): the handshake against its public-key floor, and the native provider against Node's tls.
  for (const type of ["p256", "ed25519"] as const) {
    const h: Partial<HandshakeEntry> = r.handshake?.[type] ?? {};
    out.push(target(`handshake.${type}.vs_floor`, `${keyName[type]} mTLS handshake, pure, in memory / noble floor`, ratio(h.mutls_ms, h.floor_ms), 1.0, "max", "ratio"));
  }
  for (const type of ["p256", "ed25519"] as const) {
    const h: Partial<HandshakeEntry> = r.handshake?.[type] ?? {};
    out.push(target(`handshake.${type}.native_vs_node_tls`, `${keyName[type]} handshake over TCP, native provider / Node tls`, pairedOr(h.native_vs_node_tls, h.mutls_native_ms, h.node_tls_ms), 1.0, "max", "ratio"));
  }
  const recordTargets: [string, string, number][] = [
    ["TLS_AES_128_GCM_SHA256", "1024", 2.0],
    ["TLS_AES_128_GCM_SHA256", "16384", 1.3],
    ["TLS_CHACHA20_POLY1305_SHA256", "1024", 1.3],
    ["TLS_CHACHA20_POLY1305_SHA256", "16384", 1.0],
  ];
  for (const [suite, size, limit] of recordTargets) {
    const x: Partial<RecordEntry> = r.records?.[suite]?.[size] ?? {};
    out.push(target(`records.${suiteId(suite)}.${size}.vs_noble`, `${suiteLabel(suite)} records @${size} B, mutls / noble one-shot`, ratio(x.mutls_MBps, x.noble_oneshot_MBps), limit, "min", "ratio"));
  }
  for (const [suite, g] of Object.entries(r.gc ?? {})) {
    out.push(target(`gc.${suiteId(suite)}.scavenges`, `${suiteLabel(suite)}: minor GCs per ${g.mib} MiB of records`, typeof g.scavenges === "number" ? g.scavenges : null, 0, "max", "count"));
  }
  // Issue 15 (devices): one side of an idle established connection, the largest over the suites.
  const kib = (x: number | undefined): number | null => (typeof x === "number" ? x / 1024 : null);
  const perSuite = Object.values(r.memory?.suites ?? {}).flatMap((m) => [m.client_idle_bytes, m.server_idle_bytes]);
  const idle = perSuite.length > 0 ? Math.max(...perSuite) : r.memory === undefined ? undefined : Math.max(r.memory.client_idle_bytes, r.memory.server_idle_bytes);
  out.push(target("memory.idle_connection_kib", "idle connection, one side, largest over the suites (KiB)", kib(idle), 32, "max", "KiB"));
  const small = r.memory?.client_idle_rsl512_bytes === undefined || r.memory.server_idle_rsl512_bytes === undefined ? undefined : Math.max(r.memory.client_idle_rsl512_bytes, r.memory.server_idle_rsl512_bytes);
  out.push(target("memory.idle_connection_rsl512_kib", "idle connection, one side, record_size_limit 512 (KiB)", kib(small), 8, "max", "KiB"));
  const active = r.memory?.client_idle_after_data_bytes === undefined || r.memory.server_idle_after_data_bytes === undefined ? undefined : Math.max(r.memory.client_idle_after_data_bytes, r.memory.server_idle_after_data_bytes);
  out.push(target("memory.idle_after_data_kib", "idle connection after one record each way, one side, AES-128-GCM (KiB)", kib(active), null, "max", "KiB"));
  // Issue 15: the low-memory profile, heap plus array buffers kept by a fresh process's first mutual
  // handshake beyond module load (bench/first-handshake.ts), and its handshake time beside the default's.
  const first = r.memory?.first_handshake;
  out.push(target("memory.low_memory_first_handshake_kib", "memoryProfile low: retained by the first mutual handshake beyond module load (KiB)", kib(first?.low.retained_bytes), 512, "max", "KiB"));
  out.push(target("memory.default_first_handshake_kib", "memoryProfile default: retained by the first mutual handshake beyond module load (KiB)", kib(first?.default.retained_bytes), null, "max", "KiB"));
  out.push(target("memory.low_memory_handshake_ms", "memoryProfile low: mutual P-256 handshake, median (ms)", first?.low.median_ms ?? null, null, "max", "ms"));
  out.push(target("memory.default_handshake_ms", "memoryProfile default: mutual P-256 handshake, median (ms)", first?.default.median_ms ?? null, null, "max", "ms"));
  // Issue 15 replaces issue 5's 45 KB and 75 KB bundle targets with these.
  const kb = (x: unknown): number | null => (typeof x === "number" ? x / 1000 : null);
  out.push(target("bundle.minimal_client_kb", "bundle, minimal client, min+gzip (KB)", kb(r.bundle?.minimal_client_min_gz), 60, "max", "KB"));
  out.push(target("bundle.full_kb", "bundle, everything, min+gzip (KB)", kb(r.bundle?.full_min_gz), 95, "max", "KB"));
  out.push(target("bundle.fetch_kb", "bundle, mutls/fetch (everything it exports), min+gzip (KB)", kb(r.bundle?.fetch_min_gz), null, "max", "KB"));
  out.push(target("bundle.ca_kb", "bundle, mutls/ca (everything it exports), min+gzip (KB)", kb(r.bundle?.ca_min_gz), null, "max", "KB"));
  // Issue 11 (safe to expose): the worst Certificate flight within the limits, against a normal handshake.
  out.push(target("hostile.worst_flight_vs_handshake", "worst hostile Certificate flight, victim's time / normal P-256 handshake", r.hostile?.worst_flight_vs_handshake ?? null, 10, "max", "ratio"));
  // The same budget with victims on the WebCrypto provider, whose normal handshake is shorter while
  // the path search stays JavaScript: the ratio an operator of a crypto.subtle runtime faces.
  out.push(target("hostile.webcrypto_worst_flight_vs_handshake", "worst hostile Certificate flight, WebCrypto victim's time / normal WebCrypto P-256 handshake", r.hostile?.webcrypto?.worst_flight_vs_handshake ?? null, 10, "max", "ratio"));
  // Issue 15 (devices): mutls in Moddable XS, reported without a limit. The metered costs are
  // deterministic; `npm run bench:xs-gate` holds them to bench/xs-meter-baseline.json.
  out.push(target("xs.handshake_ms", "Moddable XS (xsnap): mutual P-256 handshake, median (ms)", r.xs?.handshake_ms ?? null, null, "max", "ms"));
  out.push(target("xs.metered_handshake", "Moddable XS: metered steps of one mutual P-256 handshake", r.xs?.metered_handshake ?? null, null, "max", "count"));
  out.push(target("xs.metered_mib_records", "Moddable XS: metered steps of 1 MiB of AES-128-GCM records", r.xs?.metered_mib_records ?? null, null, "max", "count"));
  // Issue 13 (WebCrypto provider): handshake time ratios in one run, and the records' speed-up, each
  // the median of per-round ratios where the results carry it (pairedOr).
  const web = r.webcrypto;
  out.push(target("webcrypto.p256_vs_node_tls", "P-256 mTLS handshake over TCP, WebCrypto provider (Node's crypto.subtle) / Node tls", pairedOr(web?.p256?.webcrypto_vs_node_tls, web?.p256?.webcrypto_ms, web?.p256?.node_tls_ms), 1.5, "max", "ratio"));
  out.push(target("webcrypto.p256_vs_pure", "P-256 mTLS handshake over TCP, WebCrypto provider / pure provider", pairedOr(web?.p256?.webcrypto_vs_pure, web?.p256?.webcrypto_ms, web?.p256?.pure_ms), 0.25, "max", "ratio"));
  // Issue 13: AES-128-GCM 16 KiB records through connect()/accept(), WebCrypto (the transport's asynchronous pipeline) / pure.
  const wr = r.webcrypto_records;
  const measured = wr !== undefined && "webcrypto_MBps" in wr ? wr : undefined;
  out.push(target("webcrypto.aes128gcm_16k_vs_pure", "AES-128-GCM 16 KiB records through connect()/accept(), WebCrypto / pure throughput", pairedOr(measured?.webcrypto_vs_pure, measured?.webcrypto_MBps, measured?.pure_MBps), 5, "min", "ratio"));
  out.push(target("webcrypto.workerd_handshake_vs_pure", "P-256 mTLS handshake in workerd, WebCrypto provider / pure provider", pairedOr(web?.workerd?.webcrypto_vs_pure, web?.workerd?.webcrypto_ms, web?.workerd?.pure_ms), 0.3, "max", "ratio"));
  return out;
}

/** The value as the table and chart print it. */
export function formatValue(t: Target): string {
  if (t.value === null) return "n/a";
  if (t.unit === "count") return String(t.value);
  if (t.unit === "KB" || t.unit === "KiB") return t.value.toFixed(1);
  return t.value.toFixed(2);
}

/** "≤ 1" / "≥ 2" (ASCII with ascii = true). */
export function formatLimit(t: Target, ascii = false): string {
  if (t.limit === null) return ascii ? "-" : "—";
  return `${t.kind === "max" ? (ascii ? "<=" : "≤") : ascii ? ">=" : "≥"} ${t.limit}${t.unit === "KB" || t.unit === "KiB" ? ` ${t.unit}` : ""}`;
}
