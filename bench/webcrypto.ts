/**
 * The WebCrypto provider (Node's `crypto.subtle`) against the pure provider, operation by
 * operation, then in whole handshakes:
 *   - P-256 key exchange: a fresh share and one shared secret (what each side of a handshake does);
 *   - ECDSA P-256: one signature and one verification with in-memory keys;
 *   - AES-128-GCM, 16 KiB records: AsyncRecordProtection with 8 records in flight against the
 *     synchronous RecordProtection (each record sealed, then opened), and through connect()/accept();
 *   - the mutual P-256 handshake over loopback TCP (Node's tls, WebCrypto, pure; ABBA rounds, as
 *     `npm run bench` measures the `webcrypto.p256_*` targets), and inside workerd when the runtime
 *     matrix is installed (`webcrypto.workerd_handshake_vs_pure`).
 * Each line prints both medians and the ratio WebCrypto / pure (time) or pure / WebCrypto (speed up).
 *
 * `node bench/build.mjs && node bench/.out/webcrypto.mjs [rounds]`
 */
import { p256 } from "@noble/curves/nist.js";
import type { AsyncAeadKey, PrivateKey, PublicKey } from "../src/crypto/provider.js";
import { pureProvider } from "../src/crypto/pure.js";
import { webCryptoProvider } from "../src/crypto/webcrypto/index.js";
import { AsyncRecordProtection } from "../src/record/async-record-protection.js";
import { RecordProtection } from "../src/record/record-protection.js";
import { median, now, round } from "./lib/stats.js";
import { sampleInterleaved, sampleMutlsTcp, sampleNodeTls } from "./lib/tcp.js";
import { measureWebCryptoRecords } from "./lib/webcrypto-records.js";
import { measureWorkerdHandshakes, workerdAvailable } from "./lib/workerd.js";

const rounds = Number(process.argv[2] ?? 7);
const provider = await webCryptoProvider();
const web = provider.asynchronous;

/** Median milliseconds per operation of `op` over `rounds` batches of `batch` operations. */
async function timeOf(batch: number, op: () => unknown): Promise<number> {
  for (let i = 0; i < batch; i++) await op(); // warm-up
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = now();
    for (let i = 0; i < batch; i++) await op();
    samples.push((now() - start) / batch);
  }
  return median(samples);
}

function line(name: string, webMs: number, pureMs: number): void {
  console.log(`${name.padEnd(34)} webcrypto ${round(webMs, 4)} ms   pure ${round(pureMs, 4)} ms   webcrypto/pure ${round(webMs / pureMs, 3)}`);
}

console.log(`WebCrypto provider on Node ${process.version}; native: ${provider.webCryptoAlgorithms.join(", ")}`);

// P-256 key exchange: generate, then derive with a fixed peer value.
const peer = pureProvider.generateKeyShare("secp256r1").publicKey;
line(
  "P-256 ECDHE (generate + derive)",
  await timeOf(50, async () => (await web.generateKeyShare("secp256r1")).deriveSharedSecret(peer)),
  await timeOf(20, () => pureProvider.generateKeyShare("secp256r1").deriveSharedSecret(peer)),
);

// ECDSA P-256 with SHA-256: sign, and verify.
const d = p256.utils.randomSecretKey();
const privateKey: PrivateKey = { kind: "ec", curve: "P-256", d };
const publicKey: PublicKey = { kind: "ec", curve: "P-256", point: p256.getPublicKey(d, false) };
const algorithm = { kind: "ecdsa", hash: "SHA-256" } as const;
const message = new Uint8Array(130).fill(0x20);
const signature = pureProvider.sign(algorithm, privateKey, message);
line(
  "ECDSA P-256 sign",
  await timeOf(50, () => web.sign(algorithm, privateKey, message)),
  await timeOf(20, () => pureProvider.sign(algorithm, privateKey, message)),
);
line(
  "ECDSA P-256 verify",
  await timeOf(50, () => web.verify(algorithm, publicKey, message, signature)),
  await timeOf(20, () => pureProvider.verify(algorithm, publicKey, message, signature)),
);

// AES-128-GCM 16 KiB records, sealed then opened.
const RECORD = 16384;
const RECORDS = 64;
const key = new Uint8Array(16).fill(7);
const iv = new Uint8Array(12).fill(9);
const buffers = Array.from({ length: RECORDS }, () => new Uint8Array(5 + RECORD + 1 + 16));

async function webRecords(): Promise<void> {
  const aead = (await web.aead("AES-128-GCM", key)) as AsyncAeadKey;
  const sealer = new AsyncRecordProtection(aead, iv, 8);
  const opener = new AsyncRecordProtection(aead, iv, 8);
  const sealed: Promise<number>[] = [];
  for (const buf of buffers) {
    await sealer.whenReady();
    sealed.push(Promise.resolve(sealer.seal(buf, 0, RECORD + 1)));
  }
  const lengths = await Promise.all(sealed);
  const opened: Promise<number>[] = [];
  for (let i = 0; i < RECORDS; i++) {
    await opener.whenReady();
    opened.push(Promise.resolve(opener.open(buffers[i], 0, lengths[i] - 5)));
  }
  await Promise.all(opened);
}

function pureRecords(): void {
  const sealer = new RecordProtection(pureProvider.aead("AES-128-GCM", key), iv);
  const opener = new RecordProtection(pureProvider.aead("AES-128-GCM", key), iv);
  for (const buf of buffers) opener.open(buf, 0, sealer.seal(buf, 0, RECORD + 1) - 5);
}

const webMs = await timeOf(3, webRecords);
const pureMs = await timeOf(1, pureRecords);
const mb = (ms: number) => round((RECORDS * RECORD) / 1e6 / (ms / 1000), 1);
console.log(`${"AES-128-GCM 16 KiB seal+open".padEnd(34)} webcrypto ${mb(webMs)} MB/s   pure ${mb(pureMs)} MB/s   webcrypto/pure ${round(pureMs / webMs, 2)}x`);

// The same records through connect()/accept() (issue 13's webcrypto.aes128gcm_16k_vs_pure).
const transported = await measureWebCryptoRecords(16, rounds, provider);
console.log(
  `${"AES-128-GCM 16 KiB, connect/accept".padEnd(34)} webcrypto ${transported.webcrypto_MBps} MB/s   pure ${transported.pure_MBps} MB/s   webcrypto/pure ${round(transported.webcrypto_MBps / transported.pure_MBps, 2)}x`,
);

// The mutual P-256 handshake, both sides in this process, over loopback TCP.
const tcp = await sampleInterleaved(
  {
    node_tls: (n, w) => sampleNodeTls("p256", n, w),
    webcrypto: (n, w) => sampleMutlsTcp("p256", provider, n, w),
    pure: (n, w) => sampleMutlsTcp("p256", pureProvider, n, w),
  },
  rounds,
  10,
  5,
);
const [nodeTls, webHandshake, pureHandshake] = [median(tcp.node_tls), median(tcp.webcrypto), median(tcp.pure)];
line("P-256 mTLS handshake over TCP", webHandshake, pureHandshake);
console.log(`${"".padEnd(34)} node tls ${round(nodeTls, 3)} ms   webcrypto/node tls ${round(webHandshake / nodeTls, 3)}`);
if (workerdAvailable()) {
  const w = await measureWorkerdHandshakes(rounds, 8);
  line(`P-256 mTLS handshake in workerd ${w.workerd ?? ""}`, w.webcrypto_ms, w.pure_ms);
  console.log(`${"".padEnd(34)} workerd's crypto.subtle: ${w.native.join(", ")}`);
} else {
  console.log("workerd: not installed (cd test/runtimes && npm ci)");
}
