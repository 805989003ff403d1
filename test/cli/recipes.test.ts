/**
 * The recipes of docs/recipes/ run as written: each recipe's code is a file there that this test
 * (or the runtime matrix, test/runtimes/run.mjs) imports under its published name `mutls` (the
 * package refers to itself through its "exports", so the built dist/ is what runs), and each page
 * quotes its file verbatim. Real peers judge the result: openssl s_server behind `mutls relay` for
 * the browser recipe, a PostgreSQL server with `hostssl ... cert` for the database recipe.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CA, ROOT, cert, freePort, key, startProcess, stopAllProcesses } from "../peers/process.js";
import { opensslServer, scratchDir, startCli } from "./cli-process.js";

afterEach(stopAllProcesses);

const RECIPES = `${ROOT}docs/recipes/`;
const SERVER_FILES = ["-cert", cert("server-p256"), "-key", key("server-p256")];
const clientFiles = () => ({ ca: readFileSync(CA, "utf8"), cert: readFileSync(cert("client-p256"), "utf8"), key: readFileSync(key("client-p256"), "utf8") });

/** Runs `export NAME` of a recipe file in a fresh Node (as a user would), with `options`; returns what it resolved to. */
async function runRecipe(file: string, name: string, options: object, nodeFlags: string[] = []): Promise<unknown> {
  const script = `import { ${name} } from ${JSON.stringify(RECIPES + file)}; console.log("RESULT " + JSON.stringify(await ${name}(JSON.parse(process.argv[1]))));`;
  const run = startProcess(`recipe ${file}`, process.execPath, [...nodeFlags, "--input-type=module", "-e", script, JSON.stringify(options)]);
  const exit = await run.waitForExit();
  const line = /^RESULT (.*)$/m.exec(run.stdout);
  if (exit.code !== 0 || !line) throw new Error(`recipe ${file} failed (exit ${exit.code})\n${run.report()}`);
  return JSON.parse(line[1]);
}

describe("docs/recipes pages", () => {
  it("quote their code files verbatim", () => {
    const pages = readdirSync(RECIPES).filter((f) => f.endsWith(".md") && f !== "README.md");
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      const text = readFileSync(RECIPES + page, "utf8");
      const quoted = [...text.matchAll(/<!-- file: ([^ ]+) -->\n```[a-z]*\n([\s\S]*?)```/g)];
      expect(quoted.length, `${page} quotes a recipe file`).toBeGreaterThan(0);
      for (const [, file, code] of quoted) expect(code, `${page} quotes ${file}`).toBe(readFileSync(RECIPES + file, "utf8"));
    }
  });
});

describe("browser page through mutls relay (browser-relay.mjs)", () => {
  it("reaches openssl s_server, which requires and verifies the client certificate", async () => {
    const { server, port } = await opensslServer([...SERVER_FILES, "-Verify", "1", "-CAfile", CA, "-rev"]);
    const relay = startCli(["relay", "--listen", "127.0.0.1:0", "--to", `127.0.0.1:${port}`]);
    const url = (await relay.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/))[1];
    // Node 20's WebSocket (the WHATWG one browsers have) stands in for the page's; Chromium runs
    // the same file in the runtime matrix.
    const result = await runRecipe(
      "browser-relay.mjs",
      "askThroughRelay",
      { relayUrl: `${url}127.0.0.1:${port}`, ...clientFiles(), servername: "localhost", message: "hello relay\n" },
      ["--experimental-websocket", "--no-warnings"],
    );
    expect(result).toEqual({ server: expect.stringMatching(/CN=localhost/), answer: "yaler olleh\n" });
    await server.waitFor(/Verification: OK/);
    expect(server.output).toMatch(/Peer certificate: .*CN ?= ?client p256/);
  });
});

/** PostgreSQL's server binaries: Debian keeps them out of PATH, in /usr/lib/postgresql/N/bin. */
function postgresBin(): string | null {
  const dirs = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin/`) : [];
  return dirs.find((d) => existsSync(`${d}initdb`) && existsSync(`${d}postgres`)) ?? null;
}

const PG_BIN = postgresBin();
const asRoot = process.getuid?.() === 0;

// Skipped only where the PostgreSQL server is not installed (.ci/run installs Debian's postgresql,
// so CI always runs it). As root, the server runs as the `postgres` user: PostgreSQL refuses root.
describe.skipIf(PG_BIN === null)("PostgreSQL with a client certificate (postgres.mjs)", () => {
  it("logs in as the certificate's CN with hostssl ... cert and runs a query", async () => {
    const scratch = scratchDir("mutls-pg-");
    try {
      const data = scratch.path("data");
      const owner = asRoot ? Number(execFileSync("id", ["-u", "postgres"]).toString()) || null : null;
      if (owner !== null) chownSync(scratch.dir, owner, owner);
      const as = (command: string, args: string[]) =>
        (asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args]) as [string, string[]];
      // The superuser is named as the client certificate's CN, so `cert` authentication maps it as is.
      execFileSync(...as(`${PG_BIN}initdb`, ["-D", data, "-U", "client p256", "--auth=reject", "--no-sync"]), { stdio: "pipe" });
      for (const [from, to] of [
        [cert("server-p256"), "server.crt"],
        [key("server-p256"), "server.key"],
        [CA, "ca.crt"],
      ]) {
        copyFileSync(from, `${data}/${to}`);
        chmodSync(`${data}/${to}`, 0o600);
        if (owner !== null) chownSync(`${data}/${to}`, owner, owner);
      }
      writeFileSync(`${data}/pg_hba.conf`, "hostssl all all 127.0.0.1/32 cert\n");
      const port = await freePort();
      const server = startProcess(
        "postgres",
        ...as(`${PG_BIN}postgres`, [
          "-D",
          data,
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-k",
          scratch.dir,
          "-c",
          "ssl=on",
          "-c",
          "ssl_cert_file=server.crt",
          "-c",
          "ssl_key_file=server.key",
          "-c",
          "ssl_ca_file=ca.crt",
          "-c",
          "fsync=off",
        ]),
      );
      await server.waitFor(/ready to accept connections/);
      const rows = await runRecipe("postgres.mjs", "queryWithClientCertificate", {
        host: "127.0.0.1",
        port,
        user: "client p256",
        database: "postgres",
        ...clientFiles(),
        servername: "localhost",
        sql: "SELECT current_user, ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
      });
      // The server's own view of the connection: its TLS, and the user the certificate proved.
      expect(rows).toEqual([["client p256", "t", "TLSv1.3"]]);
      process.kill(-server.child.pid!, "SIGINT"); // fast shutdown, sent to the process group (runuser too)
      expect((await server.waitForExit()).code).toBe(0);
    } finally {
      scratch.remove();
    }
  });
});
