/**
 * Hosts the browser recipe's check: serves the page, its bundle (argv[3]) and its config
 * (argv[2], JSON) on loopback, and drives Debian's headless Chromium with playwright-core. The
 * page reaches the TCP server through the `mutls relay` process the runner started (cfg.relayUrl).
 * Prints one `RESULT {json}`; the browser is closed on every path.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import { chromium } from "playwright-core";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const files = {
  "/": ["text/html", '<!doctype html><meta charset="utf-8"><title>mutls recipe</title><script type="module" src="/page.js"></script>'],
  "/page.js": ["text/javascript", readFileSync(process.argv[3])],
  "/config.json": ["application/json", JSON.stringify(cfg.page)],
};
const server = http.createServer((request, response) => {
  const file = files[new URL(request.url, "http://x").pathname];
  if (!file) return response.writeHead(404).end();
  response.writeHead(200, { "content-type": file[0] }).end(file[1]);
});
await new Promise((resolve) => server.listen(cfg.pagePort, "127.0.0.1", resolve));

let browser;
let result;
try {
  browser = await chromium.launch({ executablePath: cfg.chromiumPath, headless: true, timeout: cfg.timeoutMs });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${cfg.pagePort}/`);
  await page.waitForFunction(() => window.__mutlsResult !== undefined, null, { timeout: cfg.timeoutMs });
  result = await page.evaluate(() => window.__mutlsResult);
  result.userAgent = await page.evaluate(() => navigator.userAgent);
} catch (error) {
  result = { error: String(error?.message ?? error) };
} finally {
  await browser?.close().catch(() => {});
  server.closeAllConnections();
  server.close();
}
console.log("RESULT " + JSON.stringify(result));
