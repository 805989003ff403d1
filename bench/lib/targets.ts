/**
 * The targets as data, evaluated against a results object: shared by the table printer
 * (run.ts), the chart (chart.ts) and bench/README.md's explanation. KB = 1000 bytes.
 */
export interface Target {
  /** e.g. "handshake p256 mutls/floor" */
  readonly label: string;
  readonly value: number | null;
  readonly limit: number;
  /** "max": value must be <= limit; "min": value must be >= limit. */
  readonly kind: "max" | "min";
  readonly unit: "ratio" | "count" | "KB";
}

export const met = (t: Target): boolean | null =>
  t.value === null || !Number.isFinite(t.value) ? null : t.kind === "max" ? t.value <= t.limit : t.value >= t.limit;

import type { BenchResults, HandshakeEntry, RecordEntry } from "./results.js";

type Results = Partial<BenchResults>;

const ratio = (a: unknown, b: unknown): number | null =>
  typeof a === "number" && typeof b === "number" && b > 0 ? a / b : null;

export function evaluateTargets(r: Results): Target[] {
  const out: Target[] = [];
  for (const type of ["p256", "ed25519"]) {
    const h: Partial<HandshakeEntry> = r.handshake?.[type as "p256"] ?? {};
    out.push({ label: `handshake ${type}: mutls / floor`, value: ratio(h.mutls_ms, h.floor_ms), limit: 1.0, kind: "max", unit: "ratio" });
  }
  const recordTargets: [string, string, number][] = [
    ["TLS_AES_128_GCM_SHA256", "1024", 2.0],
    ["TLS_AES_128_GCM_SHA256", "16384", 1.3],
    ["TLS_CHACHA20_POLY1305_SHA256", "1024", 1.3],
    ["TLS_CHACHA20_POLY1305_SHA256", "16384", 1.0],
  ];
  for (const [suite, size, limit] of recordTargets) {
    const x: Partial<RecordEntry> = r.records?.[suite]?.[size] ?? {};
    const short = suite.replace(/^TLS_/, "").replace(/_SHA\d+$/, "");
    out.push({ label: `records ${short} @${size}: mutls / noble one-shot`, value: ratio(x.mutls_MBps, x.noble_oneshot_MBps), limit, kind: "min", unit: "ratio" });
  }
  for (const [suite, g] of Object.entries(r.gc ?? {})) {
    const short = suite.replace(/^TLS_/, "").replace(/_SHA\d+$/, "");
    out.push({ label: `gc ${short}: scavenges per ${g.mib} MiB`, value: typeof g.scavenges === "number" ? g.scavenges : null, limit: 0, kind: "max", unit: "count" });
  }
  for (const type of ["p256", "ed25519"]) {
    const h: Partial<HandshakeEntry> = r.handshake?.[type as "p256"] ?? {};
    out.push({ label: `native ${type}: mutls_native / node tls`, value: ratio(h.mutls_native_ms, h.node_tls_ms), limit: 1.0, kind: "max", unit: "ratio" });
  }
  const kb = (x: unknown): number | null => (typeof x === "number" ? x / 1000 : null);
  out.push({ label: "bundle minimal client (min+gz)", value: kb(r.bundle?.minimal_client_min_gz), limit: 45, kind: "max", unit: "KB" });
  out.push({ label: "bundle everything (min+gz)", value: kb(r.bundle?.full_min_gz), limit: 75, kind: "max", unit: "KB" });
  return out;
}
