import { asciiBytes } from "../bytes/index.js";
import type { CryptoProvider, HashName } from "../crypto/provider.js";
import { hashLength } from "../crypto/provider.js";
import type { CipherSuite } from "./codec/constants.js";

const TLS13_PREFIX = /* @__PURE__ */ asciiBytes("tls13 ");

/**
 * Values of the key schedule that are the same for every connection of a hash, by provider and
 * name: Transcript-Hash of no messages, and without a PSK the Early Secret (HKDF-Extract(0, 0),
 * §7.1) and its "derived" secret. None of them is secret: each is a function of the hash alone.
 */
const constants = new WeakMap<CryptoProvider, Record<string, Uint8Array>>();

function constant(provider: CryptoProvider, name: string, make: () => Uint8Array): Uint8Array {
  let values = constants.get(provider);
  if (values === undefined) constants.set(provider, (values = {}));
  return values[name] || (values[name] = make());
}

/**
 * RFC 8446 §7.1 HKDF-Expand-Label. HkdfLabel is written straight into one array: a handshake
 * expands about twenty labels per side, and this is on every one of them.
 */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel;
  const labelLength = TLS13_PREFIX.length + label.length;
  if (labelLength > 0xff || context.length > 0xff) throw new RangeError(`HkdfLabel vector of ${Math.max(labelLength, context.length)} bytes exceeds its 1-byte length prefix`);
  const info = new Uint8Array(4 + labelLength + context.length);
  info[0] = length >>> 8;
  info[1] = length;
  info[2] = labelLength;
  info.set(TLS13_PREFIX, 3);
  info.set(asciiBytes(label), 3 + TLS13_PREFIX.length);
  info[3 + labelLength] = context.length;
  info.set(context, 4 + labelLength);
  return provider.hkdfExpand(hash, secret, info, length);
}

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * The derivations of RFC 8446 §7.1 to §7.3 that do not depend on the stage of the key schedule:
 * Derive-Secret, traffic keys, Finished, key updates. Every stage and every post-handshake step
 * of one connection shares one, fixed by the negotiated cipher suite.
 */
export class SuiteKdf {
  readonly hash: HashName;
  readonly hashLength: number;

  constructor(
    readonly provider: CryptoProvider,
    readonly suite: CipherSuite,
  ) {
    this.hash = suite.hash;
    this.hashLength = hashLength(suite.hash);
  }

  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return hkdfExpandLabel(this.provider, this.hash, secret, label, context, length);
  }

  /** Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages). */
  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return this.expandLabel(secret, label, transcriptHash, this.hashLength);
  }

  /** Transcript-Hash of no messages: the context of every "derived" and binder secret. */
  emptyHash(): Uint8Array {
    return constant(this.provider, this.hash + " empty", () => this.provider.hash(this.hash, EMPTY));
  }

  /** §7.3 traffic key and IV. */
  trafficKeys(secret: Uint8Array): TrafficKeys {
    return {
      key: this.expandLabel(secret, "key", EMPTY, this.suite.keyLength),
      iv: this.expandLabel(secret, "iv", EMPTY, 12),
    };
  }

  /** §4.4.4 verify_data = HMAC(finished_key, Transcript-Hash(...)); also the PSK binder (§4.2.11.2). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(baseKey, "finished", EMPTY, this.hashLength);
    return this.provider.hmac(this.hash, finishedKey, transcriptHash);
  }

  /** §7.2 application_traffic_secret_N+1. */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.expandLabel(secret, "traffic upd", EMPTY, this.hashLength);
  }

  /** §4.6.1 the PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce). */
  resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
    return this.expandLabel(resumptionMasterSecret, "resumption", ticketNonce, this.hashLength);
  }
}

/*
 * The key schedule of RFC 8446 §7.1 as three stage types, one per extracted secret. A stage can
 * only be reached from the one before it (Early -> Handshake -> Master), and each derives only the
 * secrets the RFC's diagram hangs off it, so a secret cannot be taken from the wrong stage.
 */

/** Early Secret = HKDF-Extract(0, PSK or 0): binders, 0-RTT keys, the early exporter. */
export class EarlySecret {
  readonly secret: Uint8Array;

  constructor(
    readonly kdf: SuiteKdf,
    /** Without one, the Early Secret is a constant of the hash, and so is its "derived" secret. */
    private readonly psk?: Uint8Array,
  ) {
    const zeros = new Uint8Array(kdf.hashLength);
    const extract = (): Uint8Array => kdf.provider.hkdfExtract(kdf.hash, zeros, psk ?? zeros);
    this.secret = psk ? extract() : constant(kdf.provider, kdf.hash + " early", extract);
  }

  /** binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", ""). */
  binderKey(external: boolean): Uint8Array {
    return this.kdf.deriveSecret(this.secret, external ? "ext binder" : "res binder", this.kdf.emptyHash());
  }

  /** client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.kdf.deriveSecret(this.secret, "c e traffic", clientHelloHash);
  }

  /** early_exporter_master_secret = Derive-Secret(Early Secret, "e exp master", ClientHello). */
  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.kdf.deriveSecret(this.secret, "e exp master", clientHelloHash);
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE). */
  handshakeSecret(sharedSecret: Uint8Array): HandshakeSecret {
    const { kdf } = this;
    const derive = (): Uint8Array => kdf.deriveSecret(this.secret, "derived", kdf.emptyHash());
    const derived = this.psk ? derive() : constant(kdf.provider, kdf.hash + " derived", derive);
    return new HandshakeSecret(this.kdf, this.kdf.provider.hkdfExtract(this.kdf.hash, derived, sharedSecret));
  }
}

/** Handshake Secret: the handshake traffic secrets; the only way on is the Master Secret. */
export class HandshakeSecret {
  constructor(
    readonly kdf: SuiteKdf,
    readonly secret: Uint8Array,
  ) {}

  /** client/server_handshake_traffic_secret over ClientHello...ServerHello. */
  trafficSecrets(helloHash: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    return {
      client: this.kdf.deriveSecret(this.secret, "c hs traffic", helloHash),
      server: this.kdf.deriveSecret(this.secret, "s hs traffic", helloHash),
    };
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  masterSecret(): MasterSecret {
    const derived = this.kdf.deriveSecret(this.secret, "derived", this.kdf.emptyHash());
    return new MasterSecret(this.kdf, this.kdf.provider.hkdfExtract(this.kdf.hash, derived, new Uint8Array(this.kdf.hashLength)));
  }
}

/** Master Secret: application traffic secrets, the exporter and resumption master secrets. */
export class MasterSecret {
  constructor(
    readonly kdf: SuiteKdf,
    readonly secret: Uint8Array,
  ) {}

  /** Application traffic secrets and the exporter master secret, over ClientHello...server Finished. */
  applicationSecrets(serverFinishedHash: Uint8Array): { client: Uint8Array; server: Uint8Array; exporter: Uint8Array } {
    return {
      client: this.kdf.deriveSecret(this.secret, "c ap traffic", serverFinishedHash),
      server: this.kdf.deriveSecret(this.secret, "s ap traffic", serverFinishedHash),
      exporter: this.kdf.deriveSecret(this.secret, "exp master", serverFinishedHash),
    };
  }

  /** resumption_master_secret, over ClientHello...client Finished. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.kdf.deriveSecret(this.secret, "res master", clientFinishedHash);
  }
}
