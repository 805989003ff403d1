/**
 * `mutls cert`: the development CA on the command line.
 *
 *   mutls cert ca --out DIR [--name NAME] [--key-type p256|p384|ed25519|rsa2048] [--days N]
 *   mutls cert issue --ca DIR --out DIR --name NAME [--server] [--client] [--dns NAME]...
 *                    [--ip IP]... [--uri URI]... [--email ADDR]... [--days N] [--key-type ...]
 *
 * `ca` writes DIR/ca.pem and DIR/ca.key; `issue` writes DIR/NAME.pem (leaf, then the CA) and
 * DIR/NAME.key (PKCS#8). Keys are written readable by the owner only.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KEY_TYPES, createCertificateAuthority, issueCertificate, loadCertificateAuthority, type KeyType } from "../ca/index.js";

export const CERT_USAGE = `usage:
  mutls cert ca --out DIR [--name NAME] [--key-type p256|p384|ed25519|rsa2048] [--days N]
  mutls cert issue --ca DIR --out DIR --name NAME [--server] [--client] [--dns NAME]...
                   [--ip IP]... [--uri URI]... [--email ADDR]... [--days N] [--key-type TYPE]
`;

class UsageError extends Error {}

interface Parsed {
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
}

const VALUE_OPTIONS = new Set(["--out", "--name", "--key-type", "--days", "--ca", "--dns", "--ip", "--uri", "--email"]);
const FLAG_OPTIONS = new Set(["--server", "--client"]);

function parseArguments(args: readonly string[], allowed: readonly string[]): Parsed {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!allowed.includes(arg)) throw new UsageError(`unknown option ${arg}`);
    if (FLAG_OPTIONS.has(arg)) flags.add(arg);
    else if (VALUE_OPTIONS.has(arg)) {
      const value = args[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      values.set(arg, [...(values.get(arg) ?? []), value]);
    }
  }
  return { values, flags };
}

function single(p: Parsed, option: string, required: true): string;
function single(p: Parsed, option: string, required: false): string | undefined;
function single(p: Parsed, option: string, required: boolean): string | undefined {
  const all = p.values.get(option) ?? [];
  if (all.length > 1) throw new UsageError(`${option} may be given once`);
  if (required && all.length === 0) throw new UsageError(`${option} is required`);
  return all[0];
}

function keyTypeOf(p: Parsed): KeyType | undefined {
  const t = single(p, "--key-type", false);
  if (t !== undefined && !KEY_TYPES.includes(t as KeyType)) throw new UsageError(`--key-type must be one of ${KEY_TYPES.join(", ")}`);
  return t as KeyType | undefined;
}

function daysOf(p: Parsed): number | undefined {
  const d = single(p, "--days", false);
  if (d === undefined) return undefined;
  if (!/^[0-9]+$/.test(d)) throw new UsageError("--days must be a whole number of days");
  return Number(d);
}

/** A file name for the certificate: the name without characters a file system might mind. */
function fileStem(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]/g, "_");
  if (stem === "" || stem === "." || stem === "..") throw new UsageError(`--name ${name} cannot be used as a file name`);
  return stem;
}

async function writeOutputs(dir: string, files: readonly [string, string, number][]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, text, mode] of files) {
    await writeFile(join(dir, name), text, { mode });
    console.log(`wrote ${join(dir, name)}`);
  }
}

async function runCa(args: readonly string[]): Promise<void> {
  const p = parseArguments(args, ["--out", "--name", "--key-type", "--days"]);
  const out = single(p, "--out", true);
  const ca = createCertificateAuthority({ name: single(p, "--name", false), keyType: keyTypeOf(p), days: daysOf(p) });
  await writeOutputs(out, [
    ["ca.pem", ca.certificatePem, 0o644],
    ["ca.key", ca.privateKeyPem, 0o600],
  ]);
}

async function runIssue(args: readonly string[]): Promise<void> {
  const p = parseArguments(args, ["--ca", "--out", "--name", "--server", "--client", "--dns", "--ip", "--uri", "--email", "--days", "--key-type"]);
  const caDir = single(p, "--ca", true);
  const out = single(p, "--out", true);
  const name = single(p, "--name", true);
  const ca = loadCertificateAuthority(await readFile(join(caDir, "ca.pem"), "utf8"), await readFile(join(caDir, "ca.key"), "utf8"));
  const issued = issueCertificate(ca, {
    name,
    server: p.flags.has("--server"),
    client: p.flags.has("--client"),
    dns: p.values.get("--dns"),
    ip: p.values.get("--ip"),
    uri: p.values.get("--uri"),
    email: p.values.get("--email"),
    days: daysOf(p),
    keyType: keyTypeOf(p),
  });
  const stem = fileStem(name);
  await writeOutputs(out, [
    [`${stem}.pem`, issued.certificateChainPem, 0o644],
    [`${stem}.key`, issued.privateKeyPem, 0o600],
  ]);
}

/** Runs `mutls cert ARGS...` (argv after "cert"); returns the process exit code. */
export async function runCertCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === "ca") await runCa(rest);
    else if (sub === "issue") await runIssue(rest);
    else if (sub === undefined || sub === "help" || sub === "--help") {
      process.stdout.write(CERT_USAGE);
      return sub === undefined ? 2 : 0;
    } else throw new UsageError(`unknown cert command "${sub}"`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`mutls cert: ${e.message}\n${CERT_USAGE}`);
      return 2;
    }
    process.stderr.write(`mutls cert: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
