/**
 * Bundles test/fuzz/run.ts with esbuild into node_modules/.cache/mutls/fuzz.mjs so the fuzzer runs
 * on plain `node` (no vitest, no TypeScript loader). Test helpers locate fixtures through
 * `import.meta.url`; the plugin pins each file's own URL so those paths survive bundling.
 */
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

const keepImportMetaUrl = {
  name: "keep-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      return { contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)), loader: "ts" };
    });
  },
};

await build({
  entryPoints: [join(here, "run.ts")],
  outfile: join(root, "node_modules", ".cache", "mutls", "fuzz.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  plugins: [keepImportMetaUrl],
  logLevel: "warning",
});
