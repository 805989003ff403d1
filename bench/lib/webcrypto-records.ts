/**
 * Issue 13's `webcrypto.aes128gcm_16k_vs_pure`: AES-128-GCM application data in 16 KiB records
 * through connect()/accept() over the memory transport pair, both sides on the WebCrypto provider
 * (the transport's asynchronous record pipeline, Node's `crypto.subtle`) against both sides on the
 * pure provider (the engine's synchronous records). Each sample sends `mib` MiB from the client,
 * written in 256 KiB calls, and reads it on the server (1 MB = 10^6 bytes of sealing, moving and
 * opening, both sides of a pair in one process).
 *
 * Each provider's pair lives in a fresh child process of its own (bench/webcrypto-records-child.ts):
 * in one process, the pure samples shared the heap, the collector and the JIT with the WebCrypto
 * pipeline's garbage and ran at 13-17 MB/s where they run at 21-24 alone, so the ratio flattered
 * WebCrypto by about a fifth. The two children warm up one after the other (1.5 s each), then
 * are sampled in turns, one sample each per round, in ABBA order; the other child waits idle on
 * its stdin meanwhile. Each provider's figure is the median of its samples, and the ratio is the
 * median of the per-round ratios, so a change of machine speed between rounds hits both sides of
 * each ratio alike. `npm run bench` and `npm run bench:webcrypto` both measure it here.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { accept, connect, memoryTransportPair, type SecureConnection } from "../../src/index.js";
import { benchCredentials } from "./credentials.js";
import { watchOthers } from "./machine.js";
import { median, now, pairedRatio, round } from "./stats.js";

export interface WebCryptoRecordFigures {
  readonly webcrypto_MBps: number;
  readonly pure_MBps: number;
  /** Median of the per-round ratios WebCrypto MB/s / pure MB/s (issue 13's target). */
  readonly webcrypto_vs_pure: number;
  readonly rounds: number;
  /** Every sample (MB/s), round by round, for each provider. */
  readonly samples_MBps: { readonly webcrypto: readonly number[]; readonly pure: readonly number[] };
  /** The least MiB per sample, and what each provider's samples were (about SAMPLE_MS long). */
  readonly mib: number;
  readonly sample_mib: { readonly webcrypto: number; readonly pure: number };
  /** Cores other processes kept busy on average during the rounds (machine.ts watchOthers); null off Linux. */
  readonly others_cores: number | null;
  readonly note: string;
}

const CALL = 256 * 1024;

/** Each pair's warm-up, before the rounds. */
const WARMUP_MS = 1500;
/** The least duration of one sample, for a provider fast enough to move `mib` quicker. */
const SAMPLE_MS = 600;

/** What `npm run bench` (full) and `npm run bench:webcrypto` measure. */
export const RECORDS_PLAN_FULL = { mib: 16, rounds: 7 } as const;
export const RECORDS_PLAN_QUICK = { mib: 4, rounds: 5 } as const;

async function pairOn(provider: CryptoProvider): Promise<[SecureConnection, SecureConnection]> {
  const creds = benchCredentials("p256");
  const [a, b] = memoryTransportPair({ capacity: 256 * 1024 });
  const config = { cipherSuites: ["TLS_AES_128_GCM_SHA256"] as const, provider };
  return Promise.all([
    connect(a, { ca: creds.ca, cert: creds.clientCert, key: creds.clientKey, servername: "localhost", config }),
    accept(b, { ca: creds.ca, cert: creds.serverCert, key: creds.serverKey, requestCert: true, config }),
  ]);
}

async function sampleMBps(client: SecureConnection, server: SecureConnection, mib: number): Promise<number> {
  const total = mib * 1024 * 1024;
  const chunk = new Uint8Array(CALL).fill(0x5a);
  const start = now();
  const reading = (async () => {
    let got = 0;
    while (got < total) {
      const data = await server.read();
      if (data === null) throw new Error("the stream ended early");
      got += data.length;
    }
  })();
  for (let sent = 0; sent < total; sent += CALL) await client.write(chunk);
  await reading;
  return total / 1e6 / ((now() - start) / 1000);
}

/** One provider's pair, warmed up, as a child process holds it. */
export interface RecordSide {
  /** MiB per sample: at least `mib`, about SAMPLE_MS at the speed the warm-up ended at. */
  readonly sampleMib: number;
  sample(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens a pair on the named provider and warms it up. `mib`: the least data per sample; a provider
 * fast enough to move it in under SAMPLE_MS (as measured at the end of its warm-up) gets samples
 * of about SAMPLE_MS instead, so that both sides of a round average over about as long a stretch
 * of the machine's time.
 */
export async function openRecordSide(name: "webcrypto" | "pure", mib: number): Promise<RecordSide> {
  let provider: CryptoProvider = pureProvider;
  if (name === "webcrypto") {
    const web = await webCryptoProvider();
    if (!web.webCryptoAlgorithms.includes("AES-GCM")) throw new Error("this runtime's crypto.subtle has no AES-GCM");
    provider = web;
  }
  const [client, server] = await pairOn(provider);
  // Warm-up by time, not by volume: the WebCrypto pipeline's throughput climbs over its first
  // 50 to 100 MiB in a fresh process, and a 4 MiB warm-up left that climb inside the measured
  // rounds (the ratio went from 3.4 to 6.4 between runs of the same code).
  const until = now() + WARMUP_MS;
  let last: number;
  do last = await sampleMBps(client, server, Math.max(1, mib / 4));
  while (now() < until);
  const calls = Math.ceil((last * 1e6 * (SAMPLE_MS / 1000)) / CALL);
  const sampleMib = Math.max(mib, (calls * CALL) / (1024 * 1024));
  return {
    sampleMib,
    sample: () => sampleMBps(client, server, sampleMib),
    close: async () => void (await Promise.all([client.close(), server.close()])),
  };
}

/** Longest wait for a child's answer (its warm-up, or one sample): a stuck child fails the measure. */
const CHILD_ANSWER_MS = 120_000;

/** A child process holding one side (bench/webcrypto-records-child.ts), asked line by line. */
class ChildSide {
  private readonly process: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;

  constructor(
    readonly name: "webcrypto" | "pure",
    mib: number,
  ) {
    const child = new URL("./webcrypto-records-child.mjs", import.meta.url).pathname;
    this.process = spawn(process.execPath, [child, name, String(mib)], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.process.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    createInterface({ input: this.process.stdout }).on("line", (line) => {
      if (this.waiting === null) return void this.answers.push(line);
      const { resolve } = this.waiting;
      this.waiting = null;
      resolve(line);
    });
    this.process.on("exit", (code) => {
      this.ended = new Error(`the ${name} records child exited (${code}): ${stderr.trim().split("\n").slice(-3).join(" ")}`);
      this.waiting?.reject(this.ended);
      this.waiting = null;
    });
  }

  /** The child's next line, parsed. */
  async next<T>(): Promise<T> {
    const queued = this.answers.shift();
    if (queued !== undefined) return JSON.parse(queued) as T;
    if (this.ended !== null) throw this.ended;
    let timer: NodeJS.Timeout | undefined;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        this.waiting = { resolve, reject };
        timer = setTimeout(() => reject(new Error(`the ${this.name} records child did not answer within ${CHILD_ANSWER_MS / 1000} s`)), CHILD_ANSWER_MS);
      });
      return JSON.parse(line) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  async sample(): Promise<{ MBps: number; cpu_ms: number }> {
    this.process.stdin.write("sample\n");
    return this.next();
  }

  /** Asks the child to close its pair and exit; kills it if it does not within 10 s. */
  async stop(): Promise<void> {
    if (this.ended !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()));
    this.process.stdin.end("exit\n");
    const timer = setTimeout(() => this.process.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Both sides' pairs in children of their own, `rounds` ABBA rounds of one sample each. */
export async function measureWebCryptoRecords(mib: number, rounds: number): Promise<WebCryptoRecordFigures> {
  const order = ["webcrypto", "pure"] as const;
  const children: ChildSide[] = [];
  try {
    const sampleMib = { webcrypto: mib, pure: mib };
    // One after the other, so that neither warm-up competes with the other for the cores.
    for (const name of order) {
      const child = new ChildSide(name, mib);
      children.push(child);
      sampleMib[name] = (await child.next<{ ready: true; sample_mib: number }>()).sample_mib;
    }
    const side = { webcrypto: children[0], pure: children[1] };
    const samples = { webcrypto: [] as number[][], pure: [] as number[][] };
    let childrenCpuMs = 0;
    const others = watchOthers();
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? order : [...order].reverse()) {
        const { MBps, cpu_ms } = await side[name].sample();
        samples[name].push([MBps]);
        childrenCpuMs += cpu_ms;
      }
    }
    const othersCores = others(childrenCpuMs);
    return {
      webcrypto_MBps: round(median(samples.webcrypto.flat()), 1),
      pure_MBps: round(median(samples.pure.flat()), 1),
      webcrypto_vs_pure: round(pairedRatio(samples.webcrypto, samples.pure)),
      rounds,
      samples_MBps: { webcrypto: samples.webcrypto.flat().map((x) => round(x, 1)), pure: samples.pure.flat().map((x) => round(x, 1)) },
      mib,
      sample_mib: { webcrypto: sampleMib.webcrypto, pure: sampleMib.pure },
      others_cores: othersCores,
      note: `Node ${process.version} crypto.subtle; each provider's pair (both sides) in a fresh child process of its own, over memoryTransportPair; samples of at least ${mib} MiB (about ${SAMPLE_MS} ms) in ${CALL / 1024} KiB writes; ${rounds} ABBA rounds`,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
