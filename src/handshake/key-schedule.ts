import { Writer, asciiBytes } from "../bytes/index.js";
import type { CryptoProvider, HashName } from "../crypto/provider.js";
import { hashLength } from "../crypto/provider.js";
import type { CipherSuite } from "./constants.js";

/** RFC 8446 §7.1 HKDF-Expand-Label. */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const info = new Writer(10 + label.length + context.length)
    .u16(length)
    .vector8((w) => w.bytes(asciiBytes("tls13 " + label)))
    .vector8((w) => w.bytes(context))
    .finish();
  return provider.hkdfExpand(hash, secret, info, length);
}

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/**
 * The TLS 1.3 key schedule of RFC 8446 §7.1 for one connection without PSK: each stage is a
 * method named after the secret it produces, called in the order of the RFC's diagram.
 */
export class KeySchedule {
  readonly hash: HashName;
  readonly hashLength: number;
  private readonly zeros: Uint8Array;
  readonly earlySecret: Uint8Array;
  private handshakeSecretValue: Uint8Array | null = null;
  private masterSecretValue: Uint8Array | null = null;

  constructor(
    private readonly provider: CryptoProvider,
    readonly suite: CipherSuite,
    psk?: Uint8Array,
  ) {
    this.hash = suite.hash;
    this.hashLength = hashLength(suite.hash);
    this.zeros = new Uint8Array(this.hashLength);
    // Early Secret = HKDF-Extract(0, PSK or 0)
    this.earlySecret = provider.hkdfExtract(this.hash, this.zeros, psk ?? this.zeros);
  }

  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return hkdfExpandLabel(this.provider, this.hash, secret, label, context, length);
  }

  /** Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages). */
  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return this.expandLabel(secret, label, transcriptHash, this.hashLength);
  }

  /** early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello) (§7.1). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.earlySecret, "e exp master", clientHelloHash);
  }

  private emptyHash(): Uint8Array {
    return this.provider.hash(this.hash, new Uint8Array(0));
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE). */
  handshakeSecret(sharedSecret: Uint8Array): Uint8Array {
    const derived = this.deriveSecret(this.earlySecret, "derived", this.emptyHash());
    this.handshakeSecretValue = this.provider.hkdfExtract(this.hash, derived, sharedSecret);
    return this.handshakeSecretValue;
  }

  /** client/server_handshake_traffic_secret over ClientHello...ServerHello. */
  handshakeTrafficSecrets(helloHash: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    const hs = this.require(this.handshakeSecretValue, "handshake secret");
    return {
      client: this.deriveSecret(hs, "c hs traffic", helloHash),
      server: this.deriveSecret(hs, "s hs traffic", helloHash),
    };
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  masterSecret(): Uint8Array {
    const hs = this.require(this.handshakeSecretValue, "handshake secret");
    const derived = this.deriveSecret(hs, "derived", this.emptyHash());
    this.masterSecretValue = this.provider.hkdfExtract(this.hash, derived, this.zeros);
    return this.masterSecretValue;
  }

  /** Application traffic secrets and the exporter master secret, over ClientHello...server Finished. */
  applicationSecrets(serverFinishedHash: Uint8Array): { client: Uint8Array; server: Uint8Array; exporter: Uint8Array } {
    const ms = this.require(this.masterSecretValue, "master secret");
    return {
      client: this.deriveSecret(ms, "c ap traffic", serverFinishedHash),
      server: this.deriveSecret(ms, "s ap traffic", serverFinishedHash),
      exporter: this.deriveSecret(ms, "exp master", serverFinishedHash),
    };
  }

  /** resumption_master_secret, over ClientHello...client Finished. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.require(this.masterSecretValue, "master secret"), "res master", clientFinishedHash);
  }

  /** §7.3 traffic key and IV. */
  trafficKeys(secret: Uint8Array): TrafficKeys {
    return {
      key: this.expandLabel(secret, "key", new Uint8Array(0), this.suite.keyLength),
      iv: this.expandLabel(secret, "iv", new Uint8Array(0), 12),
    };
  }

  /** §4.4.4 verify_data = HMAC(finished_key, Transcript-Hash(...)). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(baseKey, "finished", new Uint8Array(0), this.hashLength);
    return this.provider.hmac(this.hash, finishedKey, transcriptHash);
  }

  /** §7.2 application_traffic_secret_N+1. */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.expandLabel(secret, "traffic upd", new Uint8Array(0), this.hashLength);
  }

  private require(v: Uint8Array | null, what: string): Uint8Array {
    if (!v) throw new Error(`key schedule: ${what} used before it was derived`);
    return v;
  }
}
