/**
 * x509.chain_verify_{cold,prepared}_ms: one verifyCertificateChain of a server leaf under the test
 * CA (ECDSA P-256), with the anchor as a plain parsed certificate (a cold verify builds the CA
 * point's multiples each time) and as prepared by prepareTrustAnchors (wNAF tables for the CA's
 * key, built once per configuration). Interleaved, medians, pure provider.
 */
import { pureProvider } from "../../src/crypto/pure.js";
import { parseCertificate, pemCertificates, prepareTrustAnchors, verifyCertificateChain } from "../../src/x509/index.js";
import { benchCredentials } from "./credentials.js";
import { median, now } from "./stats.js";

export interface AnchorTimes {
  chain_verify_cold_ms: number;
  chain_verify_prepared_ms: number;
}

export function measureAnchorVerification(iterations: number, warmup: number): AnchorTimes {
  const creds = benchCredentials("p256");
  const ca = parseCertificate(pemCertificates(creds.ca)[0]);
  const prepared = prepareTrustAnchors([ca], pureProvider);
  const chain = pemCertificates(creds.serverCert);
  const verify = (trustAnchors: Parameters<typeof verifyCertificateChain>[0]["trustAnchors"]): void => {
    verifyCertificateChain({ chain, trustAnchors, now: new Date(), provider: pureProvider, purpose: "serverAuth", serverName: "localhost" });
  };
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const t0 = now();
    verify([ca]);
    const t1 = now();
    verify(prepared);
    const t2 = now();
    if (i < warmup) continue;
    cold.push(t1 - t0);
    warm.push(t2 - t1);
  }
  return { chain_verify_cold_ms: median(cold), chain_verify_prepared_ms: median(warm) };
}
