/**
 * GnuTLS as an interop peer, shared by the GnuTLS test files: whether gnutls-cli and a private
 * network namespace are available (each missing piece prints why its tests are skipped), and
 * gnutls-serv run together with `mutls client` inside `unshare -n`, because gnutls-serv binds
 * every address and cannot be told to use 127.0.0.1 alone.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { CA, CLI, startProcess } from "./process.js";

/** Null when `command args` exits 0, else why it could not run. */
export function probe(command: string, args: string[]): string | null {
  const run = spawnSync(command, args, { encoding: "utf8" });
  return run.status === 0 ? null : (run.stderr || run.error?.message || `exit ${run.status}`).trim();
}

export const GNUTLS_MISSING = probe("gnutls-cli", ["--version"]);
if (GNUTLS_MISSING) console.log(`skipping GnuTLS interop: gnutls-cli is not installed (apt-get install -y gnutls-bin): ${GNUTLS_MISSING}`);
export const NAMESPACE_MISSING = GNUTLS_MISSING ?? probe("unshare", ["-n", "sh", "-c", "ip link set lo up"]);
if (NAMESPACE_MISSING && !GNUTLS_MISSING) {
  console.log(`skipping gnutls-serv interop: it binds every address and cannot run in a private network namespace here: ${NAMESPACE_MISSING}`);
}
export const GNUTLS_VERSION = GNUTLS_MISSING ? "missing" : execFileSync("gnutls-cli", ["--version"], { encoding: "utf8" }).split("\n")[0];

/** GnuTLS priority string for TLS 1.3 only. */
export const TLS13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

export interface GnutlsServRun {
  /** `mutls client`'s exit status, or null when the script never got to report it. */
  exitCode: number | null;
  /** `mutls client`'s stdout and stderr. */
  client: string;
  /** gnutls-serv's output. */
  server: string;
}

/**
 * Runs `gnutls-serv --echo` (trusting the test CA, plus `servArgs`) and `mutls client` (plus
 * `clientArgs`, with `input` on its stdin) together in a private network namespace, and returns
 * both outputs once the client has exited and gnutls-serv has been stopped. The startup wait
 * is bounded (200 x 50 ms); the whole run is bounded by the caller's waitForExit.
 */
export async function againstGnutlsServ(servArgs: string[], clientArgs: string[], input = "ping\n"): Promise<GnutlsServRun> {
  const port = 4433;
  const quoted = (args: string[]): string => args.map((a) => `'${a}'`).join(" ");
  const script = `
    set -u
    ip link set lo up
    gnutls-serv --port ${port} --x509cafile '${CA}' --echo ${quoted(servArgs)} >"$TMP/serv.out" 2>&1 &
    serv=$!
    for i in $(seq 1 200); do grep -q "listening on IPv4" "$TMP/serv.out" && break; sleep 0.05; done
    printf '${input.replace(/\n/g, "\\n")}' | '${process.execPath}' '${CLI}' client 127.0.0.1:${port} --ca '${CA}' --servername localhost ${quoted(clientArgs)} >"$TMP/client.out" 2>&1
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
