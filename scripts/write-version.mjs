// Writes src/version.ts from package.json's version. `npm version` runs it (the "version" script), so a
// release bump updates both; test/version.test.ts fails if they ever differ. The core cannot read
// package.json at run time (no node:fs, and a JSON import is not portable to every runtime we support).
import { readFileSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));
const text = `// Generated from package.json by scripts/write-version.mjs (run by \`npm version\`); do not edit.\nexport const VERSION = ${JSON.stringify(version)};\n`;
writeFileSync(new URL("src/version.ts", root), text);
