/**
 * Headless Chromium: the page opens a WebSocket to the runner's relay, which carries the raw TLS
 * bytes to the local mTLS server. The result lands in window.__mutlsResult for the runner.
 * The runner bundles this file with the built package (esbuild, platform=browser).
 */
import * as mutls from "../../../../dist/index.js";
import { mutualEcho } from "../echo.mjs";

async function run() {
  const cfg = await (await fetch("/config.json")).json();
  const ws = new WebSocket(`ws://${location.host}/relay`);
  ws.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error("the WebSocket to the relay failed")), { once: true });
  });
  return mutualEcho(mutls, { webSocket: ws }, cfg);
}

run().then(
  (result) => (window.__mutlsResult = result),
  (error) => (window.__mutlsResult = { error: String(error?.stack ?? error) }),
);
