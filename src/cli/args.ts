/**
 * Command-line parsing for the `mutls` subcommands: `--name value`, `--name=value` and boolean
 * switches, declared once per command as flag specs, from which both the parser and `--help`
 * are made (so the help cannot list a flag the parser refuses, or miss one it takes).
 */
import { readFileSync } from "node:fs";
import type { CipherSuiteName, GroupName } from "../index.js";

/**
 * Raised for a command line or a start-up problem the user must fix: mutls.ts prints its message
 * as one line (naming the flag, and the file when there is one) and exits 2.
 */
export class UsageError extends Error {}

/** One flag a command takes. */
export interface FlagSpec {
  readonly name: string;
  /** The value's placeholder ("FILE", "N"); absent for a switch. */
  readonly value?: string;
  /** May be given more than once (each value kept, in order). */
  readonly repeat?: boolean;
  /** One sentence for `--help` and docs/cli.md. */
  readonly help: string;
}

/** A command's help: what `mutls COMMAND --help` prints. */
export interface CommandSpec {
  /** "client", "cert csr", ... */
  readonly name: string;
  /** Positional arguments, as the synopsis shows them ("HOST:PORT"). */
  readonly operands?: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
}

export interface ParsedArgs {
  readonly positional: string[];
  /** The value of each flag given (for a repeatable flag, the last). */
  readonly values: Map<string, string>;
  /** Every value of each flag, in order. */
  readonly lists: Map<string, string[]>;
  readonly switches: Set<string>;
}

/** Whether `argv` asks for help (`--help` or `-h` anywhere). */
export const wantsHelp = (argv: readonly string[]): boolean => argv.includes("--help") || argv.includes("-h");

/** Parses `argv` against a command's flags; anything else is a UsageError. */
export function parseFlags(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], values: new Map(), lists: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec.flags.find((f) => f.name === name);
    if (flag === undefined) throw new UsageError(`unknown option ${arg} (mutls ${spec.name} --help lists the options)`);
    if (flag.value === undefined) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      parsed.switches.add(name);
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value (${flag.value})`);
    const list = parsed.lists.get(name) ?? [];
    // The same value twice is harmless (scripts add flags to a base line); two different ones are a mistake.
    if (list.length > 0 && !flag.repeat && list[0] !== value) throw new UsageError(`--${name} may be given once (given ${JSON.stringify(list[0])} and ${JSON.stringify(value)})`);
    if (list.length > 0 && !flag.repeat) continue;
    list.push(value);
    parsed.lists.set(name, list);
    parsed.values.set(name, value);
  }
  return parsed;
}

/** The synopsis line: "mutls client HOST:PORT [--cert FILE] ...". */
export function synopsis(spec: CommandSpec): string {
  return [`mutls ${spec.name}`, ...(spec.operands ? [spec.operands] : []), "[options]"].join(" ");
}

/** `mutls COMMAND --help`: the synopsis, the summary, and every flag with its description. */
export function formatHelp(spec: CommandSpec): string {
  const label = (f: FlagSpec): string => `--${f.name}${f.value ? ` ${f.value}` : ""}${f.repeat ? " (repeatable)" : ""}`;
  const width = Math.max(...spec.flags.map((f) => label(f).length), 6) + 2;
  const lines = [`usage: ${synopsis(spec)}`, "", spec.summary, "", "options:"];
  for (const f of spec.flags) lines.push(`  ${label(f).padEnd(width)}${f.help}`);
  lines.push(`  ${"--help".padEnd(width)}print this help`);
  return lines.join("\n") + "\n";
}

/** "host:port" or "[v6]:port". */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${what} must be HOST:PORT, not ${JSON.stringify(text)}`);
  return { host: m[1] ?? m[2], port };
}

export function commaList(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
}

/** Our group names, with the spellings OpenSSL and GnuTLS users type. */
const GROUP_ALIASES: Record<string, GroupName> = {
  x25519: "x25519",
  x25519mlkem768: "X25519MLKEM768",
  secp256r1: "secp256r1",
  "p-256": "secp256r1",
  prime256v1: "secp256r1",
  secp384r1: "secp384r1",
  "p-384": "secp384r1",
};

export function parseGroups(value: string | undefined): GroupName[] | undefined {
  const groups = commaList(value)?.map((name) => {
    const group = GROUP_ALIASES[name.toLowerCase()];
    if (!group) throw new UsageError(`--groups: unknown group ${JSON.stringify(name)}; use X25519MLKEM768, x25519, secp256r1 (P-256) or secp384r1 (P-384)`);
    return group;
  });
  if (groups !== undefined && groups.length === 0) throw new UsageError("--groups: the list is empty");
  return groups;
}

const CIPHER_SUITES: readonly CipherSuiteName[] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

export function parseCipherSuites(value: string | undefined): CipherSuiteName[] | undefined {
  // Colons as OpenSSL's -ciphersuites writes them, or commas.
  const suites = commaList(value?.replace(/:/g, ","))?.map((name) => {
    const suite = CIPHER_SUITES.find((s) => s === name.toUpperCase());
    if (!suite) throw new UsageError(`--ciphers: unknown cipher suite ${JSON.stringify(name)}; use ${CIPHER_SUITES.join(", ")}`);
    return suite;
  });
  if (suites !== undefined && suites.length === 0) throw new UsageError("--ciphers: the list is empty");
  return suites;
}

/** Why a file could not be read, in a few words ("no such file", "permission denied"). */
export function fileProblem(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return e instanceof Error ? e.message : String(e);
}

/** Reads a file named on the command line. */
export function readFileOption(args: ParsedArgs, name: string): Uint8Array | undefined {
  const path = args.values.get(name);
  if (path === undefined) return undefined;
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--${name} ${path}: cannot read it: ${fileProblem(e)}`);
  }
}
