/**
 * The mutual handshakes over loopback TCP that `npm run bench` and `npm run bench:webcrypto` both
 * report, defined once here so the two give the same figures: Node's `tls` and mutls with the
 * native provider (issue 5's `handshake.<type>.native_vs_node_tls`), and for P-256 also mutls with
 * the WebCrypto and the pure provider (issue 13's `webcrypto.p256_vs_node_tls` and
 * `webcrypto.p256_vs_pure`). All samplers run in the same ABBA rounds (tcp.ts); each time is the
 * median of all its samples, and each ratio the median of the per-round ratios (stats.ts
 * pairedRatio), so a change of machine speed between rounds cancels out of the ratios.
 */
import type { CryptoProvider } from "../../src/crypto/provider.js";
import { pureProvider } from "../../src/crypto/pure.js";
import type { BenchKeyType } from "./credentials.js";
import { watchOthers } from "./machine.js";
import { median, pairedRatio, round } from "./stats.js";
import { type Sampler, allSamples, sampleInterleaved, sampleMutlsNative, sampleMutlsTcp, sampleNodeTls } from "./tcp.js";

export interface TcpPlan {
  readonly rounds: number;
  readonly perRound: number;
  /** Unrecorded handshakes of each sampler in the first round (later rounds warm up once). */
  readonly warmup: number;
}

/** Ten rounds of ten: ten per-round ratios for each median, at the full run's former 100 samples. */
export const TCP_PLAN_FULL: TcpPlan = { rounds: 10, perRound: 10, warmup: 20 };
export const TCP_PLAN_QUICK: TcpPlan = { rounds: 5, perRound: 4, warmup: 5 };

export interface TcpHandshakeFigures {
  readonly node_tls_ms: number;
  readonly native_ms: number;
  /** Median per-round ratio native / Node tls. */
  readonly native_vs_node_tls: number;
  readonly rounds: number;
  readonly per_round: number;
  /** Cores other processes kept busy on average during the rounds (machine.ts watchOthers); null off Linux. */
  readonly others_cores: number | null;
}

export interface WebCryptoTcpFigures extends TcpHandshakeFigures {
  readonly webcrypto_ms: number;
  readonly pure_ms: number;
  /** Median per-round ratio WebCrypto / Node tls. */
  readonly webcrypto_vs_node_tls: number;
  /** Median per-round ratio WebCrypto / pure. */
  readonly webcrypto_vs_pure: number;
}

const ms = (rounds: readonly (readonly number[])[]): number => round(median(allSamples(rounds)));

/** Node tls and mutls+native, in ABBA rounds. */
export async function measureTcpHandshakes(type: BenchKeyType, plan: TcpPlan): Promise<TcpHandshakeFigures> {
  const others = watchOthers();
  const { rounds } = await sampleInterleaved(
    { node_tls: (n, w) => sampleNodeTls(type, n, w), native: (n, w) => sampleMutlsNative(type, n, w) },
    plan.rounds,
    plan.perRound,
    plan.warmup,
  );
  return {
    node_tls_ms: ms(rounds.node_tls),
    native_ms: ms(rounds.native),
    native_vs_node_tls: round(pairedRatio(rounds.native, rounds.node_tls)),
    rounds: plan.rounds,
    per_round: plan.perRound,
    others_cores: others(),
  };
}

/** Node tls, mutls with the native, the WebCrypto (`web`) and the pure provider: P-256, in the same ABBA rounds. */
export async function measureWebCryptoTcpHandshakes(web: CryptoProvider, plan: TcpPlan): Promise<WebCryptoTcpFigures> {
  const samplers: Record<"node_tls" | "native" | "webcrypto" | "pure", Sampler> = {
    node_tls: (n, w) => sampleNodeTls("p256", n, w),
    native: (n, w) => sampleMutlsNative("p256", n, w),
    webcrypto: (n, w) => sampleMutlsTcp("p256", web, n, w),
    pure: (n, w) => sampleMutlsTcp("p256", pureProvider, n, w),
  };
  const others = watchOthers();
  const { rounds } = await sampleInterleaved(samplers, plan.rounds, plan.perRound, plan.warmup);
  return {
    node_tls_ms: ms(rounds.node_tls),
    native_ms: ms(rounds.native),
    webcrypto_ms: ms(rounds.webcrypto),
    pure_ms: ms(rounds.pure),
    native_vs_node_tls: round(pairedRatio(rounds.native, rounds.node_tls)),
    webcrypto_vs_node_tls: round(pairedRatio(rounds.webcrypto, rounds.node_tls)),
    webcrypto_vs_pure: round(pairedRatio(rounds.webcrypto, rounds.pure)),
    rounds: plan.rounds,
    per_round: plan.perRound,
    others_cores: others(),
  };
}
