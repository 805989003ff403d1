/**
 * Replays every input `npm run fuzz` ever saved (test/fuzz-regressions/<target>/<sha>.bin)
 * through the same target and properties, so a fixed bug stays fixed. Also runs each target's
 * seed corpus once: the targets themselves must stay valid as the engine changes.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadTargets } from "./fuzz/targets.js";

const DIR = new URL("./fuzz-regressions/", import.meta.url);
const targets = await loadTargets({ live: false });
const byName = new Map(targets.map((t) => [t.name, t]));
const saved = existsSync(DIR)
  ? readdirSync(DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(new URL(`${d.name}/`, DIR)).filter((f) => f.endsWith(".bin")).map((f) => ({ target: d.name, file: f })))
  : [];

describe("fuzz regressions replay (test/fuzz-regressions)", () => {
  it("every saved input names a known target", () => {
    for (const s of saved) expect(byName.has(s.target), `unknown fuzz target directory ${s.target}`).toBe(true);
  });
  for (const { target, file } of saved) {
    it(`${target}/${file}`, () => {
      const input = new Uint8Array(readFileSync(new URL(`${target}/${file}`, DIR)));
      byName.get(target)!.run(input);
    });
  }
});

describe("fuzz targets hold their properties on their seed corpus", () => {
  for (const t of targets) {
    it(`${t.name} (${t.seeds.length} seeds)`, () => {
      expect(t.seeds.length).toBeGreaterThan(0);
      for (const seed of t.seeds) t.run(seed);
    });
  }
});
