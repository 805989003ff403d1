/**
 * handshake.<type>.{mutls_ms, floor_ms, floor_precomputed_ms}: the three are sampled interleaved
 * in one loop, so machine noise hits them alike. Each mutls sample is one complete mutual
 * handshake with fresh connections, both sides in this process, over the in-memory pair. As in a
 * long-lived client or server, each side's configuration object is built once and reused, so PEM
 * parsing and trust-anchor preparation happen once, not per handshake (the engine resolves a
 * config object on first use, like rustls's ServerConfig or a Node SecureContext).
 */
import { benchCredentials, type BenchKeyType } from "./credentials.js";
import { floorInputs, runFloor } from "./floor.js";
import { clientConfig, establishedPairFrom, serverConfig } from "../../test/helpers/pair.js";
import { median, now } from "./stats.js";

export interface HandshakeTimes {
  mutls_ms: number;
  floor_ms: number;
  floor_precomputed_ms: number;
}

export function measureHandshakeAndFloor(type: BenchKeyType, iterations: number, warmup: number): HandshakeTimes {
  const creds = benchCredentials(type);
  const inputs = floorInputs(type, creds);
  const mutls: number[] = [];
  const floor: number[] = [];
  const pre: number[] = [];
  const client = clientConfig(creds);
  const server = serverConfig(creds);
  for (let i = 0; i < warmup + iterations; i++) {
    const t0 = now();
    establishedPairFrom(client, server);
    const t1 = now();
    runFloor(inputs, false);
    const t2 = now();
    runFloor(inputs, true);
    const t3 = now();
    if (i < warmup) continue;
    mutls.push(t1 - t0);
    floor.push(t2 - t1);
    pre.push(t3 - t2);
  }
  return { mutls_ms: median(mutls), floor_ms: median(floor), floor_precomputed_ms: median(pre) };
}
