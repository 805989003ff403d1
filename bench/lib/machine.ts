/** What the numbers were measured on: they are only comparable within one machine and run. */
import { readFileSync } from "node:fs";
import * as os from "node:os";

function packageVersion(name: string): string | null {
  try {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

export function describeMachine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memory_bytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    openssl: process.versions.openssl,
    noble_curves: packageVersion("@noble/curves"),
    noble_ciphers: packageVersion("@noble/ciphers"),
    noble_hashes: packageVersion("@noble/hashes"),
    load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
    date: new Date().toISOString(),
  };
}
