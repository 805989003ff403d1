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

/** Busy CPU time of the whole machine so far (ms, every core), from /proc/stat; null off Linux. */
function machineBusyMs(): number | null {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
    return (busy * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * Starts watching how busy the machine is besides this process; the returned function tells, for
 * the time since, how many cores other processes kept busy on average (null where /proc/stat is
 * unreadable). A ratio measured while others took a core is worth less: the WebCrypto provider
 * works on two threads, the pure one on one, so a busy neighbour moves their ratio.
 */
export function watchOthers(): (childrenCpuMs?: number) => number | null {
  const machine0 = machineBusyMs();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  // childrenCpuMs: CPU time of the bench's own child processes in the meantime, which are not others.
  return (childrenCpuMs = 0) => {
    const machine1 = machineBusyMs();
    if (machine0 === null || machine1 === null) return null;
    const own = process.cpuUsage(own0);
    const others = machine1 - machine0 - (own.user + own.system) / 1000 - childrenCpuMs;
    return Math.round((Math.max(0, others) / (performance.now() - t0)) * 100) / 100;
  };
}
