/**
 * Hostile input from outside: Debian's testssl.sh (3.0.8, run as `testssl`) and sslscan scan one
 * `mutls server --require-client-cert`, and what they report is the oracle. testssl throws the
 * ClientHellos of twenty years of attacks at the server: SSLv2 hellos, SSLv3 to TLS 1.2 with every
 * cipher, Heartbleed, CCS injection, Ticketbleed, ROBOT, renegotiation, CRIME, POODLE, the fallback
 * SCSV, SWEET32, FREAK, DROWN, LOGJAM, BEAST, LUCKY13, RC4, GREASE and oversized hellos, and the
 * hellos of 35 real clients. sslscan adds what testssl does not: one TLS 1.3 hello per key exchange
 * group (32) and per signature scheme (29), a heartbeat after a hello, and full mutual handshakes
 * (it can send a client certificate; testssl 3.0.8 cannot, so its TLS 1.3 handshakes end at our
 * certificate_required).
 *
 * What must hold for a TLS 1.3-only server: TLS 1.3 offered, SSLv2 to TLS 1.2 not; the three TLS 1.3
 * suites and no other; every vulnerability check "not vulnerable" or "not applicable"; no finding
 * of severity HIGH or CRITICAL, except two about the fixture certificate, which the server sends as
 * it is given (a 100-year validity, no CRL or OCSP pointer). Then the server must still be running,
 * must have logged no crash, no stack and no internal_error, and must still complete a mutual
 * handshake with OpenSSL's s_client.
 *
 * testssl's own limits with a TLS 1.3-only server, which the assertions allow for: 3.0.8 files its
 * SWEET32 result under the id "CRIME_TLS" (run_sweet32 never sets its jsonID), so checks are found
 * by CVE as well as by id; and its CCS injection probe, finding no TLS 1.0 to 1.2 version to use,
 * sends a ClientHello whose version field is the two characters "\x" (bytes 5c 78), which we
 * rightly refuse with decode_error. Neither tool does a DNS or outside lookup: `--ip`, `--nodns none`,
 * no `--phone-out`, and NXCONNECT=127.0.0.1:0, the address testssl's start-up probes of its openssl
 * connect to instead of "invalid." (which the resolver would still send to DNS).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TLS13_SUITES } from "./cases.js";
import { CA, type Peer, WAIT_MS, cert, certAndKeyArgs, key, startMutlsEchoServer, startProcess, stopAllProcesses } from "./process.js";

/** Debian installs testssl.sh as `testssl`; upstream's checkout calls it `testssl.sh`. */
const TESTSSL = ["testssl", "testssl.sh"].find((name) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0);
if (!TESTSSL) console.log("skipping the testssl.sh scan: neither testssl nor testssl.sh runs (apt-get install -y testssl.sh)");
const SSLSCAN_MISSING = spawnSync("sslscan", ["--version"], { stdio: "ignore" }).status === 0 ? null : "sslscan does not run";
if (TESTSSL && SSLSCAN_MISSING) console.log(`skipping the sslscan part of the scan: ${SSLSCAN_MISSING} (apt-get install -y sslscan)`);

/** testssl takes about a minute here; the bound leaves room for a loaded machine. */
const SCAN_MS = 180_000;

/** One finding of testssl's --jsonfile-pretty output. */
interface Finding {
  id: string;
  severity: string;
  finding: string;
  cve?: string;
}

/** The sections of one scanned host (`scanResult[0]`): each an array of findings. */
type Sections = Record<string, Finding[]>;

const dir = mkdtempSync(join(tmpdir(), "mutls-testssl-"));
let server: Peer;
let port = 0;
let sections: Sections = {};
let testsslRun: Peer;
let sslscanXml = "";
/** The server's log before sslscan started, to find the handshakes sslscan completed. */
let logBeforeSslscan = 0;

afterAll(async () => {
  await stopAllProcesses();
  rmSync(dir, { recursive: true, force: true });
});

const all = (): Finding[] => Object.values(sections).flat();
const section = (name: string): Finding[] => sections[name] ?? [];
const byId = (name: string, id: string): Finding | undefined => section(name).find((f) => f.id === id);

/** The attributes of every `<tag .../>` element in sslscan's XML. */
function xmlElements(tag: string): Record<string, string>[] {
  return [...sslscanXml.matchAll(new RegExp(`<${tag} ([^>]*?)/?>`, "g"))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

/** Waits for `pattern` in what the server logged after `offset` characters of its stderr. */
async function serverLogsAfter(offset: number, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const tail = server.stderr.slice(offset);
    if (pattern.test(tail)) return tail;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`mutls server did not log ${pattern}\n${server.report()}`);
}

describe.skipIf(!TESTSSL)(`testssl.sh and sslscan against mutls server --require-client-cert`, () => {
  beforeAll(async () => {
    ({ server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256")));
    const json = join(dir, "testssl.json");
    // -p protocols, -s cipher categories, -f forward secrecy, -P server preferences, -S server
    // defaults, -U every vulnerability, -E ciphers per protocol, -c client simulation, -g GREASE and
    // size bugs. --add-ca: our test CA, so the chain is judged. No lookups: NXCONNECT, --ip, --nodns none.
    testsslRun = startProcess("testssl", "env", [
      ...["NXCONNECT=127.0.0.1:0", TESTSSL!],
      ...["--quiet", "--color", "0", "--warnings", "off", "--nodns", "none", "--ip", "127.0.0.1", "--add-ca", CA],
      ...["--connect-timeout", "10", "--openssl-timeout", "10"],
      ...["-p", "-s", "-f", "-P", "-S", "-U", "-E", "-c", "-g", "--jsonfile-pretty", json, `127.0.0.1:${port}`],
    ]);
    const exit = await testsslRun.waitForExit(SCAN_MS);
    // testssl's exit status sums its checks' return values, not a verdict: only a signal or no JSON is a failed run.
    expect(exit.signal, testsslRun.report()).toBeNull();
    const report = JSON.parse(readFileSync(json, "utf8")) as { scanResult: (Sections & { targetHost?: string })[]; scanTime?: unknown };
    expect(report.scanTime, "testssl did not finish its scan").toBeDefined();
    // The scanned host's entry. On a loaded machine testssl's start-up probe (optimal_proto) can
    // time out once and retry; it then puts that warning first, as an entry of its own.
    const host = report.scanResult.find((entry) => entry.targetHost !== undefined);
    expect(host, `testssl's report names no scanned host: ${JSON.stringify(report.scanResult).slice(0, 500)}`).toBeDefined();
    for (const entry of report.scanResult) if (entry !== host) console.log(`testssl, besides the host's results: ${JSON.stringify(entry)}`);
    sections = Object.fromEntries(Object.entries(host ?? {}).filter(([, v]) => Array.isArray(v))) as Sections;
    console.log(`testssl scanned in ${String(report.scanTime)} s; the server logged ${server.stderr.split("\n").length} lines`);

    if (!SSLSCAN_MISSING) {
      logBeforeSslscan = server.stderr.length;
      const xml = join(dir, "sslscan.xml");
      const args = ["--no-colour", "--show-sigs", "--show-client-cas", `--certs=${cert("client-p256")}`, `--pk=${key("client-p256")}`, `--xml=${xml}`];
      const sslscan = startProcess("sslscan", "sslscan", [...args, `127.0.0.1:${port}`]);
      expect((await sslscan.waitForExit(60_000)).code, sslscan.report()).toBe(0);
      sslscanXml = readFileSync(xml, "utf8");
    }
  }, SCAN_MS + 90_000);

  it("testssl: TLS 1.3 offered; SSLv2, SSLv3, TLS 1.0, 1.1 and 1.2 not", () => {
    for (const id of ["SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2"]) {
      expect(byId("protocols", id)?.finding, id).toMatch(/^not offered/);
    }
    expect(byId("protocols", "TLS1_3")?.finding).toMatch(/^offered/);
    expect(byId("serverPreferences", "protocol_negotiated")?.finding).toMatch(/TLS1\.3/);
  });

  it("testssl: the three TLS 1.3 suites and no others", () => {
    // -E: one id per cipher a protocol accepted (cipher-tls1_3_x1301); any other protocol's would show.
    const accepted = section("cipherTests").map((f) => f.id);
    expect(accepted.sort()).toEqual(["cipher-tls1_3_x1301", "cipher-tls1_3_x1302", "cipher-tls1_3_x1303"]);
    expect(
      section("cipherTests")
        .map((f) => f.finding.trim().split(/\s+/).pop())
        .sort(),
    ).toEqual([...TLS13_SUITES].sort());
    // -s: every weaker category of cipher refused, the strong one offered.
    for (const id of ["NULL", "aNULL", "EXPORT", "LOW", "3DES_IDEA", "AVERAGE"]) {
      expect(byId("ciphers", `cipherlist_${id}`)?.finding, id).toMatch(/^not offered/);
    }
    expect(byId("ciphers", "cipherlist_STRONG")?.finding).toMatch(/^offered/);
    // -P and -f: a cipher order for TLS 1.3 only, and forward secrecy with the same three suites.
    expect(
      section("serverPreferences")
        .filter((f) => f.id.startsWith("cipherorder_"))
        .map((f) => f.id),
    ).toEqual(["cipherorder_TLSv1_3"]);
    expect(byId("serverPreferences", "cipherorder_TLSv1_3")?.finding.trim().split(/\s+/).sort()).toEqual([...TLS13_SUITES].sort());
    expect(byId("pfs", "PFS")?.severity).toBe("OK");
    expect(byId("pfs", "PFS_ciphers")?.finding.trim().split(/\s+/).sort()).toEqual([...TLS13_SUITES].sort());
  });

  it("testssl: every vulnerability check not vulnerable or not applicable", () => {
    // Found by id or, since 3.0.8 files SWEET32 under "CRIME_TLS", by the CVE testssl attaches.
    const checks: [name: string, id: string, cve?: string][] = [
      ["Heartbleed", "heartbleed", "CVE-2014-0160"],
      ["CCS injection", "CCS", "CVE-2014-0224"],
      ["Ticketbleed", "ticketbleed", "CVE-2016-9244"],
      ["ROBOT", "ROBOT", "CVE-2017-17382"],
      ["secure renegotiation", "secure_renego"],
      ["client-initiated renegotiation", "secure_client_renego", "CVE-2011-1473"],
      ["CRIME", "CRIME_TLS", "CVE-2012-4929"],
      ["POODLE", "POODLE_SSL", "CVE-2014-3566"],
      ["TLS_FALLBACK_SCSV", "fallback_SCSV"],
      ["SWEET32", "SWEET32", "CVE-2016-2183"],
      ["FREAK", "FREAK", "CVE-2015-0204"],
      ["DROWN", "DROWN", "CVE-2016-0800"],
      ["LOGJAM", "LOGJAM", "CVE-2015-4000"],
      ["BEAST", "BEAST", "CVE-2011-3389"],
      ["LUCKY13", "LUCKY13", "CVE-2013-0169"],
      ["RC4", "RC4", "CVE-2013-2566"],
    ];
    const vulnerabilities = section("vulnerabilities");
    for (const [name, id, cve] of checks) {
      const found = vulnerabilities.find((f) => (cve ? (f.cve ?? "").split(" ").includes(cve) : f.id === id));
      expect(found, `${name}: not in testssl's report`).toBeDefined();
      expect(found!.finding, name).toMatch(/^not vulnerable|^not applicable|TLS 1\.3 only|only TLS 1\.3/);
    }
    for (const f of vulnerabilities) {
      expect(f.severity, `${f.id}: ${f.finding}`).toMatch(/^(OK|INFO)$/);
      expect(f.finding, f.id).not.toMatch(/VULNERABLE|test failed/);
    }
  });

  it("testssl: no finding of severity HIGH or CRITICAL, nor a warning", () => {
    // The fixture certificate's own properties, not the server's: it sends the chain it is given.
    const certificatePolicy = new Set(["cert_validityPeriod", "cert_revocation"]);
    const severe = all().filter((f) => /^(HIGH|CRITICAL|WARN)$/.test(f.severity) && !certificatePolicy.has(f.id));
    expect(severe).toEqual([]);
    // With our CA added, the chain the server sends is judged, and passes.
    expect(byId("serverDefaults", "cert_chain_of_trust")?.severity).toBe("OK");
    expect(byId("serverDefaults", "cert_trust")?.severity).toBe("OK");
  });

  it("testssl: the simulated clients that connect get TLS 1.3 with one of its suites; GREASE finds no bug", () => {
    const simulations = section("browserSimulations");
    const suite = new RegExp(`^TLSv1\\.3 (${TLS13_SUITES.join("|")})$`);
    for (const f of simulations) expect(f.finding.trim(), f.id).toMatch(new RegExp(`${suite.source}|^No connection$`));
    expect(simulations.filter((f) => suite.test(f.finding.trim())).length).toBeGreaterThan(0);
    expect(section("grease").length).toBeGreaterThan(0);
    for (const f of section("grease")) expect(f.severity, f.finding).toBe("OK");
  });

  it.skipIf(SSLSCAN_MISSING !== null)("sslscan: only TLS 1.3; no renegotiation, no heartbleed", () => {
    const enabled = xmlElements("protocol").map((p) => `${p.type} ${p.version} ${p.enabled}`);
    expect(enabled.sort()).toEqual(["ssl 2 0", "ssl 3 0", "tls 1.0 0", "tls 1.1 0", "tls 1.2 0", "tls 1.3 1"]);
    expect(xmlElements("renegotiation")).toEqual([{ supported: "0", secure: "0" }]);
    const heartbleed = xmlElements("heartbleed");
    expect(heartbleed.length).toBeGreaterThan(0);
    for (const h of heartbleed) expect(h.vulnerable, h.sslversion).toBe("0");
  });

  it.skipIf(SSLSCAN_MISSING !== null)("sslscan: the three suites, the groups and the one signature scheme the server has", () => {
    const ciphers = xmlElements("cipher");
    expect(ciphers.map((c) => c.sslversion)).toEqual(["TLSv1.3", "TLSv1.3", "TLSv1.3"]);
    expect(ciphers.map((c) => c.cipher).sort()).toEqual([...TLS13_SUITES].sort());
    // The groups sslscan 2.0.7 knows that mutls supports (it does not know X25519MLKEM768); one hello each.
    expect(
      xmlElements("group")
        .map((g) => g.id)
        .sort(),
    ).toEqual(["0x0017", "0x0018", "0x001d"]);
    // A P-256 server key signs with ecdsa_secp256r1_sha256 and nothing else (RFC 8446 §4.2.3).
    expect(xmlElements("connection-signature-algorithm").map((s) => s.name)).toEqual(["ecdsa_secp256r1_sha256"]);
    // sslscan sent our client certificate: the CertificateRequest named our CA, and the handshakes completed.
    expect(sslscanXml).toMatch(/<ca>\s*\/O=mutls tests\/CN=mutls test root CA\s*<\/ca>/);
    const accepted = server.stderr.slice(logBeforeSslscan).match(/accepted: client "CN=client p256/g) ?? [];
    expect(accepted.length, server.report()).toBeGreaterThanOrEqual(3);
  });

  it("afterwards the server is still running, logged no crash, and completes a mutual handshake", async () => {
    expect(server.child.exitCode, server.report()).toBeNull();
    expect(server.child.signalCode, server.report()).toBeNull();
    // Every line is one of the CLI's own: a stack trace, an unhandled error or a warning would not be.
    const lines = server.stderr.split("\n").filter((line) => line !== "");
    const odd = lines.filter((line) => !/^mutls server: (listening on \S+$|127\.0\.0\.1:\d+ (accepted|refused|failed|closed cleanly)\b)/.test(line));
    expect(odd).toEqual([]);
    expect(lines.filter((line) => /internal_error/.test(line))).toEqual([]);
    expect(server.stdout).toBe("");
    // The scan reached the server: TLS 1.2-and-older hellos refused with protocol_version (RFC 8446
    // §4.2.1), and testssl's certificate-less TLS 1.3 handshakes with certificate_required (§4.4.2.4).
    expect(lines.filter((line) => /refused: protocol_version/.test(line)).length).toBeGreaterThan(10);
    expect(lines.filter((line) => /refused: certificate_required/.test(line)).length).toBeGreaterThan(0);

    const before = server.stderr.length;
    const client = startProcess("openssl s_client", "openssl", [
      ...["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost", "-CAfile", CA, "-verify_return_error"],
      ...["-cert", cert("client-p256"), "-key", key("client-p256")],
    ]);
    await client.waitFor(/Verify return code: 0 \(ok\)/);
    client.write("ping\n");
    await client.waitFor(/^ping$/m);
    client.endStdin();
    const tail = await serverLogsAfter(before, /closed cleanly/);
    expect(tail).toMatch(/accepted: client "CN=client p256, O=mutls tests".*TLSv1\.3/);
  });
});
