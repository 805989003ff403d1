#!/usr/bin/env node
// Turns the example handshake traces of RFC 8448 into one JSON file per section, so tests can
// replay them byte for byte without parsing RFC prose at test time.
//
//   node vectors/rfc8448/extract.mjs [path-to-rfc8448.txt] [--list]
//
// Without a path it reads <repo>/../shared/vectors/rfc8448.txt. It writes the JSON files next to
// this script and refreshes the step listing in README.md. With --list it only prints that listing.
// Node built-ins only: the repository's vector tooling must run without an install.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The trace sections of RFC 8448 and the file each is written to. */
export const SECTIONS = [
  { section: "3", title: "Simple 1-RTT Handshake", file: "section3-simple-1rtt.json" },
  { section: "4", title: "Resumed 0-RTT Handshake", file: "section4-resumed-0rtt.json" },
  { section: "5", title: "HelloRetryRequest", file: "section5-hello-retry-request.json" },
  { section: "6", title: "Client Authentication", file: "section6-client-authentication.json" },
  { section: "7", title: "Compatibility Mode", file: "section7-compatibility-mode.json" },
];

// Every "label (N octets):" item in sections 3-7. This is 538, not the 543 you get from
// `grep -c 'octets)'`: that count also matches the five `salt:  0 (all zero octets)` lines, which
// state no length and carry no hex (the salt is HashLen zero bytes, RFC 8446 Section 7.1).
export const EXPECTED_ITEM_COUNT = 538;

// Page furniture of the RFC text. Page breaks fall anywhere, including inside a hex block.
const FOOTER = /^Thomson {2,}Informational {2,}\[Page \d+\]$/;
const HEADER = /^RFC 8448 {2,}TLS 1\.3 Traces {2,}January 2019$/;
// Top-level headings ("3.  Simple 1-RTT Handshake") start at column 0.
const HEADING = /^(\d+)\.  (\S.*)$/;
const STEP = /^ {3}\{(\w+)\} {2}(\S.*)$/;
const ITEM = /^ {6}(\S.*?) \((\d+) octets\):\s+(.*)$/;
const HEX_BYTES = /^[0-9a-f]{2}( [0-9a-f]{2})*$/;
const HEX_CONTINUATION = /^ {9}([0-9a-f]{2}( [0-9a-f]{2})*)$/;
// Wrapped step text ("... (same as server handshake" / "      secret)") is indented by six.
const STEP_CONTINUATION = /^ {6}(\S.*)$/;
// The only non-hex line inside a step: the early secret's salt has no declared length.
const ZERO_SALT = /^ {6}salt: {2}0 \(all zero octets\)$/;

/**
 * Parses the RFC 8448 text into its five trace sections.
 * Throws on anything it does not understand, on any item whose hex length differs from its
 * declared "(N octets)", and on a total item count other than EXPECTED_ITEM_COUNT.
 * @param {string} text
 */
export function parseRfc8448(text) {
  // Form feeds sit at the start of the line after a page footer; treat them as page furniture.
  const lines = text.split(/\r?\n/).map((l) => l.replace(/^\f/, "").replace(/\s+$/, ""));
  const sections = [];
  let section = null; // the trace section being read, or null outside sections 3-7
  let step = null;
  let item = null;
  let stepWraps = false; // the next indented text line continues the step's action
  let gap = "none"; // what separates the open item from the current line: none, blank, page

  const fail = (lineNo, why) => {
    throw new Error(`rfc8448 line ${lineNo}: ${why}: ${JSON.stringify(lines[lineNo - 1])}`);
  };
  const closeItem = () => {
    if (item === null) return;
    const hex = item.bytes.join("");
    if (hex.length !== item.length * 2) {
      fail(item.line, `"${item.label}" declares ${item.length} octets but has ${hex.length / 2}`);
    }
    step.items.push({ label: item.label, hex, length: item.length });
    item = null;
  };
  const closeSection = (lastLine) => {
    closeItem();
    if (section === null) return;
    section.endLine = lastLine;
    sections.push(section);
    section = null;
    step = null;
  };

  lines.forEach((line, index) => {
    const lineNo = index + 1;
    const heading = HEADING.exec(line);
    if (heading) {
      closeSection(lineNo - 1);
      const known = SECTIONS.find((s) => s.section === heading[1]);
      if (known) {
        if (known.title !== heading[2].replace(/ {2,}/g, " ")) fail(lineNo, "unexpected title");
        section = { ...known, startLine: lineNo, steps: [] };
      }
      return;
    }
    if (section === null) return;

    if (line === "" || FOOTER.test(line) || HEADER.test(line)) {
      stepWraps = false;
      if (item !== null && line !== "") gap = "page";
      else if (item !== null && gap === "none") gap = "blank";
      return;
    }

    const stepMatch = STEP.exec(line);
    if (stepMatch) {
      closeItem();
      step = { actor: stepMatch[1], action: stepMatch[2], line: lineNo, items: [] };
      section.steps.push(step);
      stepWraps = true;
      return;
    }
    // Prose before a section's first step (introduction, notes) is not trace data.
    if (step === null) return;

    const itemMatch = ITEM.exec(line);
    if (itemMatch) {
      closeItem();
      stepWraps = false;
      const [, label, length, rest] = itemMatch;
      if (rest !== "(empty)" && !HEX_BYTES.test(rest)) fail(lineNo, "item is not hex");
      item = { label, length: Number(length), line: lineNo, bytes: rest === "(empty)" ? [] : rest.split(" ") };
      gap = "none";
      return;
    }

    const hexMatch = HEX_CONTINUATION.exec(line);
    if (hexMatch) {
      // A hex block may only resume after a gap if that gap was a page break.
      if (item === null || gap === "blank") fail(lineNo, "hex line outside an item");
      item.bytes.push(...hexMatch[1].split(" "));
      gap = "none";
      return;
    }

    if (ZERO_SALT.test(line)) {
      closeItem();
      stepWraps = false;
      return;
    }

    const wrapMatch = STEP_CONTINUATION.exec(line);
    if (wrapMatch && stepWraps) {
      step.action += " " + wrapMatch[1];
      return;
    }
    fail(lineNo, "unrecognised line inside a step");
  });
  closeSection(lines.length);

  if (sections.map((s) => s.section).join() !== SECTIONS.map((s) => s.section).join()) {
    throw new Error(`rfc8448: expected sections 3-7, found ${sections.map((s) => s.section).join()}`);
  }
  const total = sections.reduce((n, s) => n + s.steps.reduce((m, st) => m + st.items.length, 0), 0);
  if (total !== EXPECTED_ITEM_COUNT) {
    throw new Error(`rfc8448: expected ${EXPECTED_ITEM_COUNT} hex items, found ${total}`);
  }

  return sections.map((s) => ({
    file: s.file,
    json: {
      source: `RFC 8448, Section ${s.section} (${s.title}), lines ${s.startLine}-${s.endLine} of the RFC text`,
      section: s.section,
      title: s.title,
      steps: s.steps.map((st) => ({
        actor: st.actor,
        // Join wrapped lines, collapse runs of spaces, and drop the colon that introduces items.
        action: st.action.replace(/\s+/g, " ").trim().replace(/:$/, ""),
        line: st.line,
        items: st.items,
      })),
    },
  }));
}

/**
 * Serialises a section with one item per line: readable in diffs, still plain JSON.
 * @param {object} json
 */
export function formatSection(json) {
  const steps = json.steps.map((st) => {
    const head = `    {\n      "actor": ${JSON.stringify(st.actor)},\n      "action": ${JSON.stringify(st.action)},\n      "line": ${st.line},\n`;
    if (st.items.length === 0) return `${head}      "items": []\n    }`;
    const items = st.items.map(
      (it) => `        { "label": ${JSON.stringify(it.label)}, "hex": "${it.hex}", "length": ${it.length} }`,
    );
    return `${head}      "items": [\n${items.join(",\n")}\n      ]\n    }`;
  });
  const top = ["source", "section", "title"].map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(json[k])},`);
  return `{\n${top.join("\n")}\n  "steps": [\n${steps.join(",\n")}\n  ]\n}\n`;
}

/**
 * The "actor: action" listing of every step, per section, as Markdown.
 * @param {ReturnType<typeof parseRfc8448>} parsed
 */
export function listSteps(parsed) {
  return parsed
    .map(({ file, json }) => {
      const rows = json.steps.map((st) => `- \`${st.actor}: ${st.action}\` (line ${st.line}, ${plural(st.items.length, "item")})`);
      return `### Section ${json.section}: ${json.title} (\`${file}\`)\n\n${rows.join("\n")}\n`;
    })
    .join("\n");
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// The README's listing lives between these markers so a rerun keeps it in step with the JSON.
const LIST_BEGIN = "<!-- steps:begin (generated by extract.mjs) -->";
const LIST_END = "<!-- steps:end -->";

function main(args) {
  const listOnly = args.includes("--list");
  const paths = args.filter((a) => !a.startsWith("--"));
  const input = paths[0] ? resolve(paths[0]) : resolve(HERE, "../../../shared/vectors/rfc8448.txt");
  const parsed = parseRfc8448(readFileSync(input, "utf8"));
  const listing = listSteps(parsed);
  if (listOnly) {
    process.stdout.write(listing);
    return;
  }
  for (const { file, json } of parsed) {
    const n = json.steps.reduce((m, st) => m + st.items.length, 0);
    writeFileSync(join(HERE, file), formatSection(json));
    console.log(`${file}: ${json.steps.length} steps, ${n} items`);
  }
  const readmePath = join(HERE, "README.md");
  const readme = readFileSync(readmePath, "utf8");
  const begin = readme.indexOf(LIST_BEGIN);
  const end = readme.indexOf(LIST_END);
  if (begin < 0 || end < begin) throw new Error(`README.md lacks the ${LIST_BEGIN} ... ${LIST_END} markers`);
  writeFileSync(readmePath, `${readme.slice(0, begin + LIST_BEGIN.length)}\n\n${listing}\n${readme.slice(end)}`);
  console.log(`README.md: step listing refreshed`);
}

// Run only when executed directly, so tests can import parseRfc8448 without side effects.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
