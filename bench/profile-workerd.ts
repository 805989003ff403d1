/**
 * A CPU profile of mutual P-256 handshakes inside workerd, the measure behind
 * `webcrypto.workerd_handshake_vs_pure`: the same Worker and requests as bench/lib/workerd.ts, with
 * workerd's inspector on a loopback port and V8's sampling profiler started over it (Chrome DevTools
 * protocol) for the measured requests only. Writes bench/.out/profiles/workerd-<provider>.cpuprofile;
 * `node bench/.out/cpuprofile-summary.mjs FILE 40 --bundle bench/.out/workerd/worker.js` condenses
 * it, attributing the Worker bundle's lines to their source files. workerd's own native work
 * (`crypto.subtle`'s BoringSSL calls) appears under the operation's name.
 *
 * `node bench/build.mjs && node bench/.out/profile-workerd.mjs [webcrypto|pure] [requests] [handshakes per request]`
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { freePort } from "../test/runtimes/lib/processes.mjs";
import { WORKER_BUNDLE, ask, bundleWorker, startWorkerd, workerdAvailable } from "./lib/workerd.js";

const provider = process.argv[2] ?? "webcrypto";
const requests = Number(process.argv[3] ?? "20");
const perRequest = Number(process.argv[4] ?? "24");
if (provider !== "webcrypto" && provider !== "pure") throw new Error("usage: profile-workerd.mjs [webcrypto|pure] [requests] [handshakes per request]");
if (!Number.isInteger(requests) || requests < 1 || requests > 1000 || !Number.isInteger(perRequest) || perRequest < 1 || perRequest > 1000) {
  throw new Error("requests and handshakes per request: whole numbers from 1 to 1000");
}
if (!workerdAvailable()) throw new Error("workerd is not installed (cd test/runtimes && npm ci)");

/** One Chrome DevTools protocol session: commands answered in order of their ids. */
async function inspect(url: string): Promise<{ send: (method: string, params?: object) => Promise<{ result?: unknown }>; close: () => void }> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let next = 0;
  const waiting = new Map<number, (answer: { result?: unknown }) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

await bundleWorker();
const inspectorPort = await freePort();
const { port, stop } = await startWorkerd(["--inspector-addr", `127.0.0.1:${inspectorPort}`]);
try {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string }[];
  if (targets.length === 0) throw new Error("workerd's inspector lists no Worker");
  const session = await inspect(targets[0].webSocketDebuggerUrl);
  const query = `provider=${provider}&n=${perRequest}`;
  for (let i = 0; i < 5; i++) await ask(port, query); // warm-up: detection, configs, the JIT
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 50 });
  await session.send("Profiler.start");
  let ms = 0;
  for (let i = 0; i < requests; i++) ms += (await ask(port, query)).ms;
  const { result } = await session.send("Profiler.stop");
  session.close();
  const dir = fileURLToPath(new URL("./profiles/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}workerd-${provider}.cpuprofile`;
  writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
  console.log(
    `${requests} requests of ${perRequest} handshakes (${provider}): ${(ms / (requests * perRequest)).toFixed(3)} ms per handshake, request included`,
  );
  console.log(`wrote ${file}`);
  console.log(`summary: node bench/.out/cpuprofile-summary.mjs ${file} 40 --bundle ${WORKER_BUNDLE}`);
} finally {
  stop();
}
