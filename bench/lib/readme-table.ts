/**
 * The performance tables of docs/performance.md, generated from a results object (results/latest.json): the
 * targets list first, then the figures measured without a target. They replace what lies between
 * the two markers below in docs/performance.md, so it states what latest.json holds and nothing
 * else. run.ts calls it after every run; `npm run bench:chart` redraws from latest.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { BenchResults } from "./results.js";
import { evaluateTargets, formatLimit, formatValue, suiteLabel } from "./targets.js";

export const README_BEGIN = "<!-- bench-tables: generated from bench/results/latest.json by bench/lib/readme-table.ts -->";
export const README_END = "<!-- /bench-tables -->";

const ms = (x: number | null | undefined): string => (typeof x === "number" ? `${x.toFixed(x < 10 ? 2 : 1)} ms` : "n/a");
const kB = (x: number | undefined): string => (typeof x === "number" ? (x / 1000).toFixed(1) : "n/a");

export function renderReadmeTables(r: Partial<BenchResults>): string {
  const lines: string[] = [];
  const when = typeof r.machine?.date === "string" ? r.machine.date.slice(0, 10) : "?";
  lines.push(
    `${r.quick ? "Quick" : "Full"} run of ${when} on ${String(r.machine?.cores ?? "?")} cores of ${String(r.machine?.cpu ?? "?")}, Node ${String(r.machine?.node ?? "?")}, OpenSSL ${String(r.machine?.openssl ?? "?")}.`,
    "",
    "| id | measure | result | target | met |",
    "|---|---|---|---|---|",
  );
  for (const t of r.targets ?? evaluateTargets(r)) {
    lines.push(`| \`${t.id}\` | ${t.label} | **${formatValue(t)}** | ${formatLimit(t)} | ${t.limit === null ? (t.value === null ? "not measured" : "reported") : t.met === null ? "not measured" : t.met ? "yes" : "**no**"} |`);
  }
  lines.push("", "Measured without a target:", "", "| measure | result |", "|---|---|");
  for (const [type, name] of [["p256", "P-256"], ["ed25519", "Ed25519"]] as const) {
    const h = r.handshake?.[type];
    if (h) {
      lines.push(`| ${name} handshake: mutls pure · floor · precomputed floor · Node \`tls\` · mutls native | ${ms(h.mutls_ms)} · ${ms(h.floor_ms)} · ${ms(h.floor_precomputed_ms)} · ${ms(h.node_tls_ms)} · ${ms(h.mutls_native_ms)} |`);
    }
  }
  const web = r.webcrypto;
  if (web?.p256) {
    lines.push(`| P-256 handshake over loopback TCP, same rounds: Node \`tls\` · mutls WebCrypto · mutls pure · mutls native | ${ms(web.p256.node_tls_ms)} · ${ms(web.p256.webcrypto_ms)} · ${ms(web.p256.pure_ms)} · ${ms(web.p256.native_ms)} |`);
  }
  if (web?.workerd) lines.push(`| P-256 handshake in workerd ${web.workerd.workerd ?? ""}: mutls WebCrypto · mutls pure | ${ms(web.workerd.webcrypto_ms)} · ${ms(web.workerd.pure_ms)} |`);
  const wr = r.webcrypto_records;
  if (wr && "webcrypto_MBps" in wr) lines.push(`| AES-128-GCM records @16 KiB through \`connect()\`/\`accept()\`, MB/s: WebCrypto · pure | ${wr.webcrypto_MBps} · ${wr.pure_MBps} |`);
  if (web) lines.push(`| WebCrypto provider: native in Node's \`crypto.subtle\` | ${web.native.join(", ") || "nothing"} |`);
  for (const [suite, sizes] of Object.entries(r.records ?? {})) {
    const x = sizes["16384"];
    if (x) lines.push(`| ${suiteLabel(suite)} records @16 KiB, MB/s: mutls · noble one-shot · node:crypto | ${x.mutls_MBps} · ${x.noble_oneshot_MBps} · ${x.node_MBps} |`);
  }
  if (r.x509) lines.push(`| Chain verification under a P-256 CA, cold · prepared trust anchor | ${ms(r.x509.chain_verify_cold_ms)} · ${ms(r.x509.chain_verify_prepared_ms)} |`);
  if (r.load) {
    lines.push(
      `| ${r.load.connections.toLocaleString("en")} mutual handshakes against \`createMtlsServer\`, ${r.load.concurrency} in flight (pure, both sides in one process) | ${r.load.handshakes_per_s} handshakes/s, ${r.load.failures} failed, peak RSS ${Math.round(r.load.peak_rss_bytes / 1e6)} MB |`,
    );
  }
  if (r.memory) {
    const suites = Object.entries(r.memory.suites ?? {}).map(([s, m]) => `${suiteLabel(s)} ${kB(m.client_idle_bytes)} · ${kB(m.server_idle_bytes)}`);
    lines.push(`| Idle established connection, client · server, kB: default suite; \`record_size_limit\` 512 | ${kB(r.memory.client_idle_bytes)} · ${kB(r.memory.server_idle_bytes)}; ${kB(r.memory.client_idle_rsl512_bytes)} · ${kB(r.memory.server_idle_rsl512_bytes)} |`);
    if (suites.length > 0) lines.push(`| Idle established connection per suite, client · server, kB | ${suites.join("; ")} |`);
  }
  if (r.bundle) lines.push(`| Bundle, min+gzip, kB: client · server · everything · minimal client | ${kB(r.bundle.client_min_gz)} · ${kB(r.bundle.server_min_gz)} · ${kB(r.bundle.full_min_gz)} · ${kB(r.bundle.minimal_client_min_gz)} |`);
  if (r.interpreters) lines.push(`| Handshake without a JIT: \`node --jitless\` · QuickJS | ${ms(r.interpreters.jitless_handshake_ms)} · ${ms(r.interpreters.quickjs_handshake_ms)} |`);
  if (r.hostile) {
    const h = r.hostile;
    lines.push(
      `| Worst hostile Certificate flight (${h.flight.certificates} certificates, ${h.flight.message_bytes.toLocaleString("en")} bytes, RSA ${h.flight.rsa_modulus_bits} with e = ${h.flight.rsa_public_exponent}): victim server · victim client · normal handshake | ${ms(h.to_server.victim_ms)} · ${ms(h.to_client.victim_ms)} · ${ms(h.normal_handshake_ms)} |`,
    );
    if (h.webcrypto) {
      const w = h.webcrypto;
      lines.push(`| The same flight, victims on the WebCrypto provider: victim server · victim client · normal WebCrypto handshake | ${ms(w.to_server.victim_ms)} · ${ms(w.to_client.victim_ms)} · ${ms(w.normal_handshake_ms)} |`);
    }
  }
  return lines.join("\n");
}

/** Replaces the tables between the markers in `readme`; leaves the file alone when it has no markers. */
export function writeReadmeTable(r: Partial<BenchResults>, readme: URL): boolean {
  const text = readFileSync(readme, "utf8");
  const begin = text.indexOf(README_BEGIN);
  const end = text.indexOf(README_END);
  if (begin < 0 || end < begin) return false;
  const next = `${text.slice(0, begin + README_BEGIN.length)}\n${renderReadmeTables(r)}\n${text.slice(end)}`;
  if (next !== text) writeFileSync(readme, next);
  return true;
}
