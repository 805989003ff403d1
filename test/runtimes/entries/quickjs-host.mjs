/**
 * Hosts the QuickJS check: a QuickJS VM (compiled to WebAssembly by quickjs-emscripten) gets the
 * bundle of bare-vm-main.mjs, a config object, a report function and `crypto.getRandomValues`
 * backed by node:crypto. Nothing else from Node or the Web is visible inside the VM.
 * argv[2]: the JSON config; argv[3]: the bundle. Prints one `RESULT {json}` line.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { getQuickJS, shouldInterruptAfterDeadline } from "quickjs-emscripten";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const bundle = readFileSync(process.argv[3], "utf8");

const QuickJS = await getQuickJS();
const runtime = QuickJS.newRuntime();
runtime.setMemoryLimit(512 * 1024 * 1024);
runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + cfg.timeoutMs));
const vm = runtime.newContext();

let report = null;
const reportFn = vm.newFunction("__report", (json) => {
  report = vm.getString(json);
});
vm.setProp(vm.global, "__report", reportFn);
reportFn.dispose();

// crypto.getRandomValues(typedArray): fills the array in place, as the Web Crypto API does.
const entropyFn = vm.newFunction("__entropy", (length) => vm.newString(randomBytes(vm.getNumber(length)).toString("hex")));
vm.setProp(vm.global, "__entropy", entropyFn);
entropyFn.dispose();
const setup = vm.evalCode(`
  globalThis.__config = ${JSON.stringify(cfg)};
  globalThis.crypto = {
    getRandomValues(array) {
      const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      const hex = __entropy(bytes.length);
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
      return array;
    },
  };
`);
vm.unwrapResult(setup).dispose();

// What the VM offers besides ES2020: the runner checks every one of these is "undefined".
const probe = vm.evalCode(
  `JSON.stringify({ setTimeout: typeof setTimeout, TextEncoder: typeof TextEncoder, ReadableStream: typeof ReadableStream,
     WebSocket: typeof WebSocket, fetch: typeof fetch, process: typeof process, Buffer: typeof Buffer, require: typeof require,
     subtle: typeof crypto.subtle })`,
);
const hostApis = JSON.parse(vm.unwrapResult(probe).consume((h) => vm.getString(h)));

const evaluated = vm.evalCode(bundle, "mutls-quickjs.js");
if (evaluated.error) {
  const error = vm.dump(evaluated.error);
  evaluated.error.dispose();
  report = JSON.stringify({ error: `QuickJS threw: ${JSON.stringify(error)}` });
} else {
  evaluated.value.dispose();
}
// QuickJS runs promise jobs only when asked: run them until the bundle reports (bounded; the
// interrupt handler also stops a runaway job at the deadline).
for (let i = 0; i < 100_000 && report === null && runtime.hasPendingJob(); i++) {
  const jobs = runtime.executePendingJobs();
  if (jobs.error) {
    report = JSON.stringify({ error: `a QuickJS job threw: ${JSON.stringify(vm.dump(jobs.error))}` });
    jobs.error.dispose();
  }
}
vm.dispose();
runtime.dispose();
const result = JSON.parse(report ?? JSON.stringify({ error: "the bundle never reported" }));
console.log("RESULT " + JSON.stringify({ ...result, hostApis }));
