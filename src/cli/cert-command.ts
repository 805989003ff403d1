/**
 * `mutls cert`: the development CA on the command line.
 *
 *   mutls cert ca --out DIR            DIR/ca.pem and DIR/ca.key (refuses to replace them without --force)
 *   mutls cert issue --ca DIR --out DIR --name NAME ...   DIR/NAME.pem (leaf, then the CA) and DIR/NAME.key
 *   mutls cert csr --out DIR --name NAME [--key FILE] ...   DIR/NAME.csr (PKCS#10), and DIR/NAME.key when new
 *   mutls cert inspect FILE            what a certificate says
 *
 * Keys are PKCS#8, written readable by the owner only.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  KEY_TYPES,
  createCertificateAuthority,
  createCertificateSigningRequest,
  issueCertificate,
  loadCertificateAuthority,
  type KeyType,
} from "../ca/index.js";
import { generatePrivateKey, pkcs8 } from "../ca/keys.js";
import { pureProvider } from "../crypto/pure.js";
import { encodePem } from "../x509/index.js";
import { type CommandSpec, type FlagSpec, type ParsedArgs, UsageError, fileProblem, formatHelp, parseFlags, wantsHelp } from "./args.js";
import { inspectFile } from "./inspect-command.js";

const KEY_TYPE_FLAG: FlagSpec = { name: "key-type", value: "TYPE", help: `the new key's type: ${KEY_TYPES.join(", ")} (default p256)` };
const DAYS_FLAG = (what: string, days: number): FlagSpec => ({ name: "days", value: "N", help: `validity of the ${what} in days (default ${days})` });
const NAME_FLAGS: readonly FlagSpec[] = [
  { name: "dns", value: "NAME", repeat: true, help: "a DNS name (subjectAltName)" },
  { name: "ip", value: "IP", repeat: true, help: "an IPv4 or IPv6 address (subjectAltName)" },
  { name: "uri", value: "URI", repeat: true, help: "a URI, such as a SPIFFE ID spiffe://TRUST.DOMAIN/PATH (subjectAltName)" },
  { name: "email", value: "ADDR", repeat: true, help: "an email address (subjectAltName)" },
];

export const CERT_CA_SPEC: CommandSpec = {
  name: "cert ca",
  summary:
    "Creates a development CA: DIR/ca.pem (the certificate to give peers as --ca) and DIR/ca.key (mode 0600). Refuses to replace an existing CA in DIR unless --force.",
  flags: [
    { name: "out", value: "DIR", help: "the directory to write ca.pem and ca.key into (created if missing)" },
    { name: "name", value: "NAME", help: 'the CA\'s common name (default "mutls development CA")' },
    KEY_TYPE_FLAG,
    DAYS_FLAG("CA certificate", 3650),
    { name: "force", help: "replace an existing ca.pem/ca.key in DIR (certificates it issued will no longer verify)" },
  ],
};

export const CERT_ISSUE_SPEC: CommandSpec = {
  name: "cert issue",
  summary:
    "Issues a certificate and a new key under the CA in --ca: OUT/NAME.pem (the leaf, then the CA) and OUT/NAME.key (mode 0600). With neither --server nor --client, both purposes are allowed; with no name flag, a host-like NAME becomes a DNS name.",
  flags: [
    { name: "ca", value: "DIR", help: "the CA's directory (ca.pem and ca.key from mutls cert ca)" },
    { name: "out", value: "DIR", help: "the directory to write NAME.pem and NAME.key into" },
    { name: "name", value: "NAME", help: "the subject's common name, also the file names" },
    { name: "server", help: "for TLS servers (extendedKeyUsage serverAuth)" },
    { name: "client", help: "for TLS clients (extendedKeyUsage clientAuth)" },
    ...NAME_FLAGS,
    DAYS_FLAG("certificate", 365),
    KEY_TYPE_FLAG,
  ],
};

export const CERT_CSR_SPEC: CommandSpec = {
  name: "cert csr",
  summary:
    "Writes a PKCS#10 certificate signing request (RFC 2986) for a CA such as ACME, step-ca or a cloud IoT service: OUT/NAME.csr, signed with --key FILE, or with a new key written to OUT/NAME.key (mode 0600). The key never leaves this machine.",
  flags: [
    { name: "out", value: "DIR", help: "the directory to write NAME.csr (and NAME.key) into" },
    { name: "name", value: "NAME", help: "the subject's common name, also the file names" },
    { name: "key", value: "FILE", help: "an existing private key to sign with (PEM or DER); default: make a new one" },
    ...NAME_FLAGS,
    KEY_TYPE_FLAG,
    { name: "force", help: "replace an existing NAME.csr or NAME.key in DIR" },
  ],
};

export const CERT_INSPECT_SPEC: CommandSpec = {
  name: "cert inspect",
  operands: "FILE",
  summary:
    "Prints each certificate in FILE (PEM or DER): subject, issuer, validity against the current time, key, names, SPIFFE ID, whether it is a CA, its purposes and its SHA-256 fingerprint.",
  flags: [{ name: "json", help: "print one JSON object instead" }],
};

export const CERT_SPECS = [CERT_CA_SPEC, CERT_ISSUE_SPEC, CERT_CSR_SPEC, CERT_INSPECT_SPEC];

export const CERT_USAGE = `usage: mutls cert ca|issue|csr|inspect [options]

${CERT_SPECS.map((s) => `  mutls ${s.name.padEnd(13)}${s.summary.split(": ")[0].split(". ")[0]}`).join("\n")}

mutls cert SUBCOMMAND --help describes each option.
`;

function required(p: ParsedArgs, name: string): string {
  const value = p.values.get(name);
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

function keyTypeOf(p: ParsedArgs): KeyType | undefined {
  const t = p.values.get("key-type");
  if (t !== undefined && !KEY_TYPES.includes(t as KeyType)) throw new UsageError(`--key-type must be one of ${KEY_TYPES.join(", ")}, not ${JSON.stringify(t)}`);
  return t as KeyType | undefined;
}

function daysOf(p: ParsedArgs): number | undefined {
  const d = p.values.get("days");
  if (d === undefined) return undefined;
  if (!/^[0-9]+$/.test(d) || Number(d) < 1 || Number(d) > 36500)
    throw new UsageError(`--days must be a whole number of days from 1 to 36500, not ${JSON.stringify(d)}`);
  return Number(d);
}

/** A file name for the certificate: the name without characters a file system might mind. */
function fileStem(name: string): string {
  const stem = name.replace(/[^A-Za-z0-9._-]/g, "_");
  if (stem === "" || stem === "." || stem === "..") throw new UsageError(`--name ${name} cannot be used as a file name`);
  return stem;
}

/** Refuses to replace files unless --force: a CA's key, once replaced, cannot be had back. */
function refuseToReplace(p: ParsedArgs, dir: string, names: readonly string[], what: string): void {
  if (p.switches.has("force")) return;
  const present = names.map((n) => join(dir, n)).filter((path) => existsSync(path));
  if (present.length > 0) throw new UsageError(`--out ${dir}: ${present.join(" and ")} already exist; ${what} (--force replaces them)`);
}

async function writeOutputs(dir: string, files: readonly [string, string, number][], write: (text: string) => void): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, text, mode] of files) {
      await writeFile(join(dir, name), text, { mode });
      write(`wrote ${join(dir, name)}\n`);
    }
  } catch (e) {
    throw new UsageError(`--out ${dir}: cannot write there: ${fileProblem(e)}`);
  }
}

const names = (p: ParsedArgs): { dns?: string[]; ip?: string[]; uri?: string[]; email?: string[] } => ({
  dns: p.lists.get("dns"),
  ip: p.lists.get("ip"),
  uri: p.lists.get("uri"),
  email: p.lists.get("email"),
});

async function runCa(p: ParsedArgs, write: (text: string) => void): Promise<void> {
  const out = required(p, "out");
  refuseToReplace(p, out, ["ca.pem", "ca.key"], "a new CA would orphan every certificate the old one issued");
  const ca = createCertificateAuthority({ name: p.values.get("name"), keyType: keyTypeOf(p), days: daysOf(p) });
  await writeOutputs(
    out,
    [
      ["ca.pem", ca.certificatePem, 0o644],
      ["ca.key", ca.privateKeyPem, 0o600],
    ],
    write,
  );
}

async function readCaFile(dir: string, name: string): Promise<string> {
  try {
    return await readFile(join(dir, name), "utf8");
  } catch (e) {
    throw new UsageError(`--ca ${dir}: cannot read ${name}: ${fileProblem(e)}`);
  }
}

async function runIssue(p: ParsedArgs, write: (text: string) => void): Promise<void> {
  const caDir = required(p, "ca");
  const out = required(p, "out");
  const name = required(p, "name");
  let ca;
  try {
    ca = loadCertificateAuthority(await readCaFile(caDir, "ca.pem"), await readCaFile(caDir, "ca.key"));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--ca ${caDir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const issued = issueCertificate(ca, {
    name,
    server: p.switches.has("server"),
    client: p.switches.has("client"),
    ...names(p),
    days: daysOf(p),
    keyType: keyTypeOf(p),
  });
  const stem = fileStem(name);
  await writeOutputs(
    out,
    [
      [`${stem}.pem`, issued.certificateChainPem, 0o644],
      [`${stem}.key`, issued.privateKeyPem, 0o600],
    ],
    write,
  );
}

async function runCsr(p: ParsedArgs, write: (text: string) => void): Promise<void> {
  const out = required(p, "out");
  const name = required(p, "name");
  const stem = fileStem(name);
  const keyPath = p.values.get("key");
  if (keyPath !== undefined && p.values.has("key-type")) throw new UsageError("--key-type makes a new key; it does not go with --key");
  refuseToReplace(p, out, keyPath === undefined ? [`${stem}.csr`, `${stem}.key`] : [`${stem}.csr`], "choose another --name or --out");
  let keyText: string | undefined;
  if (keyPath !== undefined) {
    try {
      keyText = readFileSync(keyPath, "latin1");
    } catch (e) {
      throw new UsageError(`--key ${keyPath}: cannot read it: ${fileProblem(e)}`);
    }
  }
  const newKey = keyText === undefined ? generatePrivateKey(keyTypeOf(p) ?? "p256", pureProvider) : undefined;
  let csr;
  try {
    csr = createCertificateSigningRequest({ name, privateKey: newKey ?? keyText ?? "", ...names(p) });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(keyPath !== undefined && /key/i.test(message) ? `--key ${keyPath}: ${message}` : message);
  }
  const files: [string, string, number][] = [[`${stem}.csr`, csr.pem, 0o644]];
  if (newKey) files.push([`${stem}.key`, encodePem("PRIVATE KEY", pkcs8(newKey)), 0o600]);
  await writeOutputs(out, files, write);
}

/** Runs `mutls cert ARGS...` (argv after "cert"); returns the process exit code. */
export async function runCertCommand(argv: string[], write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const [sub, ...rest] = argv;
  const spec = CERT_SPECS.find((s) => s.name === `cert ${sub}`);
  try {
    if (spec === undefined) {
      if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
        write(CERT_USAGE);
        return sub === undefined ? 2 : 0;
      }
      throw new UsageError(`unknown cert command ${JSON.stringify(sub)}; use ca, issue, csr or inspect`);
    }
    if (wantsHelp(rest)) {
      write(formatHelp(spec));
      return 0;
    }
    const p = parseFlags(rest, spec);
    if (spec !== CERT_INSPECT_SPEC && p.positional.length > 0) throw new UsageError(`unexpected argument ${p.positional[0]} (mutls ${spec.name} --help)`);
    if (spec === CERT_CA_SPEC) await runCa(p, write);
    else if (spec === CERT_ISSUE_SPEC) await runIssue(p, write);
    else if (spec === CERT_CSR_SPEC) await runCsr(p, write);
    else inspectFile(p, write);
    return 0;
  } catch (e) {
    // One line, no stack: a bad flag, file or name is for the user to fix.
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`mutls cert${spec ? ` ${spec.name.slice(5)}` : ""}: ${message}\n`);
    return e instanceof UsageError || e instanceof TypeError ? 2 : 1;
  }
}
