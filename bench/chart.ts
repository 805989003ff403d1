/**
 * bench/results/chart.svg from latest.json: one horizontal bar per target of the issue, drawn as
 * "how far past the target" so every row reads the same way: the dashed line is the target, a bar
 * reaching past it (green) meets it, a shorter one (red) misses it. For "at most" targets the bar
 * is limit / value, for "at least" targets value / limit; GC scavenges show 1 for zero, else less.
 * Rows are latest.json's `targets` list, labelled by id. Hand-written SVG, no dependencies.
 * `npm run bench:chart` redraws it, and the README's tables, from latest.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { BenchResults } from "./lib/results.js";
import { writeReadmeTable } from "./lib/readme-table.js";
import { type Target, evaluateTargets, formatLimit, formatValue } from "./lib/targets.js";

const WIDTH = 940;
const LABEL_W = 380;
const BAR_W = 380;
const ROW_H = 26;
/** The bar scale runs to 3× the target; anything beyond is clipped and marked. */
const SCALE_MAX = 3;

function score(t: Target): number | null {
  if (t.value === null) return null;
  if (t.unit === "count") return t.value === 0 ? 1 : 1 / (1 + t.value);
  if (t.kind === "min") return t.value / t.limit;
  return t.value === 0 ? SCALE_MAX : t.limit / t.value;
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function describe(t: Target): string {
  if (t.value === null) return "not measured";
  return `${formatValue(t)}${t.unit === "KB" || t.unit === "KiB" ? ` ${t.unit}` : ""} (target ${formatLimit(t)})`;
}

export function renderChart(r: Partial<BenchResults>): string {
  // The list latest.json carries; results written before it existed are evaluated here.
  const targets = r.targets ?? evaluateTargets(r);
  const top = 56;
  const height = top + targets.length * ROW_H + 40;
  const x0 = LABEL_W;
  const unit = BAR_W / SCALE_MAX;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#fff"/>`);
  const when = typeof r.machine?.date === "string" ? r.machine.date.slice(0, 16).replace("T", " ") : "";
  parts.push(`<text x="12" y="22" font-size="15" font-weight="bold">mutls benchmark targets${r.quick ? " (quick run)" : ""}</text>`);
  parts.push(`<text x="12" y="40" fill="#555">${escape(`${String(r.machine?.cpu ?? "")}, ${String(r.machine?.node ?? "")} ${when}`)} — bar = progress toward the target (dashed line)</text>`);
  targets.forEach((t, i) => {
    const y = top + i * ROW_H;
    const s = score(t);
    const ok = t.met;
    parts.push(`<text x="12" y="${y + 16}">${escape(t.id)}</text>`);
    if (s !== null) {
      const w = Math.max(1, Math.min(SCALE_MAX, s) * unit);
      parts.push(`<rect x="${x0}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW_H - 9}" fill="${ok ? "#2e8b57" : "#c0392b"}"/>`);
      if (s > SCALE_MAX) parts.push(`<text x="${x0 + BAR_W - 14}" y="${y + 16}" fill="#fff" font-weight="bold">»</text>`);
    }
    parts.push(`<text x="${x0 + BAR_W + 8}" y="${y + 16}" fill="#333">${escape(describe(t))}</text>`);
  });
  const lineX = x0 + unit;
  parts.push(`<line x1="${lineX}" y1="${top - 4}" x2="${lineX}" y2="${top + targets.length * ROW_H}" stroke="#000" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${lineX - 14}" y="${top + targets.length * ROW_H + 16}" fill="#000">target</text>`);
  parts.push(`<text x="${x0 + BAR_W - 20}" y="${top + targets.length * ROW_H + 16}" fill="#555">3×</text>`);
  parts.push(`</svg>`);
  return parts.join("\n") + "\n";
}

export function writeChart(r: Partial<BenchResults>, file: URL): void {
  writeFileSync(file, renderChart(r));
}

if (process.argv[1]?.endsWith("chart.mjs")) {
  const results = new URL("../results/", import.meta.url);
  const r = JSON.parse(readFileSync(new URL("latest.json", results), "utf8")) as Partial<BenchResults>;
  if (r.targets === undefined) r.targets = evaluateTargets(r);
  writeChart(r, new URL("chart.svg", results));
  const readme = writeReadmeTable(r, new URL("../../docs/performance.md", import.meta.url));
  process.stdout.write(`wrote bench/results/chart.svg${readme ? " and the README's performance tables" : ""}\n`);
}
