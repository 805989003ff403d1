import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";

// The examples of the README and of docs/ must run as written. Each ```js block is imported through
// vitest's own transform, with the `mutls` import pointed at src/index.ts (`mutls/core` at src/core.ts, and so on) so no build is needed, and
// every `console.log(...); // value` comment must show up in what it printed.
const root = resolve(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
// docs/recipes/ too: its pages quote runtime-specific files in ```javascript blocks, which
// test/cli/recipes.test.ts and the runtime matrix run; any ```js block there runs here.
const markdownIn = (dir: string): string[] =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `${dir}/${f}`);
const documents = ["README.md", ...markdownIn("docs"), ...markdownIn("docs/recipes")];
const blocks = documents.flatMap((file) => [...readFileSync(join(root, file), "utf8").matchAll(/```js\n([\s\S]*?)```/g)].map((m) => [file, m[1]] as const));

describe("README", () => {
  it("opens with the two commands a new user runs", () => {
    const firstBlock = readme.match(/```sh\n([\s\S]*?)```/)?.[1] ?? "";
    expect(firstBlock).toContain("npm install && npx mutls demo");
    expect(firstBlock).toContain("npm test");
    expect(readme.indexOf("```sh")).toBeLessThan(readme.indexOf("## "));
  });

  it("has a runnable example, and stays short enough to read (under 12 KB; the reference lives in docs/)", () => {
    expect(blocks.filter(([file]) => file === "README.md").length).toBeGreaterThan(0);
    expect(Buffer.byteLength(readme)).toBeLessThan(12 * 1024);
  });

  it("links only to files that exist", () => {
    for (const file of documents) {
      const text = readFileSync(join(root, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(resolve(join(root, file, ".."), target)), `${file} links to ${target}`).toBe(true);
      }
    }
  });

  it.each(blocks.map(([file, code], i) => [file, i, code] as const))("%s example %i runs and prints what its comments promise", async (_file, i, code) => {
    const dir = join(root, "test", ".readme-examples");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i}.ts`);
    // The package's entries, as package.json exports them (longest names first).
    const entries = [
      ["mutls/fetch/core", "src/fetch-core.ts"],
      ["mutls/fetch", "src/fetch.ts"],
      ["mutls/core", "src/core.ts"],
      ["mutls/ca", "src/ca.ts"],
    ].reduce((text, [name, path]) => text.split(`from "${name}"`).join(`from ${JSON.stringify(join(root, path))}`), code);
    writeFileSync(file, entries.replace(/from "mutls"/g, `from ${JSON.stringify(join(root, "src/index.ts"))}`));
    const printed: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
    try {
      await import(pathToFileURL(file).href);
    } finally {
      spy.mockRestore();
      rmSync(file, { force: true });
    }
    const output = printed.join("\n");
    const promises = [...code.matchAll(/console\.log\(.*\);\s*\/\/\s*(.+)$/gm)].map((m) => m[1].trim());
    expect(promises.length).toBeGreaterThan(0);
    for (const promised of promises) expect(output).toContain(promised.replace(/^\[ '(.*)' \]$/, "$1"));
  });
});
