/**
 * Distinguished names compared the way RFC 5280 §7.1 says (RFC 4518 string preparation: case
 * folding, insignificant spaces, PrintableString equal to UTF8String, attribute order within an
 * RDN), on chains the OpenSSL command line builds, with `openssl verify` as the oracle: for
 * directoryName name constraints (excluded and permitted) and for issuer/subject chaining.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { TLSError } from "../../src/bytes/index.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { ClientConnection, ServerConnection } from "../../src/index.js";
import { parseCertificate, parseCertificateRevocationList, decodePem, sameName, verifyCertificateChain } from "../../src/x509/index.js";
import { prepareString } from "../../src/x509/name-comparison.js";
import { CA_PEM, serverCredential } from "../helpers/fixtures.js";
import { pumpMemory } from "../helpers/pump.js";
import { OpensslPki, type Issued } from "./openssl-pki.js";

const dir = mkdtempSync(join(tmpdir(), "mutls-names-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0x2000;

interface Made {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly der: Uint8Array;
}

const CA_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"];
const LEAF_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid"];

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
}

/**
 * `string_mask` picks the string type OpenSSL writes: "utf8only" gives UTF8String, "default"
 * gives PrintableString for printable text. `sections` are extra config sections (dirName
 * bodies for nameConstraints).
 */
function config(name: string, mask: "utf8only" | "default", ext: readonly string[], sections: readonly string[] = []): string {
  const file = join(dir, `${name}.cnf`);
  writeFileSync(file, ["[req]", "distinguished_name = dn", `string_mask = ${mask}`, "utf8 = yes", "[dn]", "[ext]", ...ext, ...sections, ""].join("\n"));
  return file;
}

function made(name: string): Made {
  const certPath = join(dir, `${name}.pem`);
  openssl(["x509", "-in", certPath, "-outform", "DER", "-out", `${name}.der`]);
  return { name, certPath, keyPath: join(dir, `${name}.key`), der: new Uint8Array(readFileSync(join(dir, `${name}.der`))) };
}

function newKey(name: string, keyFrom?: Made): void {
  if (keyFrom !== undefined) writeFileSync(join(dir, `${name}.key`), readFileSync(keyFrom.keyPath));
  else openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`]);
}

function selfSigned(name: string, subj: string, mask: "utf8only" | "default", keyFrom?: Made): Made {
  newKey(name, keyFrom);
  const cnf = config(name, mask, CA_EXT);
  openssl(["req", "-x509", "-new", "-key", `${name}.key`, "-subj", subj, "-multivalue-rdn", "-config", cnf, "-extensions", "ext", "-days", "3650", "-set_serial", String(serial++), "-out", `${name}.pem`]);
  return made(name);
}

function issued(name: string, issuer: Made, subj: string, mask: "utf8only" | "default", ext: readonly string[], sections: readonly string[] = [], keyFrom?: Made): Made {
  newKey(name, keyFrom);
  const cnf = config(name, mask, ext, sections);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subj, "-multivalue-rdn", "-config", cnf, "-out", `${name}.csr`]);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", issuer.certPath, "-CAkey", issuer.keyPath, "-set_serial", String(serial++), "-days", "365", "-extfile", cnf, "-extensions", "ext", "-out", `${name}.pem`]);
  return made(name);
}

/** OpenSSL's verdict: null when the chain verifies, else its error line. */
function opensslVerify(leaf: Made, roots: readonly Made[], untrusted: readonly Made[]): string | null {
  const rootsFile = join(dir, `roots-${serial++}.pem`);
  writeFileSync(rootsFile, roots.map((r) => readFileSync(r.certPath, "utf8")).join(""));
  const args = ["verify", "-CAfile", rootsFile, "-purpose", "sslserver"];
  if (untrusted.length > 0) {
    const file = join(dir, `untrusted-${serial++}.pem`);
    writeFileSync(file, untrusted.map((r) => readFileSync(r.certPath, "utf8")).join(""));
    args.push("-untrusted", file);
  }
  const r = spawnSync("openssl", [...args, leaf.certPath], { cwd: dir, encoding: "utf8" });
  if (r.status === 0) return null;
  return (r.stdout + r.stderr).split("\n").find((l) => l.startsWith("error")) ?? (r.stdout + r.stderr).trim();
}

/** mutls's verdict: "ok" or [alert, message]. */
function mutlsVerify(leaf: Made, roots: readonly Made[], untrusted: readonly Made[], crlPem?: string): "ok" | readonly [string, string] {
  try {
    verifyCertificateChain({
      chain: [leaf.der, ...untrusted.map((u) => u.der)],
      trustAnchors: roots.map((r) => parseCertificate(r.der)),
      now: new Date(),
      provider: pureProvider,
      purpose: "serverAuth",
      crls: crlPem === undefined ? undefined : decodePem(crlPem).map((b) => parseCertificateRevocationList(b.der)),
    });
    return "ok";
  } catch (e) {
    if (!(e instanceof TLSError)) throw e;
    return [e.alertName, e.message];
  }
}

const root = selfSigned("root", "/CN=Names Root", "utf8only");
// The constraint bodies are written by `openssl x509` (UTF8String, OpenSSL's default mask).
const excludedCa = issued("excluded-ca", root, "/CN=Excluding CA", "utf8only", [...CA_EXT, "authorityKeyIdentifier=keyid", "nameConstraints=critical,excluded;dirName:victim"], [
  "[victim]",
  "O = Victim Corp",
]);
const permittedCa = issued("permitted-ca", root, "/CN=Permitting CA", "utf8only", [...CA_EXT, "authorityKeyIdentifier=keyid", "nameConstraints=critical,permitted;dirName:good"], [
  "[good]",
  "O = Good Corp",
  "1.OU = Web Team",
]);

const leaf = (name: string, ca: Made, subj: string, mask: "utf8only" | "default"): Made =>
  issued(name, ca, subj, mask, [...LEAF_EXT, "subjectAltName=DNS:leaf.example"]);

interface Case {
  readonly name: string;
  readonly leaf: Made;
  readonly ca: Made;
  readonly expect: "ok" | "violation";
}

const CASES: Case[] = [
  { name: "excluded: same spelling, PrintableString under a UTF8String constraint", ca: excludedCa, leaf: leaf("x-printable", excludedCa, "/O=Victim Corp/CN=leaf", "default"), expect: "violation" },
  { name: "excluded: upper case, UTF8String", ca: excludedCa, leaf: leaf("x-upper", excludedCa, "/O=VICTIM CORP/CN=leaf", "utf8only"), expect: "violation" },
  { name: "excluded: mixed case, PrintableString", ca: excludedCa, leaf: leaf("x-mixed", excludedCa, "/O=vIcTiM cOrP/CN=leaf", "default"), expect: "violation" },
  { name: "excluded: extra leading, inner and trailing spaces", ca: excludedCa, leaf: leaf("x-spaces", excludedCa, "/O=  Victim    Corp  /CN=leaf", "utf8only"), expect: "violation" },
  { name: "excluded: another organization passes", ca: excludedCa, leaf: leaf("x-other", excludedCa, "/O=Victim Corporation/CN=leaf", "utf8only"), expect: "ok" },
  { name: "excluded: the name below another first RDN passes", ca: excludedCa, leaf: leaf("x-below", excludedCa, "/C=US/O=Victim Corp/CN=leaf", "utf8only"), expect: "ok" },
  {
    name: "excluded: a directoryName SAN in upper case",
    ca: excludedCa,
    leaf: issued("x-dirname-san", excludedCa, "/O=Other Corp/CN=leaf", "utf8only", [...LEAF_EXT, "subjectAltName=DNS:leaf.example,dirName:victim_san"], ["[victim_san]", "O = VICTIM CORP"]),
    expect: "violation",
  },
  { name: "permitted: upper case PrintableString inside", ca: permittedCa, leaf: leaf("p-upper", permittedCa, "/O=GOOD CORP/OU=web team/CN=leaf", "default"), expect: "ok" },
  { name: "permitted: spaces and case inside", ca: permittedCa, leaf: leaf("p-spaces", permittedCa, "/O= good  corp/OU=WEB   TEAM /CN=leaf", "utf8only"), expect: "ok" },
  { name: "permitted: another unit outside", ca: permittedCa, leaf: leaf("p-outside", permittedCa, "/O=Good Corp/OU=Web Teams/CN=leaf", "utf8only"), expect: "violation" },
  { name: "permitted: the same attributes in one multi-valued RDN do not match two RDNs", ca: permittedCa, leaf: leaf("p-multi", permittedCa, "/O=Good Corp+OU=Web Team/CN=leaf", "utf8only"), expect: "violation" },
];

describe("RFC 5280 §7.1 directoryName constraints, judged by openssl verify", () => {
  test("the constraint is a UTF8String and the first leaf's O a PrintableString (the test is not vacuous)", () => {
    const lastTag = (rdn: Uint8Array): number => rdn[rdn.length - 1 - "Victim Corp".length - 1];
    const constraint = parseCertificate(excludedCa.der).nameConstraints!.excluded!.directoryNames[0];
    expect(lastTag(constraint.rdns[0])).toBe(0x0c);
    expect(lastTag(parseCertificate(CASES[0].leaf.der).subject.rdns[0])).toBe(0x13);
  });

  test.each(CASES)("$name", (c) => {
    const ours = mutlsVerify(c.leaf, [root], [c.ca]);
    const theirs = opensslVerify(c.leaf, [root], [c.ca]);
    if (c.expect === "ok") {
      expect(ours).toBe("ok");
      expect(theirs).toBeNull();
    } else {
      expect(ours).not.toBe("ok");
      expect(ours[0]).toBe("bad_certificate");
      expect(ours[1]).toContain("violates the name constraint of");
      expect(theirs).toMatch(/(excluded|permitted) subtree violation/);
    }
  });
});

describe("RFC 5280 §7.1 issuer/subject chaining, judged by openssl verify", () => {
  // One key, two self-signed certificates: the one that issues writes its name as
  // PrintableString; the trust anchor names itself in UTF8String, in another case, with more spaces.
  const issuingRoot = selfSigned("issuing-root", "/O=Example Org/CN=Example Root", "default");
  const anchorRoot = selfSigned("anchor-root", "/O=EXAMPLE  ORG/CN= example root ", "utf8only", issuingRoot);
  const chainedLeaf = leaf("chained-leaf", issuingRoot, "/CN=chained", "utf8only");

  test("the two root names differ as bytes (the test is not vacuous)", () => {
    const a = parseCertificate(issuingRoot.der).subject;
    const b = parseCertificate(anchorRoot.der).subject;
    expect(Buffer.from(a.der).equals(Buffer.from(b.der))).toBe(false);
    expect(sameName(a, b)).toBe(true);
  });

  test("a leaf whose issuer matches the anchor's subject only after string preparation chains to it", () => {
    expect(opensslVerify(chainedLeaf, [anchorRoot], [])).toBeNull();
    expect(mutlsVerify(chainedLeaf, [anchorRoot], [])).toBe("ok");
  });

  test("the same through an intermediate sent by the peer under a differently spelled name", () => {
    const issuingInter = issued("issuing-inter", root, "/O=Example Org/OU=Issuing/CN=Inter", "default", [...CA_EXT, "authorityKeyIdentifier=keyid"]);
    const sentInter = issued("sent-inter", root, "/O=example org/OU=ISSUING/CN=inter", "utf8only", [...CA_EXT, "authorityKeyIdentifier=keyid"], [], issuingInter);
    const below = leaf("below-inter", issuingInter, "/CN=below", "utf8only");
    expect(opensslVerify(below, [root], [sentInter])).toBeNull();
    expect(mutlsVerify(below, [root], [sentInter])).toBe("ok");
  });

  test("a name that differs in more than case, string type and spaces does not chain", () => {
    const otherAnchor = selfSigned("other-anchor", "/O=Example Org/CN=Example Root 2", "utf8only", issuingRoot);
    expect(opensslVerify(chainedLeaf, [otherAnchor], [])).not.toBeNull();
    const ours = mutlsVerify(chainedLeaf, [otherAnchor], []);
    expect(ours[0]).toBe("unknown_ca");
  });
});

describe("RFC 5280 §7.1 elsewhere: CRL issuers and certificate_authorities", () => {
  const issuingRoot = selfSigned("crl-issuing-root", "/O=Example Org/CN=Example Root", "default");
  const anchorRoot = selfSigned("crl-anchor-root", "/O=EXAMPLE ORG/CN=EXAMPLE ROOT", "utf8only", issuingRoot);
  const asIssued = (m: Made): Issued => ({ ...m, certPem: readFileSync(m.certPath, "utf8"), keyPem: readFileSync(m.keyPath, "utf8"), certDer: m.der });

  test("a CRL whose issuer is spelled differently from the certificate's issuer still revokes it (OpenSSL agrees)", () => {
    const revoked = leaf("crl-revoked", issuingRoot, "/CN=revoked", "utf8only");
    // The CRL is signed by the same key under the anchor's spelling of the name.
    const pki = new OpensslPki();
    try {
      const crl = pki.crl(asIssued(anchorRoot), [asIssued(revoked)]);
      const crlFile = join(dir, "names.crl.pem");
      writeFileSync(crlFile, crl);
      const rootsFile = join(dir, "crl-roots.pem");
      writeFileSync(rootsFile, readFileSync(anchorRoot.certPath, "utf8"));
      const r = spawnSync("openssl", ["verify", "-CAfile", rootsFile, "-crl_check", "-CRLfile", crlFile, revoked.certPath], { cwd: dir, encoding: "utf8" });
      expect(r.stdout + r.stderr).toContain("certificate revoked");
      const ours = mutlsVerify(revoked, [anchorRoot], [], crl);
      expect(ours[0]).toBe("certificate_revoked");
    } finally {
      pki.cleanup();
    }
  });

  test("a client certificate is chosen when certificate_authorities names its CA in another spelling", async () => {
    const client = issued("ca-names-client", issuingRoot, "/CN=client", "utf8only", [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=clientAuth",
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid",
      "subjectAltName=DNS:client.example",
    ]);
    const server = serverCredential("p256");
    const notSent: string[] = [];
    const s = new ServerConnection({ certificateChain: server.certPem, privateKey: server.keyPem, clientAuth: "require", trustAnchors: readFileSync(anchorRoot.certPath, "utf8") });
    const c = new ClientConnection({
      serverName: "localhost",
      trustAnchors: CA_PEM,
      certificateChain: readFileSync(client.certPath, "utf8"),
      privateKey: readFileSync(client.keyPath, "utf8"),
      onClientCertificateNotSent: (reason) => notSent.push(reason),
    });
    const { errors } = await pumpMemory(c, s);
    expect(notSent).toEqual([]);
    expect(errors.map((e) => e.error.message)).toEqual([]);
    expect(s.handshake?.peerIdentity?.dnsNames).toEqual(["client.example"]);
  });
});

describe("isPublicSuffix through ClientConfig", () => {
  test("a server certificate for *.co.uk matches victim.co.uk only without the hook", async () => {
    const underSuffix = issued("psl-suffix", root, "/CN=suffix", "utf8only", [...LEAF_EXT, "subjectAltName=DNS:*.co.uk"]);
    const run = async (isPublicSuffix?: (d: string) => boolean) => {
      const s = new ServerConnection({ certificateChain: readFileSync(underSuffix.certPath, "utf8"), privateKey: readFileSync(underSuffix.keyPath, "utf8") });
      const c = new ClientConnection({ serverName: "victim.co.uk", trustAnchors: readFileSync(root.certPath, "utf8"), isPublicSuffix });
      const { errors } = await pumpMemory(c, s);
      return errors.map((e) => `${e.side === "a" ? "client" : "server"}: ${e.error.alertName}`);
    };
    expect(await run()).toEqual([]);
    expect(await run((d) => d === "co.uk" || d === "uk")).toContain("client: bad_certificate");
  });
});

describe("RFC 4518 string preparation", () => {
  test("case folding, NFKC, insignificant spaces and mapped-out characters", () => {
    expect(prepareString("  Victim \t  CORP ")).toBe("victim corp");
    // U+00AD SOFT HYPHEN maps to nothing; U+00A0 NO-BREAK SPACE is a space (RFC 4518 §2.2).
    expect(prepareString("Vic\u00ADtim\u00A0Corp")).toBe("victim corp");
    // NFKC: the ligature "ﬁ" is "fi"; U+210D DOUBLE-STRUCK CAPITAL H folds to "h".
    expect(prepareString("\uFB01rm \u210D")).toBe("firm h");
    expect(prepareString("   ")).toBe("");
    expect(prepareString("Victim Corporation")).not.toBe(prepareString("Victim Corp"));
  });
});
