/**
 * Hosts the Chromium check: serves the page and its bundle on loopback, relays the page's
 * WebSocket to the mTLS server (lib/ws-relay.mjs), and drives Debian's headless Chromium with
 * playwright-core. argv[2]: the JSON config; argv[3]: the build folder. Prints one `RESULT {json}`.
 * The browser is closed on every path, and on SIGTERM (playwright's own handler).
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { relayUpgrade } from "../lib/ws-relay.mjs";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const buildDir = process.argv[3];
const files = {
  "/": ["text/html", readFileSync(new URL("./chromium/index.html", import.meta.url))],
  "/page.js": ["text/javascript", readFileSync(join(buildDir, "chromium-page.js"))],
  "/config.json": ["application/json", JSON.stringify(cfg)],
};
const relayStats = { toTarget: 0, toBrowser: 0 };
const server = http.createServer((request, response) => {
  const file = files[new URL(request.url, "http://x").pathname];
  if (!file) return response.writeHead(404).end();
  response.writeHead(200, { "content-type": file[0] }).end(file[1]);
});
server.on("upgrade", (request, socket, head) => relayUpgrade(request, socket, head, { host: "127.0.0.1", port: cfg.port }, relayStats));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));

let browser;
let result;
const pageErrors = [];
try {
  browser = await chromium.launch({ executablePath: cfg.chromiumPath, headless: true, timeout: cfg.timeoutMs });
  const page = await browser.newPage();
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.__mutlsResult !== undefined, null, { timeout: cfg.timeoutMs });
  result = await page.evaluate(() => window.__mutlsResult);
  result.userAgent = await page.evaluate(() => navigator.userAgent);
  result.relayedBytes = relayStats;
} catch (error) {
  result = { error: String(error?.message ?? error) + (pageErrors.length ? `; page errors: ${pageErrors.join("; ")}` : "") };
} finally {
  await browser?.close().catch(() => {});
  server.closeAllConnections();
  server.close();
}
console.log("RESULT " + JSON.stringify(result));
