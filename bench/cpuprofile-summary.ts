/**
 * Condenses a V8 .cpuprofile (node --cpu-prof) into self time per function and per source area
 * (a package under node_modules, or a directory of src/), which is what a closing note needs:
 * where the time goes. Usage: node bench/.out/cpuprofile-summary.mjs FILE.cpuprofile [top]
 * [--bundle BUNDLE.js]: with --bundle, frames from that esbuild bundle (a workerd Worker's, whose
 * profile names only `worker.js`) are attributed to the source file of their line, by the
 * `// path` comments esbuild writes before each module.
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
  const s = /(?:^|\/)(src\/.*|bench\/.*|test\/.*)$/.exec(url);
  if (s) return s[1];
  return url.replace(/^.*\//, "");
}

const flag = process.argv.indexOf("--bundle");
const bundle = flag >= 0 ? process.argv[flag + 1] : undefined;
const [file, topArg] = process.argv.slice(2).filter((_, i, all) => all[i] !== "--bundle" && all[i - 1] !== "--bundle");
const top = Number(topArg ?? "25");
/** For --bundle: the source file each line of the bundle belongs to (0-based lines, as V8 reports them). */
const bundleName = bundle?.replace(/^.*\//, "");
const sourceOfLine: string[] = [];
if (bundle !== undefined) {
  let current = "(bundle)";
  for (const line of readFileSync(bundle, "utf8").split("\n")) {
    const m = /^\/\/ ((?:src|bench|test|node_modules)\/\S+)$/.exec(line);
    if (m) current = m[1];
    sourceOfLine.push(current);
  }
}
/** A frame's file: its source file inside the --bundle, else its URL. */
function urlOf(frame: { url: string; lineNumber: number }): string {
  if (bundleName !== undefined && frame.url.replace(/^.*\//, "") === bundleName) return sourceOfLine[frame.lineNumber] ?? frame.url;
  return frame.url;
}
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
  const fn = `${node.callFrame.functionName || "(anonymous)"} ${area(urlOf(node.callFrame))}:${node.callFrame.lineNumber + 1}`;
  perFunction.set(fn, (perFunction.get(fn) ?? 0) + ms);
  const a = area(urlOf(node.callFrame)).replace(/\/[^/]+$/, (tail) => (tail.includes(".") ? "" : tail));
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
    if (!node || /node_modules|^node:|^$/.test(urlOf(node.callFrame))) continue;
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${area(urlOf(node.callFrame))}:${node.callFrame.lineNumber + 1}`;
    if (seen.has(fn)) continue; // recursion: count once
    seen.add(fn);
    inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms);
  }
}
process.stdout.write(`total sampled: ${total.toFixed(1)} ms\n`);
print("self time by area", perArea);
print("self time by function", perFunction);
print("inclusive time of engine functions", inclusive);
