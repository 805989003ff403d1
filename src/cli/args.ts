/**
 * Command-line parsing for the `mutls` subcommands: `--name value`, `--name=value` and boolean
 * switches, plus the host:port, list and name-alias helpers the commands share.
 */
import { readFileSync } from "node:fs";
import type { CipherSuiteName, GroupName } from "../index.js";

/** Raised for a command line the user must fix; mutls.ts prints it with the usage and exits 2. */
export class UsageError extends Error {}

export interface ParsedArgs {
  readonly positional: string[];
  readonly values: Map<string, string>;
  readonly switches: Set<string>;
}

/** Parses `argv` against the options a command accepts; anything else is a UsageError. */
export function parseArgs(argv: readonly string[], valueOptions: readonly string[], switchOptions: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      parsed.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (switchOptions.includes(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      parsed.switches.add(name);
    } else if (valueOptions.includes(name)) {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
      parsed.values.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  return parsed;
}

/** "host:port" or "[v6]:port". */
export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${what} must be HOST:PORT, not ${JSON.stringify(text)}`);
  return { host: m[1] ?? m[2], port };
}

export function commaList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter((s) => s !== "");
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
  return commaList(value)?.map((name) => {
    const group = GROUP_ALIASES[name.toLowerCase()];
    if (!group) throw new UsageError(`unknown group ${JSON.stringify(name)}; use X25519MLKEM768, x25519, secp256r1 (P-256) or secp384r1 (P-384)`);
    return group;
  });
}

const CIPHER_SUITES: readonly CipherSuiteName[] = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

export function parseCipherSuites(value: string | undefined): CipherSuiteName[] | undefined {
  // Colons as OpenSSL's -ciphersuites writes them, or commas.
  return commaList(value?.replace(/:/g, ","))?.map((name) => {
    const suite = CIPHER_SUITES.find((s) => s === name.toUpperCase());
    if (!suite) throw new UsageError(`unknown cipher suite ${JSON.stringify(name)}; use ${CIPHER_SUITES.join(", ")}`);
    return suite;
  });
}

/** Reads a PEM/DER file named on the command line. */
export function readFileOption(args: ParsedArgs, name: string): Uint8Array | undefined {
  const path = args.values.get(name);
  if (path === undefined) return undefined;
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--${name}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
