/**
 * gc.<suite>: minor garbage collections (PerformanceObserver `gc` entries of kind minor, that is
 * scavenges) and heap growth while `mib` MiB of application data pass through an established
 * mutls pair after warm-up, alternating direction per record so both sides seal and open.
 * The record path is meant to allocate nothing (docs/architecture.md, "Record layer"), so the
 * expected count is 0 for every suite.
 *
 * Standalone: `node --expose-gc bench/.out/gc-records.mjs [mib]` prints every suite.
 */
import { PerformanceObserver, constants } from "node:perf_hooks";
import { recordPath, sendOneRecord, warmUp } from "./records.js";

const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];
const RECORD_SIZE = 16384;

function fullGc(): void {
  // With --expose-gc, start from a clean heap so earlier garbage is not counted against the record path.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

export async function measureRecordGc(suite: string, mib: number): Promise<{ scavenges: number; heap_growth_bytes: number }> {
  const path = recordPath(suite, RECORD_SIZE);
  const records = Math.ceil((mib * 1024 * 1024) / RECORD_SIZE);
  // JIT tiers and buffer sizes settle before counting: without the second pass the optimising
  // compiler is still installing code (code and old space grow by a few hundred KiB).
  warmUp(path);
  for (let i = 0; i < 2048; i++) sendOneRecord(path, (i & 1) === 0);
  fullGc();
  let scavenges = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const before = process.memoryUsage().heapUsed;
  let bytes = 0;
  for (let i = 0; i < records; i++) bytes += sendOneRecord(path, (i & 1) === 0);
  const after = process.memoryUsage().heapUsed;
  // gc entries are delivered asynchronously: let them arrive before disconnecting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  if (bytes !== records * RECORD_SIZE) throw new Error(`gc-records: ${bytes} bytes arrived, expected ${records * RECORD_SIZE}`);
  return { scavenges, heap_growth_bytes: Math.max(0, after - before) };
}

if (/(^|[\\/])gc-records\.mjs$/.test(process.argv[1] ?? "")) {
  const mib = Number(process.argv[2] ?? "256");
  for (const suite of SUITES) {
    const r = await measureRecordGc(suite, mib);
    process.stdout.write(`${suite}: ${r.scavenges} scavenges, heap +${r.heap_growth_bytes} B over ${mib} MiB\n`);
  }
}
