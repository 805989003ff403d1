/**
 * The recipes of docs/recipes/ that need a runtime other than Node, run as written (the files
 * themselves, importing `mutls` by its package name, resolved to the built dist/):
 *   recipe deno-server        deno-server.mjs serves; a Node tls client (OpenSSL) with the client
 *                             certificate is greeted by its SPIFFE ID, one without is refused.
 *   recipe bun-client         bun-client.mjs GETs from Node's https server (OpenSSL), which must
 *                             authorize the client certificate; the body printed is its account.
 *   recipe cloudflare-worker  cloudflare-worker.mjs in workerd, its secrets and vars as bindings,
 *                             calls the same https server through connect().
 *   recipe browser-relay      browser-relay.mjs in a page in headless Chromium, through the
 *                             `mutls relay` command, to Node's tls echo server (OpenSSL), which
 *                             must authorize the client certificate and receive the message.
 *   recipe device             device.mjs in Moddable XS (a bare VM) against a mutls gateway in the
 *                             same VM; the gateway's records are parsed on the wire, and each
 *                             must obey the 512-byte record_size_limit the device asked for.
 * Every process started here runs in its own group and is killed when its check ends.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import { startNodeMtlsHttpsServer } from "./https-peer.mjs";
import { startNodeMtlsEchoServer } from "./peers.mjs";
import { freePort, killGroup, runEntry, tail } from "./processes.mjs";

/** A process in its own group; `output()` is stdout+stderr so far, `exited` resolves with its code. */
function startGroup(command, args, cwd) {
  const child = spawn(command, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => {
    child.on("close", (code) => resolve(code));
    child.on("error", (e) => {
      output += `spawn failed: ${e.message}\n`;
      resolve(-1);
    });
  });
  return { output: () => output, exited, stop: () => killGroup(child.pid, "SIGKILL") };
}

/** Polls `output()` for `pattern`, at most `polls` times 100 ms apart. */
async function waitForOutput(proc, pattern, polls = 600) {
  for (let i = 0; i < polls; i++) {
    const match = pattern.exec(proc.output());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${pattern} in time${tail(proc.output())}`);
}

/** A Node tls client (OpenSSL): the whole answer until the server closes, or the TLS error. */
function nodeTlsAnswer({ port, ca, cert, key }) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca, cert, key, servername: "localhost", minVersion: "TLSv1.3" });
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => (answer += d));
    socket.on("end", () => {
      socket.end();
      resolve({ answer });
    });
    socket.on("error", (error) => resolve({ answer, error: error.message }));
    socket.setTimeout(30_000, () => socket.destroy(new Error("timed out")));
  });
}

export async function recipesStage(attempt, ctx) {
  const { ROOT, BIN, BUILD, CA, SERVER, CLIENT, CLIENT_X509, bundle } = ctx;
  const recipes = join(ROOT, "docs/recipes");
  const certs = join(ROOT, "test/fixtures/certs");
  const spiffeId = CLIENT_X509.subjectAltName.match(/URI:(spiffe:\/\/[^,]+)/)?.[1];

  await attempt("recipe deno-server", async () => {
    const args = ["run", "--no-prompt", "--allow-net=127.0.0.1", `--allow-read=${ROOT}`, join(recipes, "deno-server.mjs"), "0"];
    const server = startGroup(
      join(BIN, "deno"),
      [...args, join(certs, "server-p256.cert.pem"), join(certs, "server-p256.key.pem"), join(certs, "ca.cert.pem")],
      ROOT,
    );
    try {
      const port = Number((await waitForOutput(server, /listening on 127\.0\.0\.1:(\d+)/))[1]);
      const greeted = await nodeTlsAnswer({ port, ca: CA, ...CLIENT });
      if (greeted.error || greeted.answer !== `hello ${spiffeId}\n`) throw new Error(`the client with a certificate got ${JSON.stringify(greeted)}`);
      const refused = await nodeTlsAnswer({ port, ca: CA });
      if (refused.answer !== "" || !/certificate required|alert/i.test(refused.error ?? ""))
        throw new Error(`a client without a certificate got ${JSON.stringify(refused)}`);
      await waitForOutput(server, /refused: .*client certificate/);
      return `deno-server.mjs greeted OpenSSL's client as ${spiffeId} and refused one without a certificate (certificate_required)`;
    } finally {
      server.stop();
    }
  });

  await attempt("recipe browser-relay", () => checkBrowserRelay(ctx));
  await attempt("recipe device", async () => {
    const { report, cfg, engine } = await ctx.runInXs(join(ROOT, "test/runtimes/entries/recipe-device-main.mjs"), "recipe-device");
    if (report.error) throw new Error(report.error);
    const problems = [];
    // recordSizeLimit counts content bytes; on the wire it is limit + 1, the bound of TLSInnerPlaintext
    // (content, type byte, padding; RFC 8449 §4). The AEAD tag adds 16 to the record.
    if (!(report.largestProtectedRecord <= report.limit + 1 + 16))
      problems.push(`a protected record of ${report.largestProtectedRecord} bytes passed the limit of ${report.limit}`);
    if (!(report.protectedRecords >= Math.ceil(3000 / report.limit)))
      problems.push(`only ${report.protectedRecords} protected records carried a 3000-byte answer`);
    if (!report.answerMatches || !report.answerHead.startsWith(`ack ${cfg.message} from ${spiffeId}`))
      problems.push(`the device got ${JSON.stringify(report.answerHead)}`);
    if (problems.length) throw new Error(problems.join("; "));
    return `device.mjs in ${engine}: ${report.protectedRecords} protected records, none over ${report.largestProtectedRecord} bytes (limit ${report.limit} + type byte + 16-byte tag); the gateway saw the device's SPIFFE ID and the ${report.answerLength}-byte answer arrived whole`;
  });

  const https = await startNodeMtlsHttpsServer({ ca: CA, ...SERVER });
  /** The one request the https server saw since `before`, held against the client fixture. */
  const checkSeen = (before, path, printed) => {
    const seen = https.requests.slice(before);
    if (seen.length !== 1) throw new Error(`the https server answered ${seen.length} requests, expected 1${tail(printed)}`);
    const [request] = seen;
    if (request.path !== path || !request.authorized || request.fingerprint256 !== CLIENT_X509.fingerprint256)
      throw new Error(`the https server saw ${JSON.stringify(request)}`);
    if (!printed.includes(JSON.stringify(request))) throw new Error(`the recipe did not return the server's account${tail(printed)}`);
    return request;
  };
  try {
    await attempt("recipe bun-client", async () => {
      const before = https.requests.length;
      const path = `/bun-${Date.now()}`;
      const args = [join(recipes, "bun-client.mjs"), `https://127.0.0.1:${https.port}${path}`, "localhost"];
      const bun = startGroup(
        join(BIN, "bun"),
        [...args, join(certs, `${ctx.CLIENT_NAME}.cert.pem`), join(certs, `${ctx.CLIENT_NAME}.key.pem`), join(certs, "ca.cert.pem")],
        ROOT,
      );
      try {
        const code = await Promise.race([bun.exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), ctx.deadlineMs))]);
        if (code !== 0 || !bun.output().startsWith("200 ")) throw new Error(`bun exited ${code}${tail(bun.output())}`);
        const request = checkSeen(before, path, bun.output());
        return `bun-client.mjs: ${request.protocol} GET, Node https (OpenSSL) authorized the client certificate (${request.subject})`;
      } finally {
        bun.stop();
      }
    });

    await attempt("recipe cloudflare-worker", async () => {
      const dir = join(BUILD, "recipe-worker");
      mkdirSync(dir, { recursive: true });
      // As wrangler would bundle it: `mutls` and `mutls/fetch` from the package, cloudflare:sockets from the runtime.
      await bundle(join(recipes, "cloudflare-worker.mjs"), "recipe-worker/worker.js", {
        external: ["cloudflare:sockets"],
        alias: { mutls: join(ROOT, "dist/index.js"), "mutls/fetch": join(ROOT, "dist/fetch.js") },
      });
      const path = `/worker-${Date.now()}`;
      writeFileSync(join(dir, "client.pem"), CLIENT.cert);
      writeFileSync(join(dir, "client.key"), CLIENT.key);
      writeFileSync(join(dir, "ca.pem"), CA);
      const before = https.requests.length;
      for (let attemptNo = 1; attemptNo <= 3; attemptNo++) {
        const port = await freePort();
        writeFileSync(join(dir, "config.capnp"), workerConfig(port, `https://127.0.0.1:${https.port}${path}`));
        const worker = startGroup(join(BIN, "workerd"), ["serve", "config.capnp"], dir);
        try {
          for (let i = 0; i < 300; i++) {
            const response = await fetch(`http://127.0.0.1:${port}/`).catch((error) => error);
            if (response instanceof Error) {
              if (/address already in use/i.test(worker.output())) break;
              await new Promise((resolve) => setTimeout(resolve, 100));
              continue;
            }
            const body = await response.text();
            if (response.status !== 200) throw new Error(`the Worker answered ${response.status}: ${body.slice(0, 300)}${tail(worker.output())}`);
            const request = checkSeen(before, path, body);
            return `cloudflare-worker.mjs in workerd: ${request.protocol} GET through connect(), Node https (OpenSSL) authorized the client certificate (${request.subject})`;
          }
        } finally {
          worker.stop();
        }
      }
      throw new Error("workerd did not serve the recipe Worker");
    });
  } finally {
    await https.close();
  }
}

async function checkBrowserRelay(ctx) {
  const { ROOT, BUILD, CA, SERVER, CLIENT, CLIENT_X509 } = ctx;
  ctx.ensureChromium();
  await ctx.bundle(join(ROOT, "test/runtimes/entries/recipe-browser-page.mjs"), "recipe-browser-page.js", { alias: { mutls: join(ROOT, "dist/index.js") } });
  const echo = await startNodeMtlsEchoServer({ ca: CA, ...SERVER });
  const pagePort = await freePort();
  const relayArgs = ["relay", "--listen", "127.0.0.1:0", "--to", `127.0.0.1:${echo.port}`, "--origin", `http://127.0.0.1:${pagePort}`, "--json"];
  const relay = startGroup(process.execPath, [join(ROOT, "dist/cli/mutls.js"), ...relayArgs], ROOT);
  try {
    const relayUrl = `${(await waitForOutput(relay, /listening on (ws:\/\/[^ ,]+\/)/))[1]}127.0.0.1:${echo.port}`;
    const message = `hello from the browser recipe ${Date.now()}\n`;
    const cfgPath = join(BUILD, "recipe-browser.json");
    const page = { relayUrl, ca: CA, ...CLIENT, servername: "localhost", message };
    writeFileSync(cfgPath, JSON.stringify({ chromiumPath: ctx.chromiumPath, timeoutMs: ctx.deadlineMs - 10_000, pagePort, page }));
    const host = join(ROOT, "test/runtimes/entries/recipe-browser-host.mjs");
    const { report } = await runEntry(process.execPath, [host, cfgPath, join(BUILD, "recipe-browser-page.js")], { cwd: ROOT, deadlineMs: ctx.deadlineMs });
    if (report.error) throw new Error(`${report.error}${tail(relay.output())}`);
    const session = echo.sessions.at(-1);
    const problems = [];
    if (report.answer !== message) problems.push(`the page got ${JSON.stringify(report.answer)}, not its message echoed`);
    if (!/CN=localhost/.test(report.server ?? "")) problems.push(`the page saw server ${report.server}`);
    if (echo.sessions.length !== 1 || !session.authorized || session.clientFingerprint256 !== CLIENT_X509.fingerprint256)
      problems.push(`OpenSSL saw ${JSON.stringify(echo.sessions)}`);
    else if (session.received !== message) problems.push("OpenSSL did not receive the page's message");
    const closed = await waitForOutput(relay, /^\{.*"closedBy".*\}$/m).catch(() => null);
    if (!closed || JSON.parse(closed[0]).ok !== true) problems.push(`the relay did not report a clean connection${tail(relay.output())}`);
    if (problems.length) throw new Error(problems.join("; "));
    const bytes = JSON.parse(closed[0]);
    return `browser-relay.mjs in ${report.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? "Chromium"}: through \`mutls relay\` (${bytes.toTarget} B up, ${bytes.toClient} B down, ciphertext only) OpenSSL authorized the client certificate and echoed`;
  } finally {
    relay.stop();
    await echo.close();
  }
}

/** The Worker's secrets and vars as workerd text bindings (what wrangler.toml and `wrangler secret put` give it). */
function workerConfig(port, apiUrl) {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .recipeWorker),
    (name = "loopback", network = (allow = ["local", "private", "public"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const recipeWorker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  bindings = [
    (name = "API_URL", text = ${JSON.stringify(apiUrl)}),
    (name = "API_SERVERNAME", text = "localhost"),
    (name = "API_CA", text = embed "ca.pem"),
    (name = "CLIENT_CERT", text = embed "client.pem"),
    (name = "CLIENT_KEY", text = embed "client.key"),
  ],
  compatibilityDate = "2024-09-23",
  globalOutbound = "loopback",
);
`;
}
