import type { CryptoProvider } from "../../crypto/provider.js";
import type { CipherSuite } from "../codec/constants.js";
import { exportKeyingMaterial } from "../exporter.js";
import { EarlySecret, SuiteKdf } from "../key-schedule.js";

/**
 * RFC 8446 §7.5 early exporter: the §7.5 exporter over early_exporter_master_secret, which the
 * client and the server derive from the PSK and the ClientHello alone (§7.1), so it is usable
 * before the handshake completes (for example to bind 0-RTT data). Like 0-RTT data it has no
 * forward secrecy and no replay protection (§2.3, §8).
 */
export interface EarlyExporter {
  readonly provider: CryptoProvider;
  readonly suite: CipherSuite;
  readonly secret: Uint8Array;
}

/** §7.1: early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello), for the PSK of `suite`'s hash. */
export function deriveEarlyExporter(provider: CryptoProvider, suite: CipherSuite, psk: Uint8Array, clientHello: Uint8Array): EarlyExporter {
  const early = new EarlySecret(new SuiteKdf(provider, suite), psk);
  return { provider, suite, secret: early.earlyExporterMasterSecret(provider.hash(suite.hash, clientHello)) };
}

/** TLS-Exporter (§7.5) with early_exporter_master_secret in place of exporter_master_secret. */
export function exportEarlyKeyingMaterial(exporter: EarlyExporter, label: string, context: Uint8Array | undefined, length: number): Uint8Array {
  return exportKeyingMaterial(exporter.provider, exporter.suite, exporter.secret, label, context, length);
}
