/**
 * bundle.*: esbuild, --platform=browser --minify, dependencies included, then gzip (node:zlib,
 * level 9). The metafile tells which inputs carry the weight, reported next to each size.
 */
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ENTRIES = {
  client_min_gz: "client.ts",
  server_min_gz: "server.ts",
  full_min_gz: "full.ts",
  minimal_client_min_gz: "minimal-client.ts",
  minimal_client_ed25519_min_gz: "minimal-client-ed25519.ts",
  // The tools' own entries (`mutls/fetch`, `mutls/ca`), reported without a target.
  fetch_min_gz: "fetch.ts",
  ca_min_gz: "ca.ts",
} as const;

export type BundleSizes = Record<keyof typeof ENTRIES, number>;

export interface BundleReport {
  sizes: BundleSizes;
  /** Per entry, the heaviest packages/directories by minified bytes. */
  breakdown: Record<string, Record<string, number>>;
}

/** node_modules/@noble/curves/abstract/x.js → @noble/curves; src/crypto/x.ts → src/crypto. */
function origin(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (m) return m[1];
  const s = /(src\/[^/]+)\//.exec(path);
  return s ? s[1] : path;
}

/**
 * Builds every entry of bench/bundle/ as a browser bundle. Also the check that the core carries no
 * Node built-in: esbuild fails to resolve `node:*` for --platform=browser, and `measureBundles`
 * lets that failure through.
 */
export async function measureBundles(): Promise<BundleReport> {
  const sizes = {} as BundleSizes;
  const breakdown: Record<string, Record<string, number>> = {};
  for (const [field, entry] of Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][]) {
    const result = await build({
      entryPoints: [new URL(`../bundle/${entry}`, import.meta.url).pathname],
      bundle: true,
      minify: true,
      platform: "browser",
      format: "esm",
      target: "es2020",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const code = result.outputFiles[0].contents;
    sizes[field] = gzipSync(code, { level: 9 }).length;
    const byOrigin: Record<string, number> = {};
    for (const output of Object.values(result.metafile.outputs)) {
      for (const [path, info] of Object.entries(output.inputs)) byOrigin[origin(path)] = (byOrigin[origin(path)] ?? 0) + info.bytesInOutput;
    }
    breakdown[field] = Object.fromEntries(Object.entries(byOrigin).sort((a, b) => b[1] - a[1]).slice(0, 8));
  }
  return { sizes, breakdown };
}
