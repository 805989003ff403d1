/**
 * The server's handshake states (RFC 8446 §2, §4; the diagram of §A.2), one type per state, each
 * holding only what is valid there: a secret exists only from the step that derives it, and the
 * client's Finished can be processed only by ExpectFinished, which the client's Certificate and
 * CertificateVerify (when asked for) have led to. handshake.ts moves from one to the next; a
 * transition consumes the old state and returns the new one.
 */
import type { SignatureScheme } from "../codec/constants.js";
import type { MasterSecret } from "../key-schedule.js";
import type { ReceivedClientHello } from "../codec/received-messages.js";
import type { CertificateAsked, EarlyCertificateVerify } from "../peer-certificate.js";
import type { VerifiedPeer } from "../peer-verification.js";
import type { PostHandshake } from "../post-handshake.js";
import type { HelloRetryChoice, Negotiated } from "./negotiation.js";
import type { AcceptedResumption } from "./resumption.js";

/** §4.1.2: nothing received yet. */
export class ExpectClientHello {
  readonly name = "ExpectClientHello";
}

/** §4.1.4: we sent a HelloRetryRequest; the second ClientHello must keep what it fixed. */
export class ExpectSecondClientHello {
  readonly name = "ExpectSecondClientHello";
  constructor(
    readonly firstHello: ReceivedClientHello,
    readonly helloRetry: HelloRetryChoice,
    /** The first ClientHello and our HelloRetryRequest as sent: PSK binders cover them (§4.2.11.2). */
    readonly clientHello1: Uint8Array,
    readonly helloRetryRequest: Uint8Array,
    /** §D.4: the dummy change_cipher_spec went out after the HelloRetryRequest. */
    readonly changeCipherSpecSent: boolean,
  ) {}
}

/** What the ClientHello settled and ServerHello announced (§4.1.3): fixed for the rest of the handshake. */
export interface Agreement {
  readonly negotiated: Negotiated;
  /** ClientHello.random, which names the connection in key-log lines. */
  readonly clientRandom: Uint8Array;
  readonly helloRetry: boolean;
  /** The PSK accepted from the ClientHello (§4.2.11), if this handshake resumes or uses an external PSK. */
  readonly resumption: AcceptedResumption | null;
  /** §4.2.10: we accepted the client's 0-RTT data. */
  readonly earlyDataAccepted: boolean;
  /** §4.2.6: the client offered post_handshake_auth. */
  readonly clientOffersPostHandshakeAuth: boolean;
  /** §4.2.9: the client's psk_key_exchange_modes allow psk_dhe_ke, the only mode our tickets resume with. */
  readonly clientTakesTickets: boolean;
}

/** The keys once our Finished is sent (§7.1): what checks the client's Finished, and what follows it. */
export interface ServerFinishedSent {
  readonly agreement: Agreement;
  readonly master: MasterSecret;
  readonly clientHandshakeSecret: Uint8Array;
  readonly clientApplicationSecret: Uint8Array;
  readonly serverApplicationSecret: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

/**
 * A step waits on an answer that comes later: our signer (§4.4.3), the certificate hook, or the
 * provider's key exchange or signature verification (issue 13). No message of the client's is
 * expected until the step has finished; the connection holds its input meanwhile.
 */
export class Waiting {
  readonly name = "Waiting";
}

/** §4.5: 0-RTT data was accepted; the client ends it with EndOfEarlyData, then uses its handshake key. */
export class ExpectEndOfEarlyData {
  readonly name = "ExpectEndOfEarlyData";
  constructor(
    readonly sent: ServerFinishedSent,
    readonly next: ExpectCertificate | ExpectFinished,
  ) {}
}

/** §4.4.2: we sent a CertificateRequest; the client answers it first. */
export class ExpectCertificate {
  readonly name = "ExpectCertificate";
  constructor(
    readonly sent: ServerFinishedSent,
    readonly asked: CertificateAsked,
  ) {}
}

/** §4.4.3: the client sent a certificate, which it must now prove it holds the key of. */
export class ExpectCertificateVerify {
  readonly name = "ExpectCertificateVerify";
  constructor(
    readonly sent: ServerFinishedSent,
    readonly asked: CertificateAsked,
    readonly client: VerifiedPeer,
    /** Its verification, started while the chain was checked (peer-certificate.ts), if it was. */
    readonly early: EarlyCertificateVerify | null = null,
  ) {}
}

/**
 * §4.4.4: the client's Finished. `client` is who it proved to be: by CertificateVerify, by the
 * resumed session (§2.2), or no one.
 */
export class ExpectFinished {
  readonly name = "ExpectFinished";
  constructor(
    readonly sent: ServerFinishedSent,
    readonly client: VerifiedPeer | null,
    readonly clientScheme: SignatureScheme | null,
  ) {}
}

/** §4.6: the handshake is over; the post-handshake messages are the session's. */
export class Connected {
  readonly name = "Connected";
  constructor(readonly session: PostHandshake) {}
}

export type ServerState =
  ExpectClientHello | ExpectSecondClientHello | Waiting | ExpectEndOfEarlyData | ExpectCertificate | ExpectCertificateVerify | ExpectFinished | Connected;
