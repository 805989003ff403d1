/**
 * The mutls CLI against GnuTLS: `gnutls-cli` as a client of `mutls server`, and `mutls client`
 * against `gnutls-serv`. gnutls-serv binds every address, so it runs inside a private network
 * namespace (`unshare -n`, loopback up) together with our client; where that is impossible, those
 * tests are skipped with the reason printed. GnuTLS is the oracle: its session description (group,
 * signature, cipher) and its verdict on our certificates must agree with ours.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { CA, CLI, type Peer, cert, key, startMutlsServer, startProcess, stopAllProcesses } from "./process.js";

afterEach(stopAllProcesses);

function probe(command: string, args: string[]): string | null {
  const run = spawnSync(command, args, { encoding: "utf8" });
  return run.status === 0 ? null : (run.stderr || run.error?.message || `exit ${run.status}`).trim();
}

const GNUTLS_MISSING = probe("gnutls-cli", ["--version"]);
if (GNUTLS_MISSING) console.log(`skipping GnuTLS interop: gnutls-cli is not installed (apt-get install -y gnutls-bin): ${GNUTLS_MISSING}`);
const NAMESPACE_MISSING = GNUTLS_MISSING ?? probe("unshare", ["-n", "sh", "-c", "ip link set lo up"]);
if (NAMESPACE_MISSING && !GNUTLS_MISSING) {
  console.log(`skipping gnutls-serv interop: it binds every address and cannot run in a private network namespace here: ${NAMESPACE_MISSING}`);
}
const GNUTLS_VERSION = GNUTLS_MISSING ? "missing" : execFileSync("gnutls-cli", ["--version"], { encoding: "utf8" }).split("\n")[0];

const TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

/** Our suite name and GnuTLS's priority and description name for it. */
const SUITES = [
  { ours: "TLS_AES_128_GCM_SHA256", gnutls: "AES-128-GCM" },
  { ours: "TLS_AES_256_GCM_SHA384", gnutls: "AES-256-GCM" },
  { ours: "TLS_CHACHA20_POLY1305_SHA256", gnutls: "CHACHA20-POLY1305" },
] as const;

const GROUPS = [
  { ours: "x25519", gnutls: "X25519" },
  { ours: "secp256r1", gnutls: "SECP256R1" },
  { ours: "secp384r1", gnutls: "SECP384R1" },
] as const;

/** How GnuTLS describes the TLS 1.3 signature made with each key type. */
const SIGNATURE = {
  p256: "ECDSA-SECP256R1-SHA256",
  p384: "ECDSA-SECP384R1-SHA384",
  ed25519: "EdDSA-Ed25519",
  rsa2048: "RSA-PSS-RSAE-SHA256",
} as const;
type KeyType = keyof typeof SIGNATURE;

const ourServerCert = (type: KeyType): string[] => ["--cert", cert(`server-${type}`), "--key", key(`server-${type}`)];
const ourClientCert = (type: KeyType): string[] => ["--cert", cert(`client-${type}`), "--key", key(`client-${type}`)];

function gnutlsCli(port: number, priority: string, clientType: KeyType | null, extra: string[] = []): Peer {
  const certArgs = clientType ? ["--x509certfile", cert(`client-${clientType}`), "--x509keyfile", key(`client-${clientType}`)] : [];
  return startProcess("gnutls-cli", "gnutls-cli", ["--x509cafile", CA, ...certArgs, "--priority", priority, ...extra, "-p", String(port), "localhost"]);
}

/** gnutls-cli against a fresh `mutls server --require-client-cert --echo`: one line echoed, then gnutls-cli ends. */
async function gnutlsCliEcho(serverArgs: string[], priority: string, clientType: KeyType): Promise<{ server: Peer; client: Peer }> {
  const { server, port } = await startMutlsServer(["--ca", CA, "--require-client-cert", "--echo", ...serverArgs]);
  const client = gnutlsCli(port, priority, clientType);
  await client.waitFor(/Handshake was completed/);
  client.write("ping\n");
  await client.waitFor(/^ping$/m);
  client.endStdin(); // gnutls-cli sends close_notify (bye) at the end of its input
  await server.waitFor(/closed cleanly/);
  expect(client.output).toContain("The certificate is trusted");
  return { server, client };
}

describe.skipIf(GNUTLS_MISSING !== null)(`mutls server <- gnutls-cli (${GNUTLS_VERSION})`, () => {
  for (const suite of SUITES) {
    it(`negotiates ${suite.ours}`, async () => {
      const { server, client } = await gnutlsCliEcho(ourServerCert("p256"), `${TLS13}:-CIPHER-ALL:+${suite.gnutls}`, "p256");
      expect(client.output).toMatch(new RegExp(`Description: \\(TLS1.3-X.509\\)-.*-\\(${suite.gnutls}\\)`));
      expect(server.stderr).toContain(suite.ours);
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { server, client } = await gnutlsCliEcho(ourServerCert("p256"), `${TLS13}:-GROUP-ALL:+GROUP-${group.gnutls}`, "p256");
      expect(client.output).toContain(`(ECDHE-${group.gnutls})`);
      expect(server.stderr).toContain(`group ${group.ours},`);
    });
  }

  it("sends a HelloRetryRequest for a group the client supports but sent no key share for", async () => {
    // GnuTLS sends key shares for X25519 and SECP256R1 (one per curve family), not SECP384R1.
    const priority = `${TLS13}:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1`;
    const { server, client } = await gnutlsCliEcho([...ourServerCert("p256"), "--groups", "secp384r1"], priority, "p256");
    expect(client.output).toContain("(ECDHE-SECP384R1)");
    expect(server.stderr).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["ed25519", "p384"],
    ["rsa2048", "ed25519"],
    ["p384", "rsa2048"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { server, client } = await gnutlsCliEcho(ourServerCert(serverType), TLS13, clientType);
      expect(client.output).toContain(`(${SIGNATURE[serverType]})`);
      expect(server.stderr).toContain(`URI spiffe://mutls.test/client/${clientType}`);
    });
  }

  it("follows a KeyUpdate the client sends", async () => {
    const { server, port } = await startMutlsServer(["--ca", CA, "--require-client-cert", "--echo", ...ourServerCert("p256")]);
    const client = gnutlsCli(port, TLS13, "p256", ["--inline-commands"]);
    await client.waitFor(/Handshake was completed/);
    client.write("^rekey^\n"); // KeyUpdate asking us to update too
    await client.waitFor(/Rekey was completed/);
    client.write("after the key update\n");
    await client.waitFor(/^after the key update$/m);
    client.endStdin();
    await server.waitFor(/closed cleanly/);
  });

  it("refuses a client without a certificate with certificate_required", async () => {
    const { server, port } = await startMutlsServer(["--ca", CA, "--require-client-cert", "--echo", ...ourServerCert("p256")]);
    const client = gnutlsCli(port, TLS13, null);
    client.write("ping\n");
    await client.waitFor(/Received alert \[116\]/); // certificate_required
    await server.waitFor(/refused: certificate_required/);
  });
});

/**
 * Runs gnutls-serv and `mutls client` together in a private network namespace: gnutls-serv echoes
 * and verifies our certificate; our client sends one line and closes. Returns both outputs.
 */
async function againstGnutlsServ(servArgs: string[], clientArgs: string[]): Promise<{ exitCode: number | null; client: string; server: string }> {
  const port = 4433;
  const script = `
    set -u
    ip link set lo up
    gnutls-serv --port ${port} --x509cafile '${CA}' --echo ${servArgs.map((a) => `'${a}'`).join(" ")} >"$TMP/serv.out" 2>&1 &
    serv=$!
    for i in $(seq 1 200); do grep -q "listening on IPv4" "$TMP/serv.out" && break; sleep 0.05; done
    printf 'ping\\n' | '${process.execPath}' '${CLI}' client 127.0.0.1:${port} --ca '${CA}' --servername localhost ${clientArgs.map((a) => `'${a}'`).join(" ")} >"$TMP/client.out" 2>&1
    echo "client exit $?" >>"$TMP/client.out"
    kill $serv; wait $serv 2>/dev/null
    cat "$TMP/client.out"; echo "=== gnutls-serv ==="; cat "$TMP/serv.out"
  `;
  const run = startProcess("unshare gnutls-serv", "unshare", ["-n", "bash", "-c", `TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT; ${script}`]);
  await run.waitForExit();
  const [client, server = ""] = run.stdout.split("=== gnutls-serv ===");
  const exitCode = Number(/client exit (\d+)/.exec(client)?.[1] ?? NaN);
  return { exitCode: Number.isNaN(exitCode) ? null : exitCode, client, server };
}

describe.skipIf(NAMESPACE_MISSING !== null)(`mutls client -> gnutls-serv (${GNUTLS_VERSION})`, () => {
  const verified = ["--require-client-cert", "--verify-client-cert"];
  const servCert = (type: KeyType): string[] => ["--x509certfile", cert(`server-${type}`), "--x509keyfile", key(`server-${type}`)];

  async function exchange(servArgs: string[], clientArgs: string[]): Promise<{ client: string; server: string }> {
    const result = await againstGnutlsServ([...verified, ...servArgs], clientArgs);
    expect(result.exitCode, result.client + result.server).toBe(0);
    expect(result.client).toMatch(/^ping$/m); // echoed by gnutls-serv
    expect(result.client).toContain("closed cleanly");
    expect(result.server).toContain("The certificate is trusted"); // GnuTLS verified our client certificate
    return result;
  }

  for (const suite of SUITES) {
    it(`negotiates ${suite.ours}`, async () => {
      const { client, server } = await exchange([...servCert("p256"), "--priority", `${TLS13}:-CIPHER-ALL:+${suite.gnutls}`], ourClientCert("p256"));
      expect(server).toMatch(new RegExp(`Description: \\(TLS1.3-X.509\\)-.*-\\(${suite.gnutls}\\)`));
      expect(client).toContain(suite.ours);
    });
  }

  for (const group of GROUPS) {
    it(`negotiates ${group.ours}`, async () => {
      const { client, server } = await exchange(
        [...servCert("p256"), "--priority", `${TLS13}:-GROUP-ALL:+GROUP-${group.gnutls}`],
        [...ourClientCert("p256"), "--groups", group.ours],
      );
      expect(server).toContain(`(ECDHE-${group.gnutls})`);
      expect(client).toContain(`group ${group.ours},`);
    });
  }

  it("follows a HelloRetryRequest to the group the server asks for", async () => {
    // Our first ClientHello carries an x25519 key share; gnutls-serv takes only SECP384R1.
    const { client, server } = await exchange([...servCert("p256"), "--priority", `${TLS13}:-GROUP-ALL:+GROUP-SECP384R1`], ourClientCert("p256"));
    expect(server).toContain("(ECDHE-SECP384R1)");
    expect(client).toContain("group secp384r1 after a HelloRetryRequest");
  });

  for (const [serverType, clientType] of [
    ["ed25519", "rsa2048"],
    ["rsa2048", "p384"],
    ["p384", "ed25519"],
  ] as const) {
    it(`authenticates a ${serverType} server and a ${clientType} client`, async () => {
      const { client, server } = await exchange([...servCert(serverType), "--priority", TLS13], ourClientCert(clientType));
      expect(server).toContain(`Subject: CN=client ${clientType}`);
      expect(client).toContain(`(${serverType})`);
    });
  }

  it("is refused when it has no certificate for a server that requires one", async () => {
    const result = await againstGnutlsServ([...verified, ...servCert("p256"), "--priority", TLS13], []);
    expect(result.exitCode).not.toBe(0);
    expect(result.client).toMatch(/certificate_required \(alert from the peer\)/);
  });

  it("refuses a server whose certificate chains to an unknown CA", async () => {
    const result = await againstGnutlsServ([...verified, ...servCert("p256").map((a) => a.replace("server-p256", "untrusted-server")), "--priority", TLS13], ourClientCert("p256"));
    expect(result.exitCode).not.toBe(0);
    expect(result.client).toMatch(/unknown_ca \(detected locally\)/);
  });
});
