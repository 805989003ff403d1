/**
 * Issue 13's `webcrypto.aes128gcm_16k_vs_pure`: AES-128-GCM application data in 16 KiB records
 * through connect()/accept() over the memory transport pair, both sides on the WebCrypto provider
 * (the transport's asynchronous record pipeline, Node's `crypto.subtle`) against both sides on the
 * pure provider (the engine's synchronous records). Each sample sends `mib` MiB from the client,
 * written in 256 KiB calls, and reads it on the server; the figure is the median MB/s (1 MB = 10^6
 * bytes) of sealing, moving and opening, both sides in one process, after a warm-up sample.
 */
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import { type WebCryptoProvider, webCryptoProvider } from "../../src/crypto/webcrypto/index.js";
import { accept, connect, memoryTransportPair, type SecureConnection } from "../../src/index.js";
import { benchCredentials } from "./credentials.js";
import { median, now, round } from "./stats.js";

export interface WebCryptoRecordFigures {
  readonly webcrypto_MBps: number;
  readonly pure_MBps: number;
  readonly mib: number;
  readonly note: string;
}

const CALL = 256 * 1024;

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

async function measureOn(provider: CryptoProvider, mib: number, rounds: number): Promise<number> {
  const [client, server] = await pairOn(provider);
  await sampleMBps(client, server, Math.max(1, mib / 4)); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) samples.push(await sampleMBps(client, server, mib));
  await Promise.all([client.close(), server.close()]);
  return median(samples);
}

export async function measureWebCryptoRecords(mib: number, rounds: number, web?: WebCryptoProvider): Promise<WebCryptoRecordFigures> {
  const provider = web ?? (await webCryptoProvider());
  if (!provider.webCryptoAlgorithms.includes("AES-GCM")) throw new Error("this runtime's crypto.subtle has no AES-GCM");
  const webMBps = await measureOn(provider, mib, rounds);
  const pureMBps = await measureOn(pureProvider, mib, rounds);
  return {
    webcrypto_MBps: round(webMBps, 1),
    pure_MBps: round(pureMBps, 1),
    mib,
    note: `Node ${process.version} crypto.subtle; both sides in one process over memoryTransportPair; ${mib} MiB per sample in ${CALL / 1024} KiB writes`,
  };
}
