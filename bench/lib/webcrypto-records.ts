/**
 * Issue 13's `webcrypto.aes128gcm_16k_vs_pure`: AES-128-GCM application data in 16 KiB records
 * through connect()/accept() over the memory transport pair, both sides on the WebCrypto provider
 * (the transport's asynchronous record pipeline, Node's `crypto.subtle`) against both sides on the
 * pure provider (the engine's synchronous records). Each sample sends `mib` MiB from the client,
 * written in 256 KiB calls, and reads it on the server (1 MB = 10^6 bytes of sealing, moving and
 * opening, both sides in one process). Both pairs are open together and sampled in turns, in ABBA
 * order, after a warm-up of 1.5 s each: each provider's figure is the median of its samples, and the
 * ratio is the median of the per-round ratios (one sample of each per round), so a change of
 * machine speed between rounds hits both sides of each ratio alike.
 */
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { type WebCryptoProvider, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
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

/**
 * `mib`: the least data per sample; a provider fast enough to move it in under SAMPLE_MS (as
 * measured at the end of its warm-up) gets samples of about SAMPLE_MS instead, so that both sides
 * of a round average over about as long a stretch of the machine's time.
 */
export async function measureWebCryptoRecords(mib: number, rounds: number, web?: WebCryptoProvider): Promise<WebCryptoRecordFigures> {
  const provider = web ?? (await webCryptoProvider());
  if (!provider.webCryptoAlgorithms.includes("AES-GCM")) throw new Error("this runtime's crypto.subtle has no AES-GCM");
  const pairs = { webcrypto: await pairOn(provider), pure: await pairOn(pureProvider) };
  try {
    const samples = { webcrypto: [] as number[][], pure: [] as number[][] };
    const sampleMib = { webcrypto: mib, pure: mib };
    const order = ["webcrypto", "pure"] as const;
    for (const name of order) {
      // Warm-up by time, not by volume: the WebCrypto pipeline's throughput climbs over its first
      // 50 to 100 MiB in a fresh process, and a 4 MiB warm-up left that climb inside the measured
      // rounds (the ratio went from 3.4 to 6.4 between runs of the same code).
      const until = now() + WARMUP_MS;
      let last: number;
      do last = await sampleMBps(...pairs[name], Math.max(1, mib / 4));
      while (now() < until);
      const calls = Math.ceil((last * 1e6 * (SAMPLE_MS / 1000)) / CALL);
      sampleMib[name] = Math.max(mib, (calls * CALL) / (1024 * 1024));
    }
    const others = watchOthers();
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? order : [...order].reverse()) samples[name].push([await sampleMBps(...pairs[name], sampleMib[name])]);
    }
    return {
      webcrypto_MBps: round(median(samples.webcrypto.flat()), 1),
      pure_MBps: round(median(samples.pure.flat()), 1),
      webcrypto_vs_pure: round(pairedRatio(samples.webcrypto, samples.pure)),
      rounds,
      samples_MBps: { webcrypto: samples.webcrypto.flat().map((x) => round(x, 1)), pure: samples.pure.flat().map((x) => round(x, 1)) },
      mib,
      sample_mib: { webcrypto: sampleMib.webcrypto, pure: sampleMib.pure },
      others_cores: others(),
      note: `Node ${process.version} crypto.subtle; both sides in one process over memoryTransportPair; samples of at least ${mib} MiB (about ${SAMPLE_MS} ms) in ${CALL / 1024} KiB writes; ${rounds} ABBA rounds`,
    };
  } finally {
    await Promise.all([...pairs.webcrypto, ...pairs.pure].map((c) => c.close()));
  }
}
