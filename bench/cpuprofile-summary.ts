/**
 * Condenses a V8 .cpuprofile (node --cpu-prof) into self time per function and per source area
 * (a package under node_modules, or a directory of src/), which is what a closing note needs:
 * where the time goes. Usage: node bench/.out/cpuprofile-summary.mjs FILE.cpuprofile [top]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  if (url === "") return "(native / V8)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:.*\/)?([^/]+)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  const s = /\/(src\/.*|bench\/.*)$/.exec(url);
  if (s) return s[1];
  return url.replace(/^.*\//, "");
}

const file = process.argv[2];
const top = Number(process.argv[3] ?? "25");
if (!file) throw new Error("usage: cpuprofile-summary.mjs FILE.cpuprofile [top]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
let total = 0;
const perFunction = new Map<string, number>();
const perArea = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const node = byId.get(id);
  if (!node) continue;
  total += ms;
  const fn = `${node.callFrame.functionName || "(anonymous)"} ${area(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  perFunction.set(fn, (perFunction.get(fn) ?? 0) + ms);
  const a = area(node.callFrame.url).replace(/\/[^/]+$/, (tail) => (tail.includes(".") ? "" : tail));
  perArea.set(a, (perArea.get(a) ?? 0) + ms);
}
const print = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
};
// Inclusive time of the engine's own functions (not node_modules): which protocol step pays.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at);
    if (!node || /node_modules|^node:|^$/.test(node.callFrame.url)) continue;
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${area(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    if (seen.has(fn)) continue; // recursion: count once
    seen.add(fn);
    inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms);
  }
}
process.stdout.write(`total sampled: ${total.toFixed(1)} ms\n`);
print("self time by area", perArea);
print("self time by function", perFunction);
print("inclusive time of engine functions", inclusive);
