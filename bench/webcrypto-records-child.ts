/**
 * One side of `webcrypto.aes128gcm_16k_vs_pure` in a process of its own (bench/lib/webcrypto-records.ts
 * starts one per provider and samples them in turns): `node webcrypto-records-child.mjs
 * <webcrypto|pure> <mib>` opens a connect()/accept() pair on that provider, warms it up, prints
 * `{"ready":true,"sample_mib":x}`, then answers each `sample` line on stdin with
 * `{"MBps":x,"cpu_ms":y}` (this process's CPU time during the sample) and exits at `exit` or
 * at the end of stdin.
 */
import { createInterface } from "node:readline";
import { type RecordSide, openRecordSide } from "./lib/webcrypto-records.js";

const [name, mibArg] = process.argv.slice(2);
const mib = Number(mibArg);
if ((name !== "webcrypto" && name !== "pure") || !(mib > 0)) throw new Error(`webcrypto-records-child: usage <webcrypto|pure> <mib>, got ${name} ${mibArg}`);

const reply = (message: object): void => void process.stdout.write(JSON.stringify(message) + "\n");

const side: RecordSide = await openRecordSide(name, mib);
reply({ ready: true, sample_mib: side.sampleMib });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "exit") break;
  if (line !== "sample") throw new Error(`webcrypto-records-child: unknown command ${line}`);
  const cpu0 = process.cpuUsage();
  const MBps = await side.sample();
  const cpu = process.cpuUsage(cpu0);
  reply({ MBps, cpu_ms: (cpu.user + cpu.system) / 1000 });
}
await side.close();
