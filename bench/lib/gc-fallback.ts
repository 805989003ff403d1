/**
 * gc.<suite>: minor GCs (PerformanceObserver `gc` entries of kind minor, i.e. scavenges) and heap
 * growth while `mib` MiB of application data pass through an established pair, after warm-up.
 * Used only when bench/gc-records.ts (the record layer's own measurement) is missing.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { benchCredentials } from "./credentials.js";
import { establishedPair } from "./pair.js";
import type { SuiteName } from "./record-baselines.js";

export async function measureGcFallback(suite: SuiteName, mib: number): Promise<{ scavenges: number; heap_growth_bytes: number }> {
  const pair = establishedPair(benchCredentials("p256"), { cipherSuites: [suite] });
  const data = new Uint8Array(16384).fill(0x62);
  const pass = (records: number): void => {
    for (let i = 0; i < records; i++) {
      pair.client.write(data);
      const out = pair.client.takeOutput();
      if (out !== null) pair.server.receive(out);
      while (pair.server.read() !== null);
    }
  };
  pass(64);
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const before = process.memoryUsage().heapUsed;
  pass((mib * 1024 * 1024) / data.length);
  const after = process.memoryUsage().heapUsed;
  await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
  observer.disconnect();
  return { scavenges, heap_growth_bytes: Math.max(0, after - before) };
}
