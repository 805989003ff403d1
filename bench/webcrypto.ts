/**
 * The WebCrypto provider (Node's `crypto.subtle`) against the pure provider, operation by
 * operation, then in whole handshakes:
 *   - P-256 key exchange: a fresh share and one shared secret (what each side of a handshake does);
 *   - ECDSA P-256: one signature and one verification with in-memory keys;
 *   - AES-128-GCM, 16 KiB records: AsyncRecordProtection with 8 records in flight against the
 *     synchronous RecordProtection (each record sealed, then opened), and through connect()/accept();
 *   - the mutual P-256 handshake over loopback TCP (Node's tls, native, WebCrypto, pure; ABBA
 *     rounds), and inside workerd when the runtime matrix is installed.
 * Each line prints both medians and the ratio WebCrypto / pure (time) or pure / WebCrypto (speed up).
 * The last three (issue 13's targets) use the same functions, plans and evaluation as the full
 * `npm run bench`, so the `target` lines at the end are what a full run would report, give or
 * take the machine: each ratio is the median of per-round ratios (both sides in the same round).
 *
 * `node bench/build.mjs && node bench/.out/webcrypto.mjs [rounds of the per-operation lines]`
 */
import { loadavg } from "node:os";
import { p256 } from "@noble/curves/nist.js";
import type { AsyncAeadKey, PrivateKey, PublicKey } from "../src/crypto/provider.js";
import { pureProvider } from "../src/crypto/pure.js";
import { webCryptoProvider } from "../src/crypto/webcrypto/index.js";
import { AsyncRecordProtection } from "../src/record/async-record-protection.js";
import { RecordProtection } from "../src/record/record-protection.js";
import { median, now, round } from "./lib/stats.js";
import { TCP_PLAN_FULL, measureWebCryptoTcpHandshakes } from "./lib/tcp-handshakes.js";
import { evaluateTargets, formatLimit, formatValue } from "./lib/targets.js";
import { RECORDS_PLAN_FULL, measureWebCryptoRecords } from "./lib/webcrypto-records.js";
import { WORKERD_PLAN_FULL, type WorkerdHandshakeFigures, measureWorkerdHandshakes, workerdAvailable } from "./lib/workerd.js";

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

// Issue 13's four targets, measured by the same functions and plans as `npm run bench` (full run)
// and evaluated by the same code (lib/targets.ts), so both give the same figures.
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
console.log(`load average at the start of the target measures: ${load()}`);
const transported = await measureWebCryptoRecords(RECORDS_PLAN_FULL.mib, RECORDS_PLAN_FULL.rounds);
console.log(
  `${"AES-128-GCM 16 KiB, connect/accept".padEnd(34)} webcrypto ${transported.webcrypto_MBps} MB/s   pure ${transported.pure_MBps} MB/s   webcrypto/pure (paired) ${transported.webcrypto_vs_pure}x   others busy ${transported.others_cores ?? "?"} cores`,
);

// The mutual P-256 handshake, both sides in this process, over loopback TCP.
const tcp = await measureWebCryptoTcpHandshakes(provider, TCP_PLAN_FULL);
console.log(
  `${"P-256 mTLS handshake over TCP".padEnd(34)} webcrypto ${tcp.webcrypto_ms} ms   pure ${tcp.pure_ms} ms   webcrypto/pure (paired) ${tcp.webcrypto_vs_pure}`,
);
console.log(
  `${"".padEnd(34)} node tls ${tcp.node_tls_ms} ms   native ${tcp.native_ms} ms   webcrypto/node tls (paired) ${tcp.webcrypto_vs_node_tls}   others busy ${tcp.others_cores ?? "?"} cores`,
);
let workerd: WorkerdHandshakeFigures | null = null;
if (workerdAvailable()) {
  workerd = await measureWorkerdHandshakes(WORKERD_PLAN_FULL.rounds, WORKERD_PLAN_FULL.perRequest);
  console.log(
    `${`P-256 mTLS handshake in workerd ${workerd.workerd ?? ""}`.padEnd(34)} webcrypto ${round(workerd.webcrypto_ms, 3)} ms   pure ${round(workerd.pure_ms, 3)} ms   webcrypto/pure (paired) ${workerd.webcrypto_vs_pure}`,
  );
  console.log(`${"".padEnd(34)} workerd's crypto.subtle: ${workerd.native.join(", ")}`);
} else {
  console.log("workerd: not installed (cd test/runtimes && npm ci)");
}
const targets = evaluateTargets({ webcrypto: { native: provider.webCryptoAlgorithms, p256: tcp, workerd }, webcrypto_records: transported });
for (const t of targets.filter((x) => x.id.startsWith("webcrypto."))) {
  console.log(`target ${t.id.padEnd(38)} ${formatValue(t).padStart(6)} ${formatLimit(t, true).padEnd(7)} ${t.met === null ? "?" : t.met ? "met" : "NOT met"}`);
}
console.log(`load average at the end: ${load()}`);
