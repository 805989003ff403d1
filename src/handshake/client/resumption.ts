import { TLSError } from "../../bytes/index.js";
import type { ClientConfig } from "../config.js";
import { deriveEarlyExporter } from "../resumption/early-exporter.js";
import { type CipherSuite, ExtensionType, HandshakeType, cipherSuiteByCode } from "../codec/constants.js";
import type { ResolvedConfig } from "../config.js";
import type { Extension } from "../codec/extensions.js";
import type { SuiteKdf } from "../key-schedule.js";
import type { HandshakeMessage } from "../codec/messages.js";
import { readNewSessionTicket } from "../codec/received-messages.js";
import type { Step } from "../handshake-io.js";
import { PostHandshake, type PostHandshakeInit } from "../post-handshake.js";
import { PskKeyExchangeMode, encodeOfferedPsks, encodePskModes } from "../codec/psk-extensions.js";
import { computeBinder, transcriptBeforeRetry, truncateClientHello } from "../resumption/psk.js";
import { type ExternalPsk, checkExternalPsk, pskIdentityBytes, pskIdentityText, pskModeCodes } from "../resumption/external-psk.js";
import { type ResumableSession, type SessionStore, sessionUsable } from "../resumption/session-store.js";
import { type VerifiedPeer, verifyPeerCertificates } from "../peer-verification.js";
import { acceptServerHelloPsk } from "./server-hello.js";

/** A PSK the client offers in its ClientHello (RFC 8446 §4.2.11): a ticket, or an external PSK. */
export interface OfferedSession {
  readonly identity: Uint8Array;
  readonly psk: Uint8Array;
  /** A suite we offer whose hash is the PSK's; the binder is computed with it. */
  readonly suite: CipherSuite;
  /** The ticket, or null for an external PSK (§4.2.11: "ext binder" instead of "res binder"). */
  readonly session: ResumableSession | null;
  /** The server as the original handshake proved it, re-checked against today's configuration (null for an external PSK). */
  readonly server: VerifiedPeer | null;
  /** §4.2.9 modes we allow with it. */
  readonly modes: readonly number[];
}

/** §4.2.11: an external PSK is offered with an obfuscated_ticket_age of 0 and its own hash (default SHA-256). */
export function externalPskOffer(config: ResolvedConfig, psk: ExternalPsk, modes: readonly number[]): OfferedSession {
  const hash = psk.hash ?? "SHA-256";
  const suite = config.cipherSuites.find((s) => s.hash === hash);
  if (!suite) throw new TypeError(`the external PSK uses ${hash}, but no configured cipher suite does`);
  return { identity: pskIdentityBytes(psk.identity), psk: psk.key, suite, session: null, server: null, modes };
}

/**
 * Takes a ticket for `serverName` from the store if one can still be used: within its lifetime,
 * for a cipher suite we still offer, and for a server whose certificates still pass our checks
 * (trust anchors, validity, revocation, authorization) so resumption never outlives a decision
 * a full handshake would now refuse.
 */
export function chooseSessionToOffer(config: ResolvedConfig, store: SessionStore | null, serverName: string | null): OfferedSession | null {
  if (store === null) return null;
  const key = serverName ?? "";
  const now = config.now().getTime();
  for (let attempts = 0; attempts < 16; attempts++) {
    const session = store.take(key);
    if (session === undefined) return null;
    const suite = cipherSuiteByCode(session.cipherSuite);
    if (!suite || !config.cipherSuites.includes(suite) || !sessionUsable(session, now) || session.serverCertificates.length === 0) continue;
    try {
      const server = verifyPeerCertificates(config, session.serverCertificates, "server", serverName);
      return { identity: session.ticket, psk: session.psk, suite, session, server, modes: [PskKeyExchangeMode.psk_dhe_ke] };
    } catch (e) {
      if (!(e instanceof TLSError)) throw e;
    }
  }
  return null;
}

/** §4.2.9 and §4.2.11: psk_key_exchange_modes, then pre_shared_key (which must come last) with a placeholder binder. */
export function pskExtensions(offer: OfferedSession, now: number): Extension[] {
  const { session, suite } = offer;
  // §4.2.11.1: obfuscated_ticket_age = (ticket age in ms + ticket_age_add) mod 2^32; 0 for external PSKs.
  const age = session ? (now - session.receivedAt + session.ticketAgeAdd) >>> 0 : 0;
  const binder = new Uint8Array(suite.hash === "SHA-384" ? 48 : 32);
  return [
    { type: ExtensionType.psk_key_exchange_modes, data: encodePskModes(offer.modes) },
    {
      type: ExtensionType.pre_shared_key,
      data: encodeOfferedPsks({ identities: [{ identity: offer.identity, obfuscatedTicketAge: age }], binders: [binder] }),
    },
  ];
}

/**
 * The ClientHello's PSK extensions (§4.2.9, §4.2.11): those of the PSK we offer, if any. With
 * nothing to offer, a client that keeps tickets still says it can resume with psk_dhe_ke, the mode
 * its ticket offers use: servers that follow §4.2.9 ("Servers SHOULD NOT send NewSessionTicket
 * with tickets that are not compatible with the advertised modes"), such as Go's crypto/tls and
 * BoringSSL, send no ticket to a client that advertised none.
 */
export function helloPskExtensions(offer: OfferedSession | null, keepsTickets: boolean, now: number): Extension[] | null {
  if (offer) return pskExtensions(offer, now);
  return keepsTickets ? [{ type: ExtensionType.psk_key_exchange_modes, data: encodePskModes([PskKeyExchangeMode.psk_dhe_ke]) }] : null;
}

/**
 * §4.2.11.2: writes the binder into the encoded ClientHello, in place. The binder covers the
 * ClientHello up to the binders list, after `messagesBefore` (the HelloRetryRequest exchange).
 */
export function fillBinder(
  config: ResolvedConfig,
  offer: OfferedSession,
  clientHello: Uint8Array,
  retry: { clientHello1: Uint8Array; helloRetryRequest: Uint8Array } | null,
): void {
  const p = config.provider;
  const binderLength = offer.suite.hash === "SHA-384" ? 48 : 32;
  const placeholder = [new Uint8Array(binderLength)];
  const prefix = retry ? transcriptBeforeRetry(p, offer.suite.hash, retry.clientHello1, retry.helloRetryRequest) : new Uint8Array(0);
  const binder = computeBinder(p, offer.suite, offer.psk, offer.session === null, prefix, truncateClientHello(clientHello, placeholder));
  clientHello.set(binder, clientHello.length - binderLength);
}

/**
 * §4.6.1: turns a NewSessionTicket into a stored session. The PSK comes from the
 * resumption_master_secret and the ticket's nonce; a lifetime of zero means "do not use".
 */
export function storeNewSessionTicket(
  config: ResolvedConfig,
  store: SessionStore | null,
  body: Uint8Array,
  context: {
    kdf: SuiteKdf;
    resumptionMasterSecret: Uint8Array;
    serverName: string | null;
    alpnProtocol: string | null;
    serverCertificates: readonly Uint8Array[];
  },
): void {
  const ticket = readNewSessionTicket(body);
  const maxEarlyData = ticket.extensions.maxEarlyDataSize ?? 0;
  if (store === null || ticket.ticketLifetime === 0) return;
  store.put({
    serverName: context.serverName ?? "",
    ticket: ticket.ticket,
    cipherSuite: context.kdf.suite.code,
    psk: context.kdf.resumptionPsk(context.resumptionMasterSecret, ticket.ticketNonce),
    ticketAgeAdd: ticket.ticketAgeAdd,
    lifetime: ticket.ticketLifetime,
    receivedAt: config.now().getTime(),
    maxEarlyData,
    alpnProtocol: context.alpnProtocol,
    serverCertificates: context.serverCertificates,
  });
}

/**
 * What a NewSessionTicket (§4.6.1) needs to become a stored session, and nothing more: the
 * post-handshake session holds this, never the handshake that produced it.
 */
export class SessionTickets {
  constructor(
    private readonly config: ResolvedConfig,
    private readonly store: SessionStore | null,
    private readonly context: {
      kdf: SuiteKdf;
      resumptionMasterSecret: Uint8Array;
      serverName: string | null;
      alpnProtocol: string | null;
      serverCertificates: readonly Uint8Array[];
    },
  ) {}

  /** §4.6.1: a NewSessionTicket becomes a stored session, with what the handshake proved about the server. */
  processNewSessionTicket(m: HandshakeMessage): void {
    storeNewSessionTicket(this.config, this.store, m.body, this.context);
  }
}

/**
 * The client's post-handshake session: NewSessionTickets (§4.6.1) go to the session store, every
 * other post-handshake message to PostHandshake as usual. `tickets` is null when the handshake
 * proved no server certificate (an external PSK alone; such tickets would carry none to re-check)
 * or there is no session store: PostHandshake then checks each ticket and keeps nothing.
 */
export class ClientSession extends PostHandshake {
  constructor(
    init: PostHandshakeInit,
    private readonly tickets: SessionTickets | null,
  ) {
    super(init);
  }

  override get step(): Step {
    const base = super.step;
    const tickets = this.tickets;
    return {
      name: base.name,
      expects: base.expects,
      handle: (m) => (m.type === HandshakeType.new_session_ticket && tickets !== null ? tickets.processNewSessionTicket(m) : base.handle(m)),
    };
  }
}

/**
 * The client's resumption module (RFC 8446 §2.2, §2.3, §4.2.11, §4.6.1): session tickets,
 * external PSKs and 0-RTT data. The `mutls` entry supplies it as `config.clientResumption`;
 * with `mutls/core`, a client that asks for none of them can leave it out and its bundle then
 * carries none of this code. Every member is internal; the object is passed as is.
 */
export interface ClientResumption {
  /** Checks `externalPsk` (TypeError) and returns the §4.2.9 mode codes of `pskKeyExchangeModes`. */
  readonly pskModes: (clientConfig: ClientConfig) => number[];
  readonly externalOffer: typeof externalPskOffer;
  readonly ticketOffer: typeof chooseSessionToOffer;
  readonly helloExtensions: typeof helloPskExtensions;
  readonly fillBinder: typeof fillBinder;
  readonly earlyExporter: typeof deriveEarlyExporter;
  readonly identityText: typeof pskIdentityText;
  readonly acceptPsk: typeof acceptServerHelloPsk;
  /** The post-handshake session, which keeps tickets in `store` (null: reads them and keeps none). */
  readonly session: (init: PostHandshakeInit, config: ResolvedConfig, store: SessionStore | null, context: TicketContext) => PostHandshake;
}

type TicketContext = ConstructorParameters<typeof SessionTickets>[2];

export const clientResumption: ClientResumption = {
  pskModes: (clientConfig) => {
    if (clientConfig.externalPsk) checkExternalPsk(clientConfig.externalPsk);
    return pskModeCodes(clientConfig.pskKeyExchangeModes);
  },
  externalOffer: externalPskOffer,
  ticketOffer: chooseSessionToOffer,
  helloExtensions: helloPskExtensions,
  fillBinder,
  earlyExporter: deriveEarlyExporter,
  identityText: pskIdentityText,
  acceptPsk: acceptServerHelloPsk,
  session: (init, config, store, context) => new ClientSession(init, store ? new SessionTickets(config, store, context) : null),
};
