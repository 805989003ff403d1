/**
 * A throwaway PKI made at test time by the OpenSSL command line (the outside party that issues
 * certificates and CRLs), in a temporary directory the caller removes with `cleanup()`.
 * Also runs `openssl verify` so tests can compare mutls's verdicts with OpenSSL's.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Issued {
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certDer: Uint8Array;
  readonly certPath: string;
  readonly keyPath: string;
}

export interface IssueOptions {
  /** Subject CN. */
  readonly cn: string;
  /** Extension lines for the [ext] section (openssl x509v3_config syntax). */
  readonly ext: readonly string[];
  readonly days?: number;
  /** genpkey algorithm arguments (default EC P-256). */
  readonly key?: readonly string[];
  /** Reuse this certificate's key instead of making a new one (cross-signing). */
  readonly keyFrom?: Issued;
  /** The digest OpenSSL signs with (`-md5`, `-sha1`; default its own, SHA-256). */
  readonly digest?: string;
}

const P256 = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];

export const CA_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"];
export const SERVER_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"];
export const CLIENT_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"];

function openssl(args: readonly string[], cwd: string): string {
  return execFileSync("openssl", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function digestFlag(o: IssueOptions): string[] {
  return o.digest === undefined ? [] : [`-${o.digest}`];
}

export class OpensslPki {
  readonly dir = mkdtempSync(join(tmpdir(), "mutls-pki-"));
  private serial = 0x1000;

  private path(name: string): string {
    return join(this.dir, name);
  }

  private result(name: string): Issued {
    const certPath = this.path(`${name}.pem`);
    const keyPath = this.path(`${name}.key`);
    const certPem = readFileSync(certPath, "utf8");
    openssl(["x509", "-in", certPath, "-outform", "DER", "-out", this.path(`${name}.der`)], this.dir);
    return { name, certPem, keyPem: readFileSync(keyPath, "utf8"), certDer: new Uint8Array(readFileSync(this.path(`${name}.der`))), certPath, keyPath };
  }

  private writeExt(name: string, lines: readonly string[]): string {
    const file = this.path(`${name}.ext`);
    writeFileSync(file, `[ext]\n${lines.join("\n")}\n`);
    return file;
  }

  /** A self-signed root. */
  root(name: string, o: IssueOptions): Issued {
    openssl(["genpkey", ...(o.key ?? P256), "-out", this.path(`${name}.key`)], this.dir);
    const ext = this.writeExt(name, o.ext.filter((l) => !l.startsWith("authorityKeyIdentifier")));
    openssl(
      ["req", "-x509", "-new", ...digestFlag(o), "-key", `${name}.key`, "-subj", `/CN=${o.cn}`, "-days", String(o.days ?? 3650), "-config", ext, "-extensions", "ext", "-set_serial", String(this.serial++), "-out", `${name}.pem`],
      this.dir,
    );
    return this.result(name);
  }

  /** A certificate for a new key, issued by `issuer`. */
  issue(name: string, issuer: Issued, o: IssueOptions): Issued {
    if (o.keyFrom !== undefined) writeFileSync(this.path(`${name}.key`), o.keyFrom.keyPem);
    else openssl(["genpkey", ...(o.key ?? P256), "-out", this.path(`${name}.key`)], this.dir);
    openssl(["req", "-new", "-key", `${name}.key`, "-subj", `/CN=${o.cn}`, "-out", `${name}.csr`], this.dir);
    const ext = this.writeExt(name, o.ext);
    openssl(
      ["x509", "-req", ...digestFlag(o), "-in", `${name}.csr`, "-CA", issuer.certPath, "-CAkey", issuer.keyPath, "-set_serial", String(this.serial++), "-days", String(o.days ?? 365), "-extfile", ext, "-extensions", "ext", "-out", `${name}.pem`],
      this.dir,
    );
    return this.result(name);
  }

  /** A CRL signed by `ca` revoking `revoked` (made with `openssl ca -revoke` and `-gencrl`). */
  crl(ca: Issued, revoked: readonly Issued[], extraCrlExtensions: readonly string[] = [], sections: readonly string[] = []): string {
    const db = this.path(`${ca.name}-db-${this.serial++}`);
    rmSync(db, { recursive: true, force: true });
    execFileSync("mkdir", ["-p", db]);
    writeFileSync(join(db, "index.txt"), "");
    writeFileSync(join(db, "crlnumber"), "01\n");
    const cnf = join(db, "ca.cnf");
    writeFileSync(
      cnf,
      [
        "[ca]",
        "default_ca = dev",
        "[dev]",
        `database = ${join(db, "index.txt")}`,
        `crlnumber = ${join(db, "crlnumber")}`,
        `certificate = ${ca.certPath}`,
        `private_key = ${ca.keyPath}`,
        "default_md = sha256",
        "default_crl_days = 30",
        "crl_extensions = crl_ext",
        "[crl_ext]",
        "authorityKeyIdentifier = keyid",
        ...extraCrlExtensions,
        ...sections,
        "",
      ].join("\n"),
    );
    for (const cert of revoked) openssl(["ca", "-config", cnf, "-revoke", cert.certPath], this.dir);
    const out = join(db, "crl.pem");
    openssl(["ca", "-config", cnf, "-gencrl", "-out", out], this.dir);
    return readFileSync(out, "utf8");
  }

  /** OpenSSL's verdict on `leaf`: null when it verifies, else OpenSSL's error line. */
  verify(leaf: Issued, o: { roots: readonly Issued[]; untrusted?: readonly Issued[]; purpose: "sslserver" | "sslclient"; host?: string; ip?: string; crl?: string; attime?: Date }): string | null {
    const roots = this.path(`roots-${this.serial++}.pem`);
    writeFileSync(roots, o.roots.map((r) => r.certPem).join(""));
    const args = ["verify", "-CAfile", roots, "-purpose", o.purpose];
    if (o.untrusted && o.untrusted.length > 0) {
      const file = this.path(`untrusted-${this.serial++}.pem`);
      writeFileSync(file, o.untrusted.map((r) => r.certPem).join(""));
      args.push("-untrusted", file);
    }
    if (o.host) args.push("-verify_hostname", o.host);
    if (o.ip) args.push("-verify_ip", o.ip);
    if (o.crl) {
      const file = this.path(`crl-${this.serial++}.pem`);
      writeFileSync(file, o.crl);
      args.push("-crl_check", "-CRLfile", file);
    }
    if (o.attime) args.push("-attime", String(Math.floor(o.attime.getTime() / 1000)));
    args.push(leaf.certPath);
    const r = spawnSync("openssl", args, { cwd: this.dir, encoding: "utf8" });
    if (r.status === 0) return null;
    return (r.stdout + r.stderr).split("\n").find((l) => l.startsWith("error")) ?? (r.stdout + r.stderr).trim();
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
