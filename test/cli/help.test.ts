/**
 * `mutls COMMAND --help` for every command (issue 14 §4): exit 0, every flag the command's parser
 * takes is listed with a description, a flag the help does not list is refused, and docs/cli.md
 * lists the same flags under the same command.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandSpec } from "../../src/cli/args.js";
import { CERT_SPECS } from "../../src/cli/cert-command.js";
import { CLIENT_SPEC } from "../../src/cli/client-command.js";
import { RELAY_SPEC } from "../../src/cli/relay-command.js";
import { SERVER_SPEC } from "../../src/cli/server-command.js";
import { ROOT, stopAllProcesses } from "../peers/process.js";
import { runCli } from "./cli-process.js";

afterEach(stopAllProcesses);

const SPECS: CommandSpec[] = [CLIENT_SPEC, SERVER_SPEC, RELAY_SPEC, ...CERT_SPECS];
const DOC = readFileSync(`${ROOT}docs/cli.md`, "utf8");

/** The `--name` flags a help text lists at the start of a line, with the text after them. */
function listedFlags(help: string): Map<string, string> {
  const flags = new Map<string, string>();
  for (const m of help.matchAll(/^ {2}--([a-z-]+)(?: [A-Z:.,]+)?(?: \(repeatable\))? +(.*)$/gm)) flags.set(m[1], m[2]);
  return flags;
}

describe("mutls COMMAND --help", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))("mutls %s --help describes each flag", async (name, spec) => {
    const run = await runCli([...name.split(" "), "--help"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`usage: mutls ${name}`);
    const listed = listedFlags(run.stdout);
    expect([...listed.keys()].sort()).toEqual([...spec.flags.map((f) => f.name), "help"].sort());
    for (const [flag, description] of listed) expect(description.length, `--${flag}`).toBeGreaterThan(10);
  });

  it("mutls demo --help, and mutls help names every command", async () => {
    const demo = await runCli(["demo", "--help"]);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain("usage: mutls demo");
    const top = await runCli(["help"]);
    for (const command of ["demo", "client", "server", "relay", "cert ca|issue|csr|inspect"]) expect(top.stdout).toContain(`mutls ${command}`);
  });

  it("a flag the help does not list is refused in one line that points at --help", async () => {
    const run = await runCli(["server", "--listen", "127.0.0.1:0", "--verbose"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("mutls server: unknown option --verbose (mutls server --help lists the options)\n");
  });
});

describe("docs/cli.md", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))("lists every flag of mutls %s in its section", (name, spec) => {
    const start = DOC.indexOf(`\n## mutls ${name}\n`);
    expect(start).toBeGreaterThan(-1);
    const end = DOC.indexOf("\n## ", start + 1);
    const section = DOC.slice(start, end === -1 ? undefined : end);
    const documented = new Set([...section.matchAll(/^\| `--([a-z-]+)/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(spec.flags.map((f) => f.name).sort());
  });
});
