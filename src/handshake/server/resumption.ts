import { TLSError, Writer, bytesEqual, constantTimeEqual, fail } from "../../bytes/index.js";
import type { HashName } from "../../crypto/provider.js";
import { maxEarlyDataOf } from "./early-data.js";
import { encodeEarlyDataIndication } from "../codec/psk-extensions.js";
import { pskIdentityBytes, pskIdentityText, pskModeCodes } from "../resumption/external-psk.js";
import { type CipherSuite, ExtensionType, HandshakeType, cipherSuiteByCode } from "../codec/constants.js";
import type { ResolvedConfig, ServerConfig } from "../config.js";
import type { Extension } from "../codec/extensions.js";
import type { SuiteKdf } from "../key-schedule.js";
import { encodeHandshake } from "../codec/messages.js";
import { type VerifiedPeer, verifyPeerCertificates } from "../peer-verification.js";
import { type OfferedPsks, PskKeyExchangeMode } from "../codec/psk-extensions.js";
import { computeBinder, transcriptBeforeRetry, truncateClientHello } from "../resumption/psk.js";
import type { ClientHelloExtensions } from "../codec/received-messages.js";
import { type TicketState, decodeTicketState, encodeTicketState, ticketKeyringFor } from "../resumption/tickets.js";

/** §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds." */
const MAX_TICKET_LIFETIME = 604800;
const DEFAULT_TICKET_LIFETIME = 7200;

export function ticketLifetimeOf(serverConfig: ServerConfig): number {
  const lifetime = serverConfig.ticketLifetime ?? DEFAULT_TICKET_LIFETIME;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_TICKET_LIFETIME) {
    throw new TypeError(`ticketLifetime must be 1 to ${MAX_TICKET_LIFETIME} seconds, not ${lifetime}`);
  }
  return lifetime;
}

export function ticketCountOf(serverConfig: ServerConfig): number {
  const tickets = serverConfig.tickets ?? 0;
  if (!Number.isInteger(tickets) || tickets < 0 || tickets > 16) throw new TypeError(`tickets must be 0 to 16, not ${tickets}`);
  return tickets;
}

/** The hash of the first offered external PSK this server knows (§4.2.11), to pick a suite that can use it. */
export function externalPskHash(serverConfig: ServerConfig, offered: OfferedPsks | undefined): HashName | null {
  if (offered === undefined || !serverConfig.externalPsks?.length) return null;
  for (const { identity } of offered.identities) {
    const known = serverConfig.externalPsks.find((p) => bytesEqual(pskIdentityBytes(p.identity), identity));
    if (known) return known.hash ?? "SHA-256";
  }
  return null;
}

/** A PSK the server accepted (§4.2.11): its index, the key, the mode, and what it proves. */
export interface AcceptedResumption {
  readonly selectedIdentity: number;
  /** The identity as offered: the ticket, or the external PSK's name. */
  readonly identity: Uint8Array;
  readonly psk: Uint8Array;
  /** §4.2.9 PskKeyExchangeMode chosen. */
  readonly mode: number;
  /** The ticket's sealed state; null for an external PSK. */
  readonly state: TicketState | null;
  /** The external PSK's identity as text; null for a ticket. */
  readonly externalIdentity: string | null;
  /** RFC 8773: an external PSK combined with certificates; the certificate flight still follows. */
  readonly withCertificates: boolean;
  readonly client: VerifiedPeer | null;
  /** The client's view of the ticket's age minus ours, in ms (for the 0-RTT freshness check, §8.3). */
  readonly ageSkew: number;
}

export interface ResumptionContext {
  readonly config: ResolvedConfig;
  readonly serverConfig: ServerConfig;
  readonly suite: CipherSuite;
  readonly serverName: string | null;
  readonly clientAuth: "none" | "request" | "require";
  /** The ClientHello as received (its raw bytes), and the HelloRetryRequest exchange before it, if any. */
  readonly clientHello: Uint8Array;
  readonly retry: { clientHello1: Uint8Array; helloRetryRequest: Uint8Array } | null;
}

/**
 * §4.2.11: picks the first offered ticket this server can resume, or null for a full handshake.
 * A ticket is usable when a current ticket key opens it, its hash matches the chosen suite, it
 * is within its lifetime, it was issued for the same server name, and the client certificates
 * it remembers still pass validation and authorization. The binder of the chosen ticket must
 * verify, or the handshake fails (§4.2.11: "the server MUST validate the binder value").
 */
export function selectResumption(ctx: ResumptionContext, extensions: ClientHelloExtensions): AcceptedResumption | null {
  const psks = extensions.preSharedKey;
  if (psks === undefined) return null;
  const clientModes = extensions.pskKeyExchangeModes;
  // §4.2.9: a client that offers pre_shared_key must say which key exchange modes it allows.
  if (clientModes === undefined) fail("missing_extension", "the ClientHello offers pre_shared_key without psk_key_exchange_modes");
  const prefix = (): Uint8Array =>
    ctx.retry ? transcriptBeforeRetry(ctx.config.provider, ctx.suite.hash, ctx.retry.clientHello1, ctx.retry.helloRetryRequest) : new Uint8Array(0);
  const checkBinder = (i: number, psk: Uint8Array, external: boolean): void => {
    const expected = computeBinder(ctx.config.provider, ctx.suite, psk, external, prefix(), truncateClientHello(ctx.clientHello, psks.binders));
    if (!constantTimeEqual(psks.binders[i], expected))
      fail("decrypt_error", "the PSK binder is wrong: the ClientHello was altered or the client does not hold the key");
  };

  // External PSKs first: a device that names its key means it.
  const externalModes = pskModeCodes(ctx.serverConfig.pskKeyExchangeModes);
  const plainMode = externalModes.find((m) => clientModes.includes(m));
  // RFC 8773: the client's tls_cert_with_extern_psk.
  const certificatesAsked = extensions.certificatesWithExternalPsk;
  for (let i = 0; i < psks.identities.length; i++) {
    const identity = psks.identities[i].identity;
    const known = (ctx.serverConfig.externalPsks ?? []).find((p) => bytesEqual(pskIdentityBytes(p.identity), identity));
    if (!known || (known.hash ?? "SHA-256") !== ctx.suite.hash) continue;
    // RFC 8773: a PSK configured withCertificates is used only in that combination, which needs
    // the client's tls_cert_with_extern_psk and psk_dhe_ke; otherwise it is passed over, as if unknown.
    const withCertificates = known.withCertificates === true;
    const mode = withCertificates
      ? certificatesAsked && clientModes.includes(PskKeyExchangeMode.psk_dhe_ke)
        ? PskKeyExchangeMode.psk_dhe_ke
        : undefined
      : plainMode;
    if (mode === undefined) continue;
    checkBinder(i, known.key, true);
    return {
      selectedIdentity: i,
      identity,
      psk: known.key,
      mode,
      state: null,
      externalIdentity: pskIdentityText(identity),
      withCertificates,
      client: null,
      ageSkew: 0,
    };
  }

  if (!clientModes.includes(PskKeyExchangeMode.psk_dhe_ke) || ticketCountOf(ctx.serverConfig) === 0) return null;
  const now = ctx.config.now().getTime();
  const ring = ticketKeyringFor(ctx.serverConfig, ctx.config.provider, ticketLifetimeOf(ctx.serverConfig) * 1000);
  for (let i = 0; i < psks.identities.length; i++) {
    const sealed = ring.open(psks.identities[i].identity, now);
    const state = sealed === null ? null : decodeTicketState(sealed);
    if (state === null) continue;
    if (!sameHash(state.cipherSuite, ctx.suite) || state.serverName !== ctx.serverName) continue;
    const serverAge = now - state.issuedAt;
    if (serverAge < 0 || serverAge >= state.lifetime * 1000) continue;
    const client = reverifyClient(ctx, state);
    if (client === undefined) continue;

    checkBinder(i, state.psk, false);
    const clientAge = (psks.identities[i].obfuscatedTicketAge - state.ticketAgeAdd) >>> 0;
    return {
      selectedIdentity: i,
      identity: psks.identities[i].identity,
      psk: state.psk,
      mode: PskKeyExchangeMode.psk_dhe_ke,
      state,
      externalIdentity: null,
      withCertificates: false,
      client,
      ageSkew: clientAge - serverAge,
    };
  }
  return null;
}

/** §4.2.11: a PSK belongs to the hash of the suite that made it and may be used with any suite of that hash. */
function sameHash(code: number, suite: CipherSuite): boolean {
  return cipherSuiteByCode(code)?.hash === suite.hash;
}

/** The client as the original handshake proved it, re-checked now; undefined when it no longer passes or is now required. */
function reverifyClient(ctx: ResumptionContext, state: TicketState): VerifiedPeer | null | undefined {
  if (state.peerCertificates.length === 0) return ctx.clientAuth === "require" ? undefined : null;
  if (ctx.clientAuth === "none") return null;
  try {
    return verifyPeerCertificates(ctx.config, state.peerCertificates, "client", ctx.serverName);
  } catch (e) {
    if (e instanceof TLSError) return undefined;
    throw e;
  }
}

/** §4.6.1: ticket_age_add is "a securely generated, random 32-bit value". */
function randomU32(config: ResolvedConfig): number {
  const b = config.provider.randomBytes(4);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** §4.6.1 NewSessionTicket. */
function encodeNewSessionTicket(lifetime: number, ageAdd: number, nonce: Uint8Array, ticket: Uint8Array, extensions: readonly Extension[]): Uint8Array {
  const w = new Writer(ticket.length + 32);
  w.u32(lifetime)
    .u32(ageAdd)
    .vector8((w) => w.bytes(nonce))
    .vector16((w) => w.bytes(ticket));
  w.vector16((w) => extensions.forEach((e) => w.u16(e.type).vector16((w) => w.bytes(e.data))));
  return encodeHandshake(HandshakeType.new_session_ticket, w.finish());
}

/**
 * §4.6.1: after the client's Finished, sends `tickets` NewSessionTickets. Each carries a distinct
 * nonce, so each yields a distinct PSK, sealed with the connection's outcome into the ticket.
 */
export function newSessionTickets(
  config: ResolvedConfig,
  serverConfig: ServerConfig,
  kdf: SuiteKdf,
  resumptionMasterSecret: Uint8Array,
  outcome: { serverName: string | null; alpnProtocol: string | null; peerCertificates: readonly Uint8Array[] },
): Uint8Array[] {
  const count = ticketCountOf(serverConfig);
  if (count === 0) return [];
  const lifetime = ticketLifetimeOf(serverConfig);
  const ring = ticketKeyringFor(serverConfig, config.provider, lifetime * 1000);
  const now = config.now().getTime();
  const messages: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const pinned = config.testHooks.newSessionTicket?.(i);
    const nonce = pinned?.nonce ?? new Uint8Array([i]);
    const ticketAgeAdd = pinned?.ticketAgeAdd ?? randomU32(config);
    const state: TicketState = {
      cipherSuite: kdf.suite.code,
      issuedAt: now,
      ticketAgeAdd,
      lifetime,
      maxEarlyData: maxEarlyDataOf(serverConfig),
      psk: kdf.resumptionPsk(resumptionMasterSecret, nonce),
      ...outcome,
    };
    // §4.2.10: a ticket that allows 0-RTT says how much in its early_data extension.
    const extensions = state.maxEarlyData > 0 ? [{ type: ExtensionType.early_data, data: encodeEarlyDataIndication(state.maxEarlyData) }] : [];
    const ticket = pinned?.ticket ?? ring.seal(encodeTicketState(state), now);
    messages.push(encodeNewSessionTicket(lifetime, ticketAgeAdd, nonce, ticket, extensions));
  }
  return messages;
}
