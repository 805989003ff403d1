/**
 * records.<suite>.<size>: application bytes per second sealed AND opened (one record each way per
 * record of data), MB = 10^6 bytes. The baselines do the same work per record as the record
 * layer: seal the TLSInnerPlaintext (data + 1 content-type byte, RFC 8446 §5.2) with the 5-byte
 * header as AAD and a per-record nonce (§5.3), then open it again.
 *   - noble_oneshot: @noble/ciphers as its API invites, a new gcm()/chacha20poly1305() per record
 *     (key expansion, GHASH tables and allocations redone every time);
 *   - node: node:crypto createCipheriv/createDecipheriv per record (OpenSSL).
 * mutls's own figure comes from bench/records.ts.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { now } from "./stats.js";

export const SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] as const;
export type SuiteName = (typeof SUITES)[number];
export const RECORD_SIZES = [64, 1024, 16384] as const;

const AEAD = {
  TLS_AES_128_GCM_SHA256: { keyLength: 16, node: "aes-128-gcm" },
  TLS_AES_256_GCM_SHA384: { keyLength: 32, node: "aes-256-gcm" },
  TLS_CHACHA20_POLY1305_SHA256: { keyLength: 32, node: "chacha20-poly1305" },
} as const;

export interface Budget {
  /** Stop after this much application data... */
  readonly mib: number;
  /** ...or after this long, whichever comes first. */
  readonly maxMs: number;
}

/** Runs `step` (one record's worth, `recordSize` application bytes) until the budget is spent. */
function throughput(recordSize: number, budget: Budget, step: (seq: number) => void): number {
  const limit = budget.mib * 1024 * 1024;
  for (let seq = 0; seq < 32; seq++) step(seq); // warm-up
  const t0 = now();
  let bytes = 0;
  let seq = 0;
  let elapsed = 0;
  while (bytes < limit && elapsed < budget.maxMs) {
    for (let k = 0; k < 16; k++, seq++) {
      step(seq);
      bytes += recordSize;
    }
    elapsed = now() - t0;
  }
  return bytes / 1e6 / (elapsed / 1000);
}

function recordNonce(iv: Uint8Array, seq: number, nonce: Uint8Array): Uint8Array {
  nonce.set(iv);
  nonce[11] ^= seq & 0xff;
  nonce[10] ^= (seq >>> 8) & 0xff;
  nonce[9] ^= (seq >>> 16) & 0xff;
  nonce[8] ^= (seq >>> 24) & 0xff;
  return nonce;
}

function recordHeader(length: number): Uint8Array {
  return Uint8Array.of(0x17, 0x03, 0x03, length >> 8, length & 0xff);
}

export function measureNobleOneshot(suite: SuiteName, recordSize: number, budget: Budget): number {
  const key = new Uint8Array(randomBytes(AEAD[suite].keyLength));
  const iv = new Uint8Array(randomBytes(12));
  const inner = new Uint8Array(recordSize + 1);
  inner[recordSize] = 23;
  const aad = recordHeader(inner.length + 16);
  const construct = suite === "TLS_CHACHA20_POLY1305_SHA256" ? chacha20poly1305 : gcm;
  return throughput(recordSize, budget, (seq) => {
    const nonce = recordNonce(iv, seq, new Uint8Array(12));
    const sealed = construct(key, nonce, aad).encrypt(inner);
    const opened = construct(key, nonce, aad).decrypt(sealed);
    if (opened.length !== inner.length) throw new Error("noble round trip lost bytes");
  });
}

export function measureNode(suite: SuiteName, recordSize: number, budget: Budget): number {
  const { node, keyLength } = AEAD[suite];
  const key = randomBytes(keyLength);
  const iv = new Uint8Array(randomBytes(12));
  const nonce = new Uint8Array(12);
  const inner = new Uint8Array(recordSize + 1);
  inner[recordSize] = 23;
  const aad = recordHeader(inner.length + 16);
  const options = { authTagLength: 16 };
  return throughput(recordSize, budget, (seq) => {
    recordNonce(iv, seq, nonce);
    const cipher = node === "chacha20-poly1305" ? createCipheriv(node, key, nonce, options) : createCipheriv(node, key, nonce, options);
    cipher.setAAD(aad, { plaintextLength: inner.length });
    const sealed = cipher.update(inner);
    cipher.final();
    const tag = cipher.getAuthTag();
    const decipher = node === "chacha20-poly1305" ? createDecipheriv(node, key, nonce, options) : createDecipheriv(node, key, nonce, options);
    decipher.setAAD(aad, { plaintextLength: inner.length });
    decipher.setAuthTag(tag);
    const opened = decipher.update(sealed);
    decipher.final();
    if (opened.length !== inner.length) throw new Error("node round trip lost bytes");
  });
}
