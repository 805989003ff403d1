/**
 * The house rules of docs/architecture.md, checked on every file under src/: the layers import
 * downwards only, the core (everything but src/node and src/cli) imports no Node module and uses no
 * Buffer, and src/ imports only runtime dependencies. The checker is first fed synthetic files that
 * break each rule, so a checker that stopped seeing violations would fail here too. Last, the two
 * lint baselines (non-null assertions in src/handshake, files not yet formatted) may only shrink.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { COMPUTED_SPECIFIER, checkFile, scanSource, type SourceFacts } from "./architecture/import-rules.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const srcDir = join(root, "src");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
const dependencies = new Set(Object.keys(pkg.dependencies));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Paths relative to src/ with forward slashes, as the checker expects. */
const files = sourceFiles(srcDir).map((path) => relative(srcDir, path).split(sep).join("/"));

const facts = (...specifiers: string[]): SourceFacts => ({ imports: specifiers.map((specifier, i) => ({ specifier, line: i + 1 })), bufferLines: [] });
const rulesBroken = (file: string, f: SourceFacts) => checkFile(file, f, new Set(["@noble/hashes", "asn1js"])).map((v) => `${v.specifier}: ${v.rule}`);

describe("the import checker on synthetic files", () => {
  it("accepts imports that point down or stay in the layer", () => {
    expect(rulesBroken("handshake/client.ts", facts("./messages.js", "../record/record-protection.js", "../x509/index.js", "../bytes/index.js"))).toEqual([]);
    expect(rulesBroken("crypto/pure.ts", facts("../bytes/index.js", "./provider.js", "@noble/hashes/sha2.js"))).toEqual([]);
    expect(rulesBroken("index.ts", facts("./transport/transport.js", "./version.js"))).toEqual([]);
    expect(rulesBroken("node/provider.ts", facts("node:crypto", "../index.js"))).toEqual([]);
  });

  it("refuses record/ importing handshake/ and x509/ importing record/, handshake/ or transport/", () => {
    expect(rulesBroken("record/record-reader.ts", facts("../handshake/constants.js"))).toEqual([
      expect.stringMatching(/^\.\.\/handshake\/constants\.js: record\/ never imports handshake\//),
    ]);
    expect(rulesBroken("x509/crl.ts", facts("../record/record-protection.js"))).toEqual(["../record/record-protection.js: x509/ never imports record/"]);
    expect(rulesBroken("x509/crl.ts", facts("../handshake/config.js", "../transport/transport.js"))).toHaveLength(2);
    expect(rulesBroken("x509/crl.ts", facts("../connection/connection.js"))).toHaveLength(1);
  });

  it("keeps handshake/codec/ free of the rest of handshake/", () => {
    expect(rulesBroken("handshake/codec/messages.ts", facts("./extensions.js", "../../bytes/index.js", "../../x509/index.js"))).toEqual([]);
    expect(rulesBroken("handshake/codec/messages.ts", facts("../key-schedule.js", "../client/state.js"))).toEqual([
      "../key-schedule.js: handshake/codec/ imports nothing else of handshake/",
      "../client/state.js: handshake/codec/ imports nothing else of handshake/",
    ]);
    expect(rulesBroken("handshake/client/handshake.ts", facts("../codec/messages.js"))).toEqual([]);
  });

  it("lets crypto/ import only bytes/", () => {
    expect(rulesBroken("crypto/aead.ts", facts("../record/record-protection.js", "../x509/index.js", "../bytes/index.js"))).toHaveLength(2);
  });

  it("refuses node:* modules, bare builtins and Buffer in the core, and accepts them in node/ and cli/", () => {
    const withBuffer: SourceFacts = {
      imports: [
        { specifier: "node:fs", line: 1 },
        { specifier: "crypto", line: 2 },
      ],
      bufferLines: [7],
    };
    expect(checkFile("record/record-writer.ts", withBuffer, dependencies).map((v) => [v.line, v.specifier])).toEqual([
      [7, "Buffer"],
      [1, "node:fs"],
      [2, "crypto"],
    ]);
    expect(checkFile("cli/mutls.ts", withBuffer, dependencies)).toEqual([]);
  });

  it("refuses devDependencies, files outside src/ and import() of a computed name", () => {
    expect(rulesBroken("crypto/aead.ts", facts("@noble/ciphers/aes.js"))).toEqual([
      expect.stringMatching(/@noble\/ciphers is not in package.json "dependencies"/),
    ]);
    expect(rulesBroken("index.ts", facts("../package.json"))).toEqual(["../package.json: src/ never imports a file outside src/"]);
    expect(rulesBroken("handshake/client.ts", facts(COMPUTED_SPECIFIER))).toHaveLength(1);
  });

  it("reads every form of import from source text, and Buffer only where it is code", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "../b/b.js";',
      'export { c } from "./c.js";',
      'export * from "./d.js";',
      'const e = await import("./e.js");',
      'type F = import("./f.js").F;',
      "const g = await import(name);",
      '// Buffer in a comment, and "node:fs" in a string, are not code',
      "const h = { Buffer: 1 }; h.Buffer;",
      "const i = Buffer.from([]);",
    ].join("\n");
    const scanned = scanSource("x.ts", text);
    expect(scanned.imports).toEqual([
      { specifier: "./a.js", line: 1 },
      { specifier: "../b/b.js", line: 2 },
      { specifier: "./c.js", line: 3 },
      { specifier: "./d.js", line: 4 },
      { specifier: "./e.js", line: 5 },
      { specifier: "./f.js", line: 6 },
      { specifier: COMPUTED_SPECIFIER, line: 7 },
    ]);
    expect(scanned.bufferLines).toEqual([10]);
  });
});

describe("the layering of src/ (docs/architecture.md)", () => {
  it("finds the source tree", () => {
    expect(files).toContain("record/record-reader.ts");
    expect(files.length).toBeGreaterThan(100);
  });

  it("has no file that breaks an import rule", () => {
    const violations = files.flatMap((file) => checkFile(file, scanSource(file, readFileSync(join(srcDir, file), "utf8")), dependencies));
    // Listed by file, line and import, so the failure says what to move.
    expect(violations.map((v) => `src/${v.file}:${v.line} ${v.specifier}: ${v.rule}`)).toEqual([]);
  });
});

/**
 * A handshake state holds only what is valid in it, so src/handshake never needs `x!`.
 * `@typescript-eslint/no-non-null-assertion` is an error there (eslint.config.js); this test says
 * the same inside `npm test`, which runs where the linter may not.
 */
describe("non-null assertions in src/handshake", () => {
  const countNonNull = (path: string): number => {
    const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
    let count = 0;
    const visit = (node: ts.Node): void => {
      if (ts.isNonNullExpression(node)) count++;
      ts.forEachChild(node, visit);
    };
    visit(source);
    return count;
  };

  it("are none, in every file", () => {
    const handshakeFiles = files.filter((file) => file.startsWith("handshake/"));
    expect(handshakeFiles.length).toBeGreaterThan(10);
    const found = handshakeFiles.flatMap((file) => {
      const count = countNonNull(join(root, "src", file));
      return count > 0 ? [`src/${file}: ${count}`] : [];
    });
    expect(found).toEqual([]);
  });
});

/**
 * `npm run format:check` skips the files listed in .prettierignore after its "Not yet formatted" line:
 * the files that did not match .prettierrc.json when the check came in. The list may only shrink.
 */
describe("files not yet formatted (.prettierignore)", () => {
  const text = readFileSync(join(root, ".prettierignore"), "utf8");
  const marker = text.indexOf("# Not yet formatted");
  const listed = text
    .slice(marker)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

  it("lists no more files than when the check came in (152), each of which exists", () => {
    expect(marker).toBeGreaterThan(0);
    expect(listed.length).toBeLessThanOrEqual(152);
    expect(listed.filter((file) => !existsSync(join(root, file)))).toEqual([]);
  });
});
