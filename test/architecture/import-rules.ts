/**
 * The layering rules of docs/architecture.md as data, and a pure checker over them. The checker takes
 * a file's path (relative to src/) and what the file imports, and returns every rule it breaks;
 * `scanSource` extracts those imports with the TypeScript parser, so comments and strings never count.
 */
import { builtinModules } from "node:module";
import { posix } from "node:path";
import ts from "typescript";

/**
 * The layers of docs/architecture.md, bottom first: a file may import its own layer or one listed
 * before it ("imports point down only"). The files at the top of src/ (index.ts, version.ts) are the
 * package entry point: they re-export the core, and only node/ and cli/ sit above them.
 */
export const LAYER_ORDER = ["bytes", "crypto", "record", "x509", "ca", "handshake", "connection", "transport", "http", "(root)", "node", "cli"] as const;
export type Layer = (typeof LAYER_ORDER)[number];

/** Imports that the order above would allow but the architecture forbids. */
export const FORBIDDEN_IMPORTS: readonly { from: Layer; to: Layer; rule: string }[] = [
  // x509 sits above record in the diagram, but certificate parsing has no business with records.
  { from: "x509", to: "record", rule: "x509/ never imports record/" },
];

/** The handshake's wire codec: it imports nothing else of handshake/, so it knows no handshake logic. */
const CODEC = "handshake/codec/";
const CODEC_RULE = "handshake/codec/ imports nothing else of handshake/";

/** The layers that may use Node: everything else is the runtime-neutral core (no node:*, no Buffer). */
export const NODE_LAYERS: readonly Layer[] = ["node", "cli"];

export interface ImportRef {
  specifier: string;
  line: number;
}

export interface SourceFacts {
  imports: ImportRef[];
  /** Lines where the identifier `Buffer` is used (not as a property name such as `x.Buffer`). */
  bufferLines: number[];
}

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  rule: string;
}

const builtins = new Set(builtinModules);

/** What `scanSource` records for an `import()` whose argument is not a string literal. */
export const COMPUTED_SPECIFIER = "<computed>";

/** The layer of a file given by its path relative to src/ ("record/record-reader.ts"). */
export function layerOf(file: string): Layer {
  const slash = file.indexOf("/");
  if (slash < 0) return "(root)";
  const top = file.slice(0, slash);
  const layer = LAYER_ORDER.find((name) => name === top);
  if (layer === undefined) throw new Error(`src/${file}: folder ${top}/ has no place in LAYER_ORDER (docs/architecture.md)`);
  return layer;
}

function rank(layer: Layer): number {
  return LAYER_ORDER.indexOf(layer);
}

/**
 * Every rule `file` (relative to src/) breaks by importing `facts.imports` and using `Buffer` where
 * `facts.bufferLines` says. `dependencies` are the package's runtime dependencies: the only packages
 * src/ may import, since a devDependency is not installed for a user.
 */
export function checkFile(file: string, facts: SourceFacts, dependencies: ReadonlySet<string>): Violation[] {
  const from = layerOf(file);
  const core = !NODE_LAYERS.includes(from);
  const violations: Violation[] = [];
  const report = (line: number, specifier: string, rule: string) => violations.push({ file, line, specifier, rule });

  if (core) for (const line of facts.bufferLines) report(line, "Buffer", "the core (outside src/node and src/cli) never uses Buffer");

  for (const { specifier, line } of facts.imports) {
    if (specifier === COMPUTED_SPECIFIER) {
      // cli/mutls.ts loads its optional `cert` command by a computed name; cli/ is the top layer, so
      // nothing it loads can be above it.
      if (core) report(line, specifier, "the core imports only string literals, so these rules can check every import");
      continue;
    }
    if (specifier.startsWith("node:") || builtins.has(specifier.split("/")[0])) {
      if (core) report(line, specifier, "the core (outside src/node and src/cli) never imports a Node module");
      continue;
    }
    if (!specifier.startsWith(".")) {
      const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
      if (!dependencies.has(name)) report(line, specifier, `src/ imports only runtime dependencies; ${name} is not in package.json "dependencies"`);
      continue;
    }
    const target = posix.normalize(posix.join(posix.dirname(file), specifier));
    if (target.startsWith("../") || target === "..") {
      report(line, specifier, "src/ never imports a file outside src/");
      continue;
    }
    let to: Layer;
    try {
      to = layerOf(target);
    } catch {
      report(line, specifier, `the target ${target} is in no layer of docs/architecture.md`);
      continue;
    }
    if (rank(to) > rank(from)) {
      report(line, specifier, `${from}/ never imports ${to}/: imports point down only (${LAYER_ORDER.join(" < ")})`);
      continue;
    }
    const forbidden = FORBIDDEN_IMPORTS.find((f) => f.from === from && f.to === to);
    if (forbidden) report(line, specifier, forbidden.rule);
    else if (file.startsWith(CODEC) && to === "handshake" && !target.startsWith(CODEC)) report(line, specifier, CODEC_RULE);
  }
  return violations;
}

/** The module specifiers of static imports, re-exports, `import()` with a string literal and `import("x").T` types. */
export function scanSource(fileName: string, text: string): SourceFacts {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
  const imports: ImportRef[] = [];
  const bufferLines: number[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const addSpecifier = (node: ts.Node | undefined) => {
    if (node === undefined) return;
    // An import() of a computed name cannot be checked, so it counts as a violation of its own.
    imports.push({ specifier: ts.isStringLiteralLike(node) ? node.text : COMPUTED_SPECIFIER, line: lineOf(node) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) addSpecifier(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) addSpecifier(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) addSpecifier(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) addSpecifier(node.argument.literal);
    else if (ts.isIdentifier(node) && node.text === "Buffer") {
      const parent = node.parent;
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent)) && parent.name === node);
      if (!isPropertyName) bufferLines.push(lineOf(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { imports, bufferLines };
}
