/**
 * The client's handshake states (RFC 8446 §A.1), one type each, holding only what is valid in it.
 * A transition in handshake.ts takes one state and the message it expects and returns the next:
 * a Finished can only be checked by an ExpectFinished, which exists only once the server has
 * authenticated (by certificate or by PSK), and the handshake traffic secrets exist only from the
 * ServerHello on, as a HandshakeSecret stage of the key schedule.
 */
import type { AsyncKeyShare, GroupName } from "../../crypto/provider.js";
import type { CipherSuite, SignatureScheme } from "../codec/constants.js";
import type { EarlyExporter } from "../resumption/early-exporter.js";
import type { HandshakeSecret } from "../key-schedule.js";
import type { ReceivedCertificateRequest } from "../codec/received-messages.js";
import type { CertificateAsked, EarlyCertificateVerify } from "../peer-certificate.js";
import type { VerifiedPeer } from "../peer-verification.js";
import type { Transcript } from "../transcript.js";
import type { OfferedSession } from "./resumption.js";
import type { ClientHelloSent, HelloRetry } from "./server-hello.js";

/** A HelloRetryRequest (§4.1.4) and what it asked for; the second ClientHello's binder covers it. */
export interface Retried {
  readonly request: HelloRetry;
  readonly helloRetryRequest: Uint8Array;
}

/** §4.1.2 sent, waiting for the ServerHello or a HelloRetryRequest. */
export class ExpectServerHello {
  readonly name = "ExpectServerHello";
  constructor(
    readonly transcript: Transcript,
    readonly random: Uint8Array,
    readonly sent: ClientHelloSent,
    readonly keyShares: readonly AsyncKeyShare[],
    /** The PSK offered (§4.2.11), if any. */
    readonly offer: OfferedSession | null,
    readonly clientHello1: Uint8Array,
    /** §2.3: 0-RTT data goes with the first ClientHello; a HelloRetryRequest rejects it. */
    readonly earlyData: "none" | "sent" | "rejected",
    /** §7.5: the early exporter both ends can derive from the first ClientHello, if any. */
    readonly earlyExporter: EarlyExporter | null,
    readonly retried: Retried | null,
  ) {}
}

/** What the ServerHello fixed (§4.1.3, §7.1), carried to the end of the handshake. */
export interface Negotiated {
  readonly transcript: Transcript;
  readonly random: Uint8Array;
  readonly offeredExtensions: ReadonlySet<number>;
  readonly suite: CipherSuite;
  /** null for psk_ke (§4.2.9). */
  readonly group: GroupName | null;
  readonly helloRetry: boolean;
  /** The PSK the server selected, or null in a full handshake. */
  readonly psk: OfferedSession | null;
  readonly keys: HandshakeSecret;
  readonly clientHandshakeSecret: Uint8Array;
  readonly serverHandshakeSecret: Uint8Array;
  /** §4.5: while 0-RTT data is in flight our handshake write key waits until after the server's Finished. */
  readonly writeKeyDeferred: boolean;
}

/** What EncryptedExtensions fixed (§4.3.1). */
export interface ServerParameters {
  readonly alpnProtocol: string | null;
  readonly earlyData: "none" | "accepted" | "rejected";
}

/** How the server authenticated: its verified chain (from Certificate or the resumed ticket) and CertificateVerify scheme. */
export interface ServerAuthenticated {
  /** null: an external PSK alone authenticated it. */
  readonly peer: VerifiedPeer | null;
  /** null when no CertificateVerify was sent (a PSK handshake). */
  readonly scheme: SignatureScheme | null;
}

/** §4.3.1 */
export class ExpectEncryptedExtensions {
  readonly name = "ExpectEncryptedExtensions";
  constructor(
    readonly hs: Negotiated,
    /** RFC 8773: the server combined our external PSK with certificates. */
    readonly certificatesWithPsk: boolean,
    /** 0-RTT data went with the first ClientHello: unless EncryptedExtensions accepts it, it was rejected. */
    readonly earlyDataSent: boolean,
  ) {}
}

/** §4.3.2 or §4.4.2: a full handshake (or RFC 8773) goes on with a CertificateRequest or the server's Certificate. */
export class ExpectCertificateOrCertificateRequest {
  readonly name = "ExpectCertificateOrCertificateRequest";
  constructor(
    readonly hs: Negotiated,
    readonly params: ServerParameters,
  ) {}
}

/** §4.4.2 after a CertificateRequest. */
export class ExpectCertificate {
  readonly name = "ExpectCertificate";
  constructor(
    readonly hs: Negotiated,
    readonly params: ServerParameters,
    readonly request: ReceivedCertificateRequest,
  ) {}
}

/** §4.4.3: the server's chain is verified; its CertificateVerify must prove it holds the key. */
export class ExpectCertificateVerify {
  readonly name = "ExpectCertificateVerify";
  constructor(
    readonly hs: Negotiated,
    readonly params: ServerParameters,
    readonly request: ReceivedCertificateRequest | null,
    readonly asked: CertificateAsked,
    readonly server: VerifiedPeer,
    /** Its verification, started while the chain was checked (peer-certificate.ts), if it was. */
    readonly early: EarlyCertificateVerify | null = null,
  ) {}
}

/** §4.4.4: the server has authenticated; its Finished closes its flight. */
export class ExpectFinished {
  readonly name = "ExpectFinished";
  constructor(
    readonly hs: Negotiated,
    readonly params: ServerParameters,
    readonly request: ReceivedCertificateRequest | null,
    readonly server: ServerAuthenticated,
  ) {}
}
