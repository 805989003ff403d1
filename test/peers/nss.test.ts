/**
 * mutls against NSS, the TLS stack of Firefox (Debian's libnss3-tools: `tstclnt` and `selfserv`,
 * with `certutil` and `pk12util` for its certificate database): an implementation apart from
 * OpenSSL, GnuTLS and Go. NSS is the oracle: the suite, group and signature scheme it reports,
 * its verdict on our chain (it fails the handshake on a certificate it does not trust), its
 * exporter (RFC 8446 §7.5), its resumption counters, and the alerts it reports. selfserv binds
 * every address, so it runs with `mutls client` inside a private network namespace (`unshare -n`),
 * as gnutls-serv does (gnutls.ts); where that is not allowed, those tests are skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { probe } from "./gnutls.js";
import {
  CA,
  CLI,
  type KeyType,
  type Peer,
  cert,
  certAndKeyArgs,
  key,
  ourExport,
  startMutlsServer,
  startMutlsEchoServer,
  startProcess,
  stopAllProcesses,
} from "./process.js";

afterEach(stopAllProcesses);

const NSS_MISSING = ["tstclnt", "selfserv", "certutil", "pk12util"]
  .map((tool) => (spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0 ? null : tool))
  .filter((tool) => tool !== null)
  .join(", ");
if (NSS_MISSING) console.log(`skipping NSS interop: ${NSS_MISSING} not installed (apt-get install -y libnss3-tools)`);
const SELFSERV_MISSING = NSS_MISSING || probe("unshare", ["-n", "sh", "-c", "ip link set lo up"]);
if (SELFSERV_MISSING && !NSS_MISSING)
  console.log(`skipping NSS selfserv interop: it binds every address and cannot run in a private network namespace here: ${SELFSERV_MISSING}`);

const dir = mkdtempSync(join(tmpdir(), "mutls-nss-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** The NSS database: our test CA trusted for TLS, and client credentials under their fixture names. */
const DB = `sql:${join(dir, "db")}`;
/** A database that trusts the CA and holds no key: NSS then has no certificate to send. */
const EMPTY_DB = `sql:${join(dir, "empty")}`;
const REQUEST = join(dir, "request.http");

beforeAll(() => {
  if (NSS_MISSING) return;
  for (const db of [DB, EMPTY_DB]) {
    mkdirSync(db.slice("sql:".length));
    execFileSync("certutil", ["-N", "-d", db, "--empty-password"]);
    execFileSync("certutil", ["-A", "-d", db, "-n", "mutls-ca", "-t", "CT,C,C", "-i", CA]);
  }
  for (const name of ["client-p256", "client-p384", "client-rsa2048", "untrusted-client", "server-p256", "server-p384"]) {
    const p12 = join(dir, `${name}.p12`);
    execFileSync("openssl", ["pkcs12", "-export", "-in", cert(name), "-inkey", key(name), "-out", p12, "-passout", "pass:", "-name", name]);
    execFileSync("pk12util", ["-i", p12, "-d", DB, "-W", ""]);
  }
  writeFileSync(REQUEST, "GET / HTTP/1.0\r\n\r\n");
}, 60_000);

/** tstclnt to our server on 127.0.0.1:port, TLS 1.3 only, SNI localhost, verifying against the database. */
function tstclnt(port: number, args: readonly string[], db = DB): Peer {
  return startProcess("tstclnt", "tstclnt", ["-h", "127.0.0.1", "-p", String(port), "-a", "localhost", "-d", db, "-V", "tls1.3:tls1.3", ...args]);
}

/** tstclnt -Q: the handshake, then close_notify; resolves with the finished process. */
async function handshakeOnly(port: number, args: readonly string[], db = DB): Promise<Peer> {
  // tstclnt -Q leaves once its input ends after the handshake; input that ends before the handshake
  // completes leaves it waiting forever. So the input ends once it has reported the handshake or an error.
  // -v: tstclnt prints the suite and signature scheme it negotiated only when verbose.
  const client = tstclnt(port, ["-Q", "-v", ...args], db);
  await client.waitFor(/Cert Status items|_ERROR_/).catch(() => undefined);
  client.endStdin();
  await client.waitForExit();
  return client;
}

/** The keying material tstclnt -x printed (colon-separated hex on the lines after "Keying Material:"). */
function nssExport(output: string): string {
  const block = /Keying Material:\n((?:\s+[0-9a-f:]+\n)+)/.exec(output)?.[1] ?? "";
  return block.replace(/[\s:]/g, "");
}

const SUITES = [
  { ours: "TLS_AES_128_GCM_SHA256", nss: ":1301", says: "128-bit AES-GCM" },
  { ours: "TLS_AES_256_GCM_SHA384", nss: ":1302", says: "256-bit AES-GCM" },
  { ours: "TLS_CHACHA20_POLY1305_SHA256", nss: ":1303", says: "256-bit CHACHA20POLY1305" },
] as const;

/** How NSS names the TLS 1.3 signature our server makes with each key type (NSS has no Ed25519 in TLS; RSA: below). */
const SIGNATURE: Partial<Record<KeyType, string>> = {
  p256: "ecdsa_secp256r1_sha256",
  p384: "ecdsa_secp384r1_sha384",
};

// Skipped, with the reason printed, only where libnss3-tools is not installed (.ci/run installs it).
describe.skipIf(NSS_MISSING !== "")("mutls server <- NSS tstclnt", () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite.ours}`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      const client = await handshakeOnly(port, ["-n", "client-p256", "-c", suite.nss]);
      expect(client.output).toContain(`using ${suite.says}`);
      await server.waitFor(/closed cleanly/);
      expect(server.stderr).toContain(suite.ours);
    });
  }

  for (const [group, nss] of [
    ["x25519", "x25519"],
    ["secp256r1", "P256"],
    ["secp384r1", "P384"],
  ] as const) {
    it(`agrees on ${group} when NSS offers only ${nss}`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
      await handshakeOnly(port, ["-n", "client-p256", "-I", nss]);
      await server.waitFor(/closed cleanly/);
      expect(server.stderr).toContain(`group ${group},`);
    });
  }

  it("asks again (HelloRetryRequest) for a group NSS supports but sent no share for", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--groups", "secp384r1"]);
    await handshakeOnly(port, ["-n", "client-p256", "-I", "x25519,P384"]);
    await server.waitFor(/closed cleanly/);
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  // No RSA server certificate: tstclnt's classic NSS verification wants keyEncipherment in an RSA
  // server certificate's keyUsage (RSA key transport, TLS 1.2 and older), which our fixtures, made
  // for TLS 1.3 signatures, leave out (SEC_ERROR_INADEQUATE_KEY_USAGE). RSA is verified the other way.
  for (const [serverType, clientType] of [
    ["p256", "p256"],
    ["p384", "rsa2048"],
    ["p256", "p384"],
  ] as const) {
    it(`authenticates a ${serverType} server to NSS and a ${clientType} NSS client to us`, async () => {
      const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", serverType));
      const client = await handshakeOnly(port, ["-n", `client-${clientType}`]);
      // NSS validated our chain against its database, or the handshake would have failed.
      expect(client.output).toContain(`Signature Scheme: ${SIGNATURE[serverType]}`);
      expect(client.output).toContain(`subject DN: CN=localhost (${serverType}),O=mutls tests`);
      await server.waitFor(/accepted: /);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
    });
  }

  it("exports the same keying material as NSS (RFC 8446 §7.5)", async () => {
    const { server, port } = await startMutlsEchoServer([...certAndKeyArgs("server", "p256"), "--export", "EXPERIMENTAL-mutls:48"]);
    const client = await handshakeOnly(port, ["-n", "client-p256", "-x", "EXPERIMENTAL-mutls:48"]);
    await server.waitFor(/exporter /);
    const theirs = nssExport(client.output);
    expect(theirs, client.report()).toHaveLength(96);
    expect(ourExport(server.stderr)).toBe(theirs);
  });

  it("answers NSS's HTTP request with the identity it proved, and is resumed by NSS with our ticket", async () => {
    const { server, port } = await startMutlsServer([...certAndKeyArgs("server", "p256"), "--ca", CA, "--require-client-cert", "--http", "--tickets", "1"]);
    // -L 2: a second connection from NSS's session cache; -u: it takes session tickets.
    const client = tstclnt(port, ["-n", "client-p256", "-u", "-L", "2", "-A", REQUEST]);
    await client.waitForExit();
    expect(client.output).toContain('"spiffeId": "spiffe://mutls.test/client/p256"');
    expect(client.output).toContain("1 stateless resumes");
    await server.waitFor(/accepted: .*resumed/);
    expect(server.stderr).toMatch(/accepted: client "CN=client p256, O=mutls tests"; URI spiffe:\/\/mutls.test\/client\/p256.*resumed/);
  });

  it("accepts NSS's 0-RTT request on a resumed connection (RFC 8446 §2.3) and answers it", async () => {
    const { server, port } = await startMutlsServer([
      ...certAndKeyArgs("server", "p256"),
      ...["--ca", CA, "--require-client-cert", "--http", "--tickets", "1", "--early-data"],
    ]);
    // -Z: NSS sends the request as early data when its ticket allows it, on the second connection.
    const client = tstclnt(port, ["-n", "client-p256", "-u", "-Z", "-L", "2", "-A", REQUEST]);
    await client.waitForExit();
    expect(client.output).toContain('"earlyData": "accepted"');
    await server.waitFor(/accepted: .*resumed, 0-RTT data accepted/);
    // The server counts a connection's requests when that connection ends, which can come after
    // tstclnt has exited: wait for both counts rather than read them at once.
    await server.waitFor(/answered 1 HTTP request[\s\S]*answered 1 HTTP request/);
    expect(server.stderr.match(/answered \d+ HTTP request/g)).toEqual(["answered 1 HTTP request", "answered 1 HTTP request"]);
  });

  it("agrees with NSS on an external PSK (RFC 8446 §4.2.11), without certificates", async () => {
    const psk = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const { server, port } = await startMutlsServer(["--psk-identity", "nss-device", "--psk", psk, "--echo"]);
    const client = await handshakeOnly(port, ["-z", `0x${psk}:nss-device`]);
    expect(client.output).toContain("Using External PSK");
    await server.waitFor(/accepted: client PSK identity "nss-device"/);
    await server.waitFor(/closed cleanly/);
  });

  it("asks NSS for its certificate after the handshake (RFC 8446 §4.6.2) and learns its identity", async () => {
    const { server, port } = await startMutlsServer([...certAndKeyArgs("server", "p256"), "--ca", CA, "--echo", "--post-handshake-auth"]);
    const client = tstclnt(port, ["-n", "client-p384", "-E"]);
    client.write("ping\n");
    await client.waitFor(/^ping$/m);
    await server.waitFor(/post-handshake authentication: client "CN=client p384, O=mutls tests"; URI spiffe:\/\/mutls\.test\/client\/p384/);
    expect(server.stderr).toContain("accepted: client no certificate");
  });

  it("refuses NSS without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    await handshakeOnly(port, [], EMPTY_DB);
    await server.waitFor(/refused: certificate_required/);
  });

  it("refuses an NSS client whose certificate leads to another CA, and NSS hears unknown_ca", async () => {
    const { server, port } = await startMutlsEchoServer(certAndKeyArgs("server", "p256"));
    // TLS 1.3: NSS's handshake is complete when it sends its Finished; our alert comes on its next read.
    const client = tstclnt(port, ["-n", "untrusted-client"]);
    client.write("ping\n");
    await client.waitFor(/SSL_ERROR_UNKNOWN_CA_ALERT/);
    await server.waitFor(/refused: unknown_ca/);
  });

  it("is refused by NSS when our certificate does not lead to a CA it trusts", async () => {
    const { server, port } = await startMutlsEchoServer(["--cert", cert("untrusted-server"), "--key", key("untrusted-server")]);
    const client = await handshakeOnly(port, ["-n", "client-p256"]);
    expect(client.output).toMatch(/SEC_ERROR_UNKNOWN_ISSUER|SEC_ERROR_UNTRUSTED_ISSUER/);
    await server.waitFor(/refused: .*\(alert from the peer\)|failed: /);
  });
});

interface SelfservRun {
  /** Each `mutls client` run's stdout and stderr, with its exit status on a last line "client exit N". */
  clients: string[];
  /** selfserv's output (-v). */
  server: string;
}

/**
 * selfserv (TLS 1.3 only, verbose, `servArgs`) and `mutls client` runs one after another (each
 * with the CA, SNI localhost and its `clientArgs`, sending one line), together in a private
 * network namespace; the outputs once selfserv is stopped. Bounded: the start-up wait by 100 x
 * 50 ms, the whole by the caller's waitForExit.
 */
async function againstSelfserv(servArgs: string[], runs: string[][]): Promise<SelfservRun> {
  const quoted = (args: string[]): string => args.map((a) => `'${a}'`).join(" ");
  const clients = runs
    .map(
      (args, i) => `
    (printf 'ping\\n'; sleep 0.5) | '${process.execPath}' '${CLI}' client 127.0.0.1:4433 --ca '${CA}' --servername localhost ${quoted(args)} >"$TMP/client${i}.out" 2>&1
    echo "client exit $?" >>"$TMP/client${i}.out"`,
    )
    .join("");
  const script = `
    set -u
    ip link set lo up
    selfserv -d '${DB}' -p 4433 -V tls1.3:tls1.3 -v ${quoted(servArgs)} >"$TMP/serv.out" 2>&1 &
    serv=$!
    for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/4433) 2>/dev/null && break; sleep 0.05; done
    ${clients}
    kill $serv; wait $serv 2>/dev/null
    for i in $(seq 0 ${runs.length - 1}); do cat "$TMP/client$i.out"; echo "=== next ==="; done
    cat "$TMP/serv.out"
  `;
  const run = startProcess("unshare selfserv", "unshare", ["-n", "bash", "-c", `TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT; ${script}`]);
  await run.waitForExit(30_000);
  const parts = run.stdout.split("=== next ===\n");
  return { clients: parts.slice(0, runs.length), server: parts[runs.length] ?? "" };
}

const exitOf = (client: string): number | null => Number(/client exit (\d+)/.exec(client)?.[1] ?? NaN);

describe.skipIf(Boolean(SELFSERV_MISSING))("mutls client -> NSS selfserv", () => {
  // -r -r: selfserv requires a client certificate and validates it against its database.
  const requireCertificate = ["-r", "-r"];
  const ours = (type: KeyType): string[] => certAndKeyArgs("client", type);

  for (const suite of SUITES) {
    it(`negotiates ${suite.ours}`, async () => {
      const { clients, server } = await againstSelfserv(["-n", "server-p256", ...requireCertificate, "-c", suite.nss], [ours("p256")]);
      expect(exitOf(clients[0]), clients[0] + server).toBe(0);
      expect(clients[0]).toContain(suite.ours);
      expect(clients[0]).toContain("closed cleanly");
      expect(server).toContain(`using ${suite.says}`);
      expect(server).toContain("SSL3: Certificate Validated");
    });
  }

  it("answers selfserv's HelloRetryRequest when it takes only P-384", async () => {
    const { clients, server } = await againstSelfserv(["-n", "server-p256", ...requireCertificate, "-I", "P384"], [ours("p256")]);
    expect(exitOf(clients[0]), clients[0] + server).toBe(0);
    expect(clients[0]).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["p256", "rsa2048"],
    ["p384", "p384"],
  ] as const) {
    it(`authenticates a ${clientType} client to NSS and a ${serverType} NSS server to us`, async () => {
      const { clients, server } = await againstSelfserv(["-n", `server-${serverType}`, ...requireCertificate], [ours(clientType)]);
      expect(exitOf(clients[0]), clients[0] + server).toBe(0);
      expect(clients[0]).toContain(`server "CN=localhost (${serverType}), O=mutls tests"`);
      expect(server).toContain(`subject DN: CN=client ${clientType},O=mutls tests`);
      expect(server).toContain("SSL3: Certificate Validated");
    });
  }

  it("exports the same keying material as selfserv, and resumes with its ticket", async () => {
    const session = join(dir, "selfserv.session");
    const { clients, server } = await againstSelfserv(
      ["-n", "server-p256", ...requireCertificate, "-u", "-x", "EXPERIMENTAL-mutls:40"],
      [
        [...ours("p256"), "--export", "EXPERIMENTAL-mutls:40", "--sess-out", session],
        [...ours("p256"), "--sess-in", session],
      ],
    );
    expect(exitOf(clients[0]), clients[0] + server).toBe(0);
    const theirs = nssExport(server);
    expect(theirs).toHaveLength(80);
    expect(ourExport(clients[0])).toBe(theirs);
    expect(clients[1]).toContain("resumed: yes");
    expect(server).toMatch(/1 stateless resumes/);
  });

  it("resends its 0-RTT data after the handshake when selfserv skips it (RFC 8446 §4.2.10)", async () => {
    // This selfserv -Z offers 0-RTT in its tickets but rejects it when it comes, OpenSSL's
    // s_client -early_data's too: it must skip our early records and finish the handshake.
    const session = join(dir, "selfserv-early.session");
    const early = join(dir, "early.txt");
    writeFileSync(early, "early line\n");
    const { clients, server } = await againstSelfserv(
      ["-n", "server-p256", ...requireCertificate, "-u", "-Z"],
      [
        [...ours("p256"), "--sess-out", session],
        [...ours("p256"), "--sess-in", session, "--early-data", early],
      ],
    );
    expect(exitOf(clients[1]), clients[1] + server).toBe(0);
    expect(clients[1]).toContain("resumed: yes");
    expect(clients[1]).toContain("early data: rejected (sent again after the handshake)");
    expect(clients[1]).toContain("closed cleanly");
  });

  it("withholds a certificate whose issuer selfserv's CertificateRequest does not name, and selfserv refuses", async () => {
    // selfserv names the CA of its database in certificate_authorities (§4.2.4); ours is from another.
    const { clients, server } = await againstSelfserv(
      ["-n", "server-p256", ...requireCertificate],
      [["--cert", cert("untrusted-client"), "--key", key("untrusted-client")]],
    );
    expect(exitOf(clients[0]), clients[0] + server).not.toBe(0);
    expect(clients[0]).toContain("client certificate held back: none of the 1 configured client certificate(s) is issued by a CA the server accepts");
    // selfserv closes at once with our data unread, so the kernel's reset may drop its alert:
    // the failure is all that is certain. NSS's own: SSL_ERROR_NO_CERTIFICATE.
    expect(server).toContain("error -12285");
  });
});
