/**
 * interpreters.*: the pure engine where there is no JIT. `node --jitless` runs
 * handshake-child.mjs in a child process; QuickJS (quickjs-emscripten, installed only under
 * test/runtimes/) runs a bundle of quickjs/handshake-main.ts in a WebAssembly VM in this process.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { benchCredentials } from "./credentials.js";
import { median } from "./stats.js";

const CHILD_TIMEOUT_MS = 170_000;

export function measureJitless(n: number): Promise<number> {
  const child = new URL("./handshake-child.mjs", import.meta.url).pathname;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--jitless", child, String(n)], { timeout: CHILD_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`jitless child failed: ${error.message} ${stderr}`));
      resolve((JSON.parse(stdout) as { median_ms: number }).median_ms);
    });
  });
}

const RUNTIMES = new URL("../../test/runtimes/", import.meta.url);

export function quickjsAvailable(): boolean {
  return existsSync(new URL("node_modules/quickjs-emscripten/package.json", RUNTIMES));
}

interface QuickJSModuleLike {
  newRuntime(): {
    setMemoryLimit(n: number): void;
    setMaxStackSize(n: number): void;
    setInterruptHandler(h: unknown): void;
    newContext(): QuickJSContextLike;
    dispose(): void;
  };
}
interface QuickJSHandle {
  dispose(): void;
}
interface QuickJSContextLike {
  global: QuickJSHandle;
  newFunction(name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | void): QuickJSHandle;
  newString(s: string): QuickJSHandle;
  getString(h: QuickJSHandle): string;
  getNumber(h: QuickJSHandle): number;
  setProp(target: QuickJSHandle, key: string, value: QuickJSHandle): void;
  evalCode(code: string, filename?: string): { error?: QuickJSHandle; value?: QuickJSHandle };
  dump(h: QuickJSHandle): unknown;
  dispose(): void;
}

export async function measureQuickJS(n: number, deadlineMs: number): Promise<number> {
  const require = createRequire(new URL("package.json", RUNTIMES));
  const lib = (await import(pathToFileURL(require.resolve("quickjs-emscripten")).href)) as {
    getQuickJS(): Promise<QuickJSModuleLike>;
    shouldInterruptAfterDeadline(deadline: number): unknown;
  };
  const bundled = await build({
    entryPoints: [new URL("../quickjs/handshake-main.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2020",
    write: false,
    logLevel: "silent",
  });
  const code = bundled.outputFiles[0].text;
  const quickjs = await lib.getQuickJS();
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(512 * 1024 * 1024);
  // No setMaxStackSize: in quickjs-emscripten 0.32.0 an explicit limit makes every evalCode fail.
  runtime.setInterruptHandler(lib.shouldInterruptAfterDeadline(Date.now() + deadlineMs));
  const vm = runtime.newContext();
  let report: string | null = null;
  try {
    const reportFn = vm.newFunction("__report", (json) => {
      report = vm.getString(json);
    });
    vm.setProp(vm.global, "__report", reportFn);
    reportFn.dispose();
    // The VM's entropy comes from the host, as an embedded device's would come from its RNG.
    const entropyFn = vm.newFunction("__entropy", (length) => vm.newString(randomBytes(vm.getNumber(length)).toString("hex")));
    vm.setProp(vm.global, "__entropy", entropyFn);
    entropyFn.dispose();
    const config = { n, ...benchCredentials("p256") };
    const setup = vm.evalCode(`
      globalThis.__config = ${JSON.stringify(config)};
      globalThis.crypto = { getRandomValues(a) {
        const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength); const h = __entropy(b.length);
        for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(2 * i, 2), 16);
        return a; } };`);
    if (setup.error) {
      const detail = JSON.stringify(vm.dump(setup.error));
      setup.error.dispose();
      throw new Error(`QuickJS setup failed: ${detail}`);
    }
    setup.value?.dispose();
    const result = vm.evalCode(code, "mutls-bench-quickjs.js");
    if (result.error) {
      const detail = JSON.stringify(vm.dump(result.error));
      result.error.dispose();
      throw new Error(`QuickJS threw: ${detail}`);
    }
    result.value?.dispose();
  } finally {
    try {
      vm.dispose();
      runtime.dispose();
    } catch {
      // An abort while freeing the VM must not hide the measurement or the error that ended it.
    }
  }
  if (report === null) throw new Error("the QuickJS bundle never reported");
  const parsed = JSON.parse(report) as { samples?: number[]; error?: string };
  if (parsed.error !== undefined || parsed.samples === undefined) throw new Error(`QuickJS: ${parsed.error}`);
  return median(parsed.samples);
}

export function readPackageVersion(name: string): string | null {
  try {
    const require = createRequire(new URL("package.json", RUNTIMES));
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return null;
  }
}
