/** The shape of bench/results/latest.json (the schema, plus provenance notes). */
import type { FirstHandshakeMemory } from "./memory.js";

export interface HandshakeEntry {
  mutls_ms: number;
  floor_ms: number;
  floor_precomputed_ms: number;
  node_tls_ms: number;
  mutls_native_ms: number;
  /** Median of the per-round ratios native / Node tls (same ABBA rounds); absent in results written before it. */
  native_vs_node_tls?: number;
}

export interface RecordEntry {
  mutls_MBps: number;
  noble_oneshot_MBps: number;
  node_MBps: number;
}

export interface GcEntry {
  mib: number;
  scavenges: number;
  heap_growth_bytes: number;
}

export type { LoadFigures } from "./load.js";

export interface BenchResults {
  /** Mutual handshakes over loopback TCP against createMtlsServer, many in flight (bench/lib/load.ts). */
  load: import("./load.js").LoadFigures;
  /** One chain verification under a cold vs a prepared (precomputed-table) trust anchor. */
  x509: import("./anchors.js").AnchorTimes;
  machine: Record<string, unknown>;
  quick: boolean;
  handshake: Record<"p256" | "ed25519", HandshakeEntry>;
  records: Record<string, Record<string, RecordEntry>>;
  gc: Record<string, GcEntry>;
  memory: {
    client_idle_bytes: number;
    server_idle_bytes: number;
    /** The same with record_size_limit 512 negotiated (RFC 8449), issue 6. */
    client_idle_rsl512_bytes?: number;
    server_idle_rsl512_bytes?: number;
    /** The same measure for each cipher suite (client and server both offer only that one). */
    suites?: Record<string, { client_idle_bytes: number; server_idle_bytes: number }>;
    /** AES-128-GCM, idle after one record each way (the cipher state of both keys built). */
    client_idle_after_data_bytes?: number;
    server_idle_after_data_bytes?: number;
    /** The first mutual handshake of a fresh process, per memoryProfile (bench/first-handshake.ts). */
    first_handshake?: Record<"default" | "low", FirstHandshakeMemory>;
  };
  bundle: {
    client_min_gz: number;
    server_min_gz: number;
    full_min_gz: number;
    minimal_client_min_gz: number;
    /** The minimal client with Ed25519 as its signature algorithm (no target). */
    minimal_client_ed25519_min_gz?: number;
    /** The whole of `mutls/fetch` and of `mutls/ca` (no target). */
    fetch_min_gz?: number;
    ca_min_gz?: number;
    breakdown?: Record<string, Record<string, number>>;
  };
  interpreters: {
    jitless_handshake_ms: number | null;
    quickjs_handshake_ms: number | null;
    jitless_note?: string;
    quickjs_note?: string;
  };
  /** The worst Certificate flight within the limits, against a normal handshake (bench/hostile-flights.ts). */
  hostile?: import("../hostile-flights.js").HostileFigures;
  /** Issue 13: AES-128-GCM 16 KiB records through connect()/accept() over a memory pair, WebCrypto and pure (bench/lib/webcrypto-records.ts). */
  webcrypto_records?: import("./webcrypto-records.js").WebCryptoRecordFigures | { readonly note: string };
  /** mutls in Moddable XS (bench/lib/xs.ts): null where it could not be measured, with `note` saying why. */
  xs?: {
    handshake_ms: number | null;
    metered_handshake: number | null;
    metered_mib_records: number | null;
    note?: string;
  };
  /**
   * Issue 13: the WebCrypto provider. `native`: what it found in Node's crypto.subtle. `p256`: one
   * mutual P-256 handshake over loopback TCP, both sides in this process, sampled in the same ABBA
   * rounds (bench/lib/tcp.ts). `workerd`: the same handshake inside workerd (bench/lib/workerd.ts).
   */
  webcrypto?: {
    native: readonly string[];
    /**
     * Medians of each sampler's samples, and (absent in results written before them) the medians of
     * the per-round ratios, which the targets use (bench/lib/tcp-handshakes.ts).
     */
    p256:
      | ({ node_tls_ms: number; webcrypto_ms: number; pure_ms: number; native_ms: number } & Partial<
          Pick<
            import("./tcp-handshakes.js").WebCryptoTcpFigures,
            "webcrypto_vs_node_tls" | "webcrypto_vs_pure" | "native_vs_node_tls" | "rounds" | "per_round" | "others_cores"
          >
        >)
      | null;
    workerd: import("./workerd.js").WorkerdHandshakeFigures | null;
    workerd_note?: string;
  };
  /** Every issue's targets with this run's values (bench/lib/targets.ts): the README table and the chart read these. */
  targets?: import("./targets.js").Target[];
  duration_s: number;
}
