/**
 * Headless Chromium running docs/recipes/browser-relay.mjs as written: the runner bundles this
 * file (esbuild, platform=browser, `mutls` from dist/) and `mutls relay` carries the page's
 * WebSocket to the mTLS echo server. The result lands in window.__mutlsResult.
 */
import { askThroughRelay } from "../../../docs/recipes/browser-relay.mjs";

fetch("/config.json")
  .then((response) => response.json())
  .then(askThroughRelay)
  .then(
    (result) => (window.__mutlsResult = result),
    (error) => (window.__mutlsResult = { error: String(error?.stack ?? error) }),
  );
