import type { CryptoProvider, GroupName, PrivateKey } from "../crypto/provider.js";
import { pureProvider } from "../crypto/pure.js";
import { RSA_MAX_MODULUS_BITS, RSA_MIN_MODULUS_BITS } from "../crypto/rsa.js";
import { CertificateCache } from "./certificate-cache.js";
import {
  type Certificate,
  type CertificateProfile,
  type CertificateRevocationList,
  DEFAULT_VERIFICATION_COST,
  MIN_RSA_BITS,
  type PeerIdentity,
  type TrustAnchor,
  decodePem,
  parseCertificate,
  parseCertificateRevocationList,
  parsePrivateKey,
  pemCertificates,
  prepareTrustAnchors,
  privateKeyMatchesCertificate,
} from "../x509/index.js";
import {
  CIPHER_SUITES,
  type CipherSuite,
  type CipherSuiteName,
  DEFAULT_GROUPS,
  GROUPS,
  SIGNATURE_SCHEMES,
  type SignatureScheme,
  type SignatureSchemeName,
} from "./constants.js";
import type { Extension } from "./extensions.js";
import { type Signer, signerFromPrivateKey } from "./signer.js";
import type { SessionStore } from "./session-store.js";
import type { ExternalPsk, PskModeName } from "./external-psk.js";

export type ClientAuthMode = "none" | "request" | "require";

/** Context handed to a custom peer verifier. */
export interface PeerVerificationContext {
  /** Which role the peer plays. */
  readonly peerRole: "client" | "server";
  /** The name the client asked for (SNI), if any. */
  readonly serverName: string | null;
  readonly now: Date;
}

/**
 * Replaces certificate path validation (for pinning, or a private trust model). Receives the
 * peer's DER chain, leaf first; returns the identity to expose, or throws a TLSError to refuse.
 */
export type PeerVerifier = (chain: readonly Uint8Array[], context: PeerVerificationContext) => PeerIdentity;

/** What an authorization callback sees besides the identity. */
export interface PeerAuthorizationContext extends PeerVerificationContext {
  /** The peer's validated leaf certificate. */
  readonly leaf: Certificate;
}

/**
 * Decides whether a validated peer may proceed. Return true (or nothing) to allow; false or a
 * reason (a sentence) to refuse with access_denied. A thrown TLSError refuses with its own alert.
 */
export type PeerAuthorizer = (identity: PeerIdentity, context: PeerAuthorizationContext) => boolean | string | void;

/** One certificate chain and its key, for a client that holds several. */
export interface CertificateKeyPair {
  readonly certificateChain: string | readonly Uint8Array[];
  readonly privateKey?: string | Uint8Array | PrivateKey;
  readonly signer?: Signer;
}

/**
 * Hooks for replaying published traces (RFC 8448) byte for byte: they let a test add the
 * extensions the trace's peers sent. Not part of the stable API; never needed in production.
 */
export interface TestHooks {
  /** Rewrites the extension list of an outgoing ClientHello, EncryptedExtensions or CertificateRequest. */
  readonly extensions?: (message: "client_hello" | "encrypted_extensions" | "certificate_request", extensions: Extension[], retry: boolean) => Extension[];
  /** The cookie a server puts in its HelloRetryRequest (default: 32 random bytes). */
  readonly helloRetryCookie?: () => Uint8Array;
  /** Pins the `index`-th NewSessionTicket's age_add, nonce and (opaque) ticket, as a published trace has them. */
  readonly newSessionTicket?: (index: number) => { readonly ticketAgeAdd: number; readonly nonce: Uint8Array; readonly ticket: Uint8Array };
}

interface CommonConfig {
  /** Crypto implementation; defaults to the pure provider (noble + in-house RSA). */
  readonly provider?: CryptoProvider;
  /** Cipher suites in preference order (default: all three, AES-128-GCM first). */
  readonly cipherSuites?: readonly CipherSuiteName[];
  /**
   * Key exchange groups in preference order (default: x25519, secp256r1, secp384r1). Add
   * "X25519MLKEM768" (the hybrid post-quantum group of draft-ietf-tls-ecdhe-mlkem) to offer it.
   */
  readonly groups?: readonly GroupName[];
  /** Signature schemes accepted from the peer (default: all supported). */
  readonly signatureSchemes?: readonly SignatureSchemeName[];
  /** ALPN protocol names in preference order. */
  readonly alpnProtocols?: readonly string[];
  /** Our certificate chain, leaf first: PEM text or DER certificates. */
  readonly certificateChain?: string | readonly Uint8Array[];
  /** The leaf's private key: PEM, DER (PKCS#8, SEC1, PKCS#1) or a parsed key. */
  readonly privateKey?: string | Uint8Array | PrivateKey;
  /** Alternative to `privateKey`: an external, possibly asynchronous, signer. */
  readonly signer?: Signer;
  /** CAs the peer's certificate must chain to: PEM text (several certificates allowed) or DER. */
  readonly trustAnchors?: string | readonly Uint8Array[];
  /** Replaces path validation; see PeerVerifier. */
  readonly verifyPeer?: PeerVerifier;
  /** Authorizes the validated peer (for example `spiffePolicy({ allow: [...] })`); refusal is access_denied. */
  readonly authorizePeer?: PeerAuthorizer;
  /** Certificate revocation lists (PEM "X509 CRL" blocks or DER); a revoked certificate on the peer's path is refused. */
  readonly crls?: string | readonly Uint8Array[];
  /**
   * SHA-256 digests of SubjectPublicKeyInfo (32 bytes, or 64 hex digits, or base64). With
   * trustAnchors, some certificate of the peer's validated path must match one; without them,
   * the peer's leaf must (pinning without a CA).
   */
  readonly spkiPins?: readonly (string | Uint8Array)[];
  /** "rfc5280" (default) or "webpki" to also apply the CA/Browser Forum rules for public web certificates. */
  readonly certificateProfile?: CertificateProfile;
  /**
   * Smallest RSA modulus, in bits, accepted in the peer's CA-issued chain, leaf included
   * (default 2048, NIST SP 800-57 and CA/B BR §6.1.5; 1024 to 8192). A smaller key is
   * bad_certificate. A pinned certificate (a trust anchor itself) is trusted as configured.
   */
  readonly minRsaModulusBits?: number;
  /** Clock for certificate validity, ticket ages and the post-handshake allowances of `limits` (default: the current time). */
  readonly now?: () => Date;
  /** Receives NSS key-log lines (SSLKEYLOGFILE format). Exposes secrets: debugging only. */
  readonly keyLog?: (line: string) => void;
  /**
   * Observes each handshake message (type, 3-byte length, body) as it is sent or accepted, for
   * traces such as `mutls demo`'s. It sees handshake messages only, never keys.
   */
  readonly onHandshakeMessage?: (direction: "sent" | "received", message: Uint8Array) => void;
  /** Largest handshake message accepted, in bytes (default 65536). */
  readonly maxHandshakeMessageSize?: number;
  /** Resource limits against hostile peers; each has a safe default (see `Limits`, README "Limits"). */
  readonly limits?: Partial<Limits>;
  /**
   * Records sealed under one key before we send a KeyUpdate on our own (RFC 8446 §5.5). Default,
   * and upper bound: 2^24 for AES-GCM, 2^52 for ChaCha20-Poly1305.
   */
  readonly keyUpdateInterval?: number;
  /**
   * RFC 8449 record_size_limit: the largest record plaintext we accept (64 to 16384). Offered in
   * the ClientHello or answered in EncryptedExtensions; the connection's buffers shrink to fit.
   */
  readonly recordSizeLimit?: number;
  readonly testHooks?: TestHooks;
}

export interface ClientConfig extends CommonConfig {
  /**
   * The server's name: sent as SNI (unless an IP literal) and checked against its certificate's
   * subjectAltName (DNS name, or IP address for an IP literal). Required with trustAnchors,
   * unless `authorizePeer` or `verifyPeer` checks the server's identity, or
   * `checkServerIdentity: false` says not to: otherwise any certificate the anchors issued,
   * to any service, would be accepted.
   */
  readonly serverName?: string;
  /**
   * `false` accepts a server certificate that chains to the trust anchors whatever names it
   * carries, when no serverName is given (default true: a client with trustAnchors must give
   * serverName). For clients that trust a private CA issuing to one service only.
   */
  readonly checkServerIdentity?: boolean;
  /**
   * Consulted when the server's certificate has a wildcard name: a wildcard directly under a
   * domain this calls a public suffix ("*.co.uk", "*.github.io") matches nothing. mutls ships no
   * Public Suffix List (see README, "Server identity"); without this hook, wildcards still need
   * two labels after "*." ("*.com" never matches).
   */
  readonly isPublicSuffix?: (domain: string) => boolean;
  /**
   * Several client certificates (instead of certificateChain/privateKey): the first that fits the
   * server's CertificateRequest (signature_algorithms, certificate_authorities) is sent.
   */
  readonly certificates?: readonly CertificateKeyPair[];
  /** Told why no client certificate was sent when the server asked for one and none fits. */
  readonly onClientCertificateNotSent?: (reason: string) => void;
  /** Groups to send key shares for in the first ClientHello (default: the first of `groups`). */
  readonly keyShareGroups?: readonly GroupName[];
  /** RFC 8446 §D.4 middlebox compatibility mode (default true). */
  readonly middleboxCompat?: boolean;
  /**
   * Where tickets from the server are kept and taken from to resume (RFC 8446 §2.2), keyed by
   * serverName; `new MemorySessionStore()` is the bounded in-memory one. Without it the client
   * neither stores tickets nor resumes.
   */
  readonly sessionStore?: SessionStore;
  /**
   * An external PSK to offer (RFC 8446 §4.2.11). When the server accepts it the handshake needs
   * no certificates, so trustAnchors become optional; when it does not, the server's certificate
   * is verified as usual.
   */
  readonly externalPsk?: ExternalPsk;
  /** §4.2.9 modes offered with externalPsk (default ["psk_dhe_ke"]; "psk_ke" has no forward secrecy). */
  readonly pskKeyExchangeModes?: readonly PskModeName[];
  /**
   * 0-RTT data (RFC 8446 §2.3) sent with the ClientHello when resuming with a ticket that allows
   * it (up to its max_early_data_size). It may be replayed by an attacker: send only idempotent
   * requests. `result.earlyData` says whether the server accepted it; if "rejected", send it again.
   */
  readonly earlyData?: Uint8Array;
  /** Offer post_handshake_auth (RFC 8446 §4.2.6), so the server may ask for our certificate later. */
  readonly postHandshakeAuth?: boolean;
}

export interface ServerConfig extends CommonConfig {
  /** Whether to ask for a client certificate (default "none"). */
  readonly clientAuth?: ClientAuthMode;
  /** Send the trust anchors' names in CertificateRequest.certificate_authorities (default: when at most 16 anchors). */
  readonly advertiseCertificateAuthorities?: boolean;
  /** NewSessionTickets sent after each full or resumed handshake (RFC 8446 §4.6.1); default 0, no resumption. */
  readonly tickets?: number;
  /**
   * Seconds a ticket may be used (default 7200, at most 604800). Ticket keys rotate at this
   * period and the previous key is kept one more period, so every ticket lives its full lifetime.
   */
  readonly ticketLifetime?: number;
  /**
   * External PSKs by identity (RFC 8446 §4.2.11). A client that offers one of these identities
   * with a valid binder is authenticated by the key: no certificates are exchanged, and a server
   * with only PSKs needs no certificateChain.
   */
  readonly externalPsks?: readonly ExternalPsk[];
  /** §4.2.9 modes accepted with external PSKs, in preference order (default ["psk_dhe_ke"]). */
  readonly pskKeyExchangeModes?: readonly PskModeName[];
  /**
   * 0-RTT (RFC 8446 §2.3): the most early data accepted per connection (default 0: refused; at
   * most 65536). Tickets then advertise it. Each ticket is accepted for 0-RTT once (§8.1).
   */
  readonly maxEarlyData?: number;
}

export interface Credentials {
  readonly chain: readonly Uint8Array[];
  readonly leaf: Certificate;
  readonly signer: Signer;
  /**
   * DER names of the CAs this chain hangs from (each certificate's issuer, and the subjects of
   * the CA certificates in it), matched against a CertificateRequest's certificate_authorities.
   */
  readonly issuerNames: readonly Uint8Array[];
}

function issuerNamesOf(chain: readonly Uint8Array[], leaf: Certificate): Uint8Array[] {
  const rest = chain.slice(1).map((der) => parseCertificate(der));
  return [leaf.issuer.der, ...rest.flatMap((c) => [c.subject.der, c.issuer.der])];
}

export interface ResolvedConfig {
  readonly provider: CryptoProvider;
  readonly cipherSuites: readonly CipherSuite[];
  readonly groups: readonly GroupName[];
  /** Schemes we accept from the peer, in preference order. */
  readonly acceptedSchemes: readonly SignatureScheme[];
  readonly alpnProtocols: readonly string[];
  readonly credentials: Credentials | null;
  readonly trustAnchors: readonly Certificate[];
  /** The anchors with their precomputed verification tables (prepareTrustAnchors). */
  readonly preparedTrustAnchors: readonly TrustAnchor[];
  /** Every configured certificate/key pair, in preference order (credentials is the first). */
  readonly certificateChoices: readonly Credentials[];
  readonly crls: readonly CertificateRevocationList[];
  readonly spkiPins: readonly Uint8Array[];
  readonly certificateProfile: CertificateProfile;
  readonly minRsaModulusBits: number;
  /** Peer certificates parsed for connections made from this configuration (parsing only, never verdicts). */
  readonly peerCertificates: CertificateCache;
  readonly authorizePeer: PeerAuthorizer | null;
  readonly onClientCertificateNotSent: ((reason: string) => void) | null;
  readonly verifyPeer: PeerVerifier | null;
  /** ClientConfig.isPublicSuffix. */
  readonly isPublicSuffix: ((domain: string) => boolean) | null;
  readonly now: () => Date;
  readonly keyLog: ((line: string) => void) | null;
  readonly onHandshakeMessage: ((direction: "sent" | "received", message: Uint8Array) => void) | null;
  readonly maxHandshakeMessageSize: number;
  readonly limits: Limits;
  readonly keyUpdateInterval: number | undefined;
  readonly recordSizeLimit: number | null;
  readonly testHooks: TestHooks;
}

function pick<T extends { name: string }>(all: readonly T[], names: readonly string[] | undefined, what: string): T[] {
  if (!names) return [...all];
  if (names.length === 0) throw new TypeError(`${what} must not be empty`);
  return names.map((n) => {
    const found = all.find((x) => x.name === n);
    if (!found) throw new TypeError(`unsupported ${what.replace(/s$/, "")} "${n}"; supported: ${all.map((x) => x.name).join(", ")}`);
    return found;
  });
}

function loadCertificates(input: string | readonly Uint8Array[]): Uint8Array[] {
  return typeof input === "string" ? pemCertificates(input) : [...input];
}

function loadCredentials(config: CertificateKeyPair | CommonConfig, provider: CryptoProvider): Credentials | null {
  if (!config.certificateChain) {
    if (config.privateKey || config.signer) throw new TypeError("a private key or signer was given without certificateChain");
    return null;
  }
  const chain = loadCertificates(config.certificateChain);
  if (chain.length === 0) throw new TypeError("certificateChain holds no certificate");
  const leaf = parseCertificate(chain[0]);
  if (config.signer) return { chain, leaf, signer: config.signer, issuerNames: issuerNamesOf(chain, leaf) };
  if (!config.privateKey) throw new TypeError("certificateChain needs privateKey or signer");
  const key =
    typeof config.privateKey === "string" || config.privateKey instanceof Uint8Array
      ? parsePrivateKey(config.privateKey)
      : config.privateKey;
  if (!privateKeyMatchesCertificate(key, leaf)) {
    throw new TypeError(`privateKey does not match the certificate of ${leaf.subject.text}`);
  }
  const pssOnly = leaf.publicKey?.kind === "rsa" && leaf.publicKey.pssOnly;
  return { chain, leaf, signer: signerFromPrivateKey(key, provider, pssOnly), issuerNames: issuerNamesOf(chain, leaf) };
}

function loadCertificateChoices(config: CommonConfig & { certificates?: readonly CertificateKeyPair[] }, provider: CryptoProvider): Credentials[] {
  const single = loadCredentials(config, provider);
  if (config.certificates === undefined) return single === null ? [] : [single];
  if (single !== null) throw new TypeError("give either certificateChain/privateKey or certificates, not both");
  return config.certificates.map((pair, i) => {
    if (!pair.certificateChain) throw new TypeError(`certificates[${i}] has no certificateChain`);
    return loadCredentials(pair, provider)!;
  });
}

/** A pin as 32 bytes, from bytes, 64 hex digits or base64 (as `openssl ... | base64` prints it). */
function decodeSpkiPin(pin: string | Uint8Array): Uint8Array {
  if (pin instanceof Uint8Array) {
    if (pin.length !== 32) throw new TypeError("an SPKI pin is a 32-byte SHA-256 digest");
    return pin;
  }
  const text = pin.trim().replace(/^sha256\//, "");
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));
  const block = decodePem(`-----BEGIN PIN-----\n${text}\n-----END PIN-----`)[0]?.der;
  if (block === undefined || block.length !== 32) throw new TypeError(`SPKI pin "${pin}" is not a SHA-256 digest in hex or base64`);
  return block;
}

function loadCrls(input: string | readonly Uint8Array[] | undefined): CertificateRevocationList[] {
  if (input === undefined) return [];
  const ders = typeof input === "string" ? decodePem(input).filter((b) => b.label === "X509 CRL").map((b) => b.der) : [...input];
  return ders.map((der) => parseCertificateRevocationList(der));
}

/**
 * Resolved configurations, by the config object they came from. Parsing PEM, checking that a key
 * matches its certificate and precomputing trust-anchor tables cost more than the handshake's own
 * signatures, so, like rustls's `Arc<ServerConfig>` or a Node SecureContext, a config object is read
 * once, the first time a connection uses it, and treated as immutable afterwards: to change settings,
 * pass a new object.
 */
const resolvedConfigs = new WeakMap<CommonConfig, ResolvedConfig>();

export function resolveConfig(config: CommonConfig): ResolvedConfig {
  let resolved = resolvedConfigs.get(config);
  if (resolved === undefined) {
    resolved = resolveConfigNow(config);
    resolvedConfigs.set(config, resolved);
  }
  return resolved;
}

function resolveConfigNow(config: CommonConfig): ResolvedConfig {
  const provider = config.provider ?? pureProvider;
  const certificateChoices = loadCertificateChoices(config, provider);
  const trustAnchors = config.trustAnchors ? loadCertificates(config.trustAnchors).map((der) => parseCertificate(der)) : [];
  const groups = pick(GROUPS, config.groups ?? DEFAULT_GROUPS, "groups").map((g) => g.name);
  for (const p of config.alpnProtocols ?? []) {
    if (p.length === 0 || p.length > 255) throw new TypeError(`ALPN protocol "${p}" must be 1 to 255 bytes`);
  }
  return {
    provider,
    cipherSuites: pick(CIPHER_SUITES, config.cipherSuites, "cipherSuites"),
    groups,
    acceptedSchemes: pick(SIGNATURE_SCHEMES, config.signatureSchemes, "signatureSchemes"),
    alpnProtocols: config.alpnProtocols ?? [],
    credentials: certificateChoices[0] ?? null,
    certificateChoices,
    trustAnchors,
    preparedTrustAnchors: prepareTrustAnchors(trustAnchors, provider),
    crls: loadCrls(config.crls),
    spkiPins: (config.spkiPins ?? []).map(decodeSpkiPin),
    certificateProfile: config.certificateProfile ?? "rfc5280",
    minRsaModulusBits: checkMinRsaModulusBits(config.minRsaModulusBits),
    peerCertificates: new CertificateCache(),
    authorizePeer: config.authorizePeer ?? null,
    onClientCertificateNotSent: (config as ClientConfig).onClientCertificateNotSent ?? null,
    verifyPeer: config.verifyPeer ?? null,
    isPublicSuffix: (config as ClientConfig).isPublicSuffix ?? null,
    now: config.now ?? (() => new Date()),
    keyLog: config.keyLog ?? null,
    onHandshakeMessage: config.onHandshakeMessage ?? null,
    maxHandshakeMessageSize: config.limits?.maxHandshakeMessageSize ?? config.maxHandshakeMessageSize ?? DEFAULT_LIMITS.maxHandshakeMessageSize,
    limits: resolveLimits(config),
    keyUpdateInterval: checkKeyUpdateInterval(config.keyUpdateInterval),
    recordSizeLimit: checkRecordSizeLimit(config.recordSizeLimit),
    testHooks: config.testHooks ?? {},
  };
}

function checkKeyUpdateInterval(records: number | undefined): number | undefined {
  // At least one application record between KeyUpdates (each KeyUpdate is itself a record).
  if (records !== undefined && (!Number.isInteger(records) || records < 2)) {
    throw new TypeError("keyUpdateInterval must be a whole number of records, at least 2");
  }
  return records;
}

function checkMinRsaModulusBits(bits: number | undefined): number {
  if (bits === undefined) return MIN_RSA_BITS;
  // Below 1024 or above 8192 bits no provider verifies at all (src/crypto/rsa.ts).
  if (!Number.isInteger(bits) || bits < RSA_MIN_MODULUS_BITS || bits > RSA_MAX_MODULUS_BITS) {
    throw new TypeError(`minRsaModulusBits must be a whole number from ${RSA_MIN_MODULUS_BITS} to ${RSA_MAX_MODULUS_BITS}`);
  }
  return bits;
}

/** RFC 8449 §4: a TLS 1.3 endpoint's limit is 64 to 2^14 + 1 (content type included); we count plaintext, 64 to 2^14. */
function checkRecordSizeLimit(limit: number | undefined): number | null {
  if (limit === undefined) return null;
  if (!Number.isInteger(limit) || limit < 64 || limit > 16384) throw new TypeError("recordSizeLimit must be a whole number from 64 to 16384");
  return limit;
}

/**
 * What one peer may make this connection hold or do (issue 7). A limit that trips ends the
 * connection with the alert given here and a message naming the limit and its value.
 */
export interface Limits {
  /**
   * Largest handshake message we hold, certificate chains included (illegal_parameter: the message
   * may be well-formed, but we will not hold it). Default 65536. A message longer than its own
   * structure allows (a Finished over 48 bytes, a KeyUpdate over 1) is decode_error whatever this is.
   */
  readonly maxHandshakeMessageSize: number;
  /** Most certificates in the peer's Certificate message (bad_certificate). Default 10. */
  readonly maxCertificateChainLength: number;
  /**
   * Most extensions in one extension block: a handshake message or a certificate entry
   * (illegal_parameter). Default 16383, as many as an extensions<..2^16-1> block can hold, so no
   * well-formed message is refused: a ClientHello full of unknown extensions must be answered
   * (RFC 8446 §4.2, §9.3), and the work is linear in the message size (bounded by
   * maxHandshakeMessageSize). Browsers send 15 to 25.
   */
  readonly maxExtensions: number;
  /** Most received application data held unread, in bytes (internal_error: read() more often). Default 16 MiB. */
  readonly maxBufferedPlaintext: number;
  /**
   * Most records received before the handshake completes (unexpected_message). Default 2048:
   * room for a largest handshake message cut into RFC 8449's smallest (64-byte) records.
   */
  readonly maxRecordsBeforeHandshake: number;
  /** Most empty records (no content, or a dropped change_cipher_spec) in a row (unexpected_message). Default 32. */
  readonly maxEmptyRecords: number;
  /** Most warning alerts (user_canceled) in a row (unexpected_message). Default 5. */
  readonly maxWarningAlerts: number;
  // ---- Post-handshake floods (issue 11 §3). Each kind of message the peer may send after the
  // handshake on its own, and that costs us a derivation or a signature, draws on an allowance: it
  // starts full, earns one message back per `bytesPerPostHandshakeMessage` bytes of application
  // data received and per `msPerPostHandshakeMessage` ms of the configured clock (`now`), and
  // never holds more than its maximum. A message over the allowance is unexpected_message.
  /**
   * KeyUpdates the peer may send at once (unexpected_message). Default 32, as BoringSSL's
   * kMaxKeyUpdates. The answers to our own update_requested do not count.
   */
  readonly maxKeyUpdates: number;
  /** Client: NewSessionTickets the server may send at once (unexpected_message). Default 32. */
  readonly maxNewSessionTickets: number;
  /**
   * Received application data, in bytes, that earns the peer one more KeyUpdate and (client) one
   * more NewSessionTicket. Default 131072 (128 KiB).
   */
  readonly bytesPerPostHandshakeMessage: number;
  /** Milliseconds that earn the peer one more KeyUpdate and NewSessionTicket. Default 1000. */
  readonly msPerPostHandshakeMessage: number;
  /**
   * Client: post-handshake CertificateRequests (§4.6.2) the server may send at once; each costs
   * us a signature (unexpected_message). Default 4. Earned back by time only.
   */
  readonly maxCertificateRequests: number;
  /** Client: milliseconds that earn the server one more post-handshake CertificateRequest. Default 60000. */
  readonly msPerCertificateRequest: number;
  // ---- end of post-handshake floods
  /** Most signature checks one certificate path validation may spend (bad_certificate). Default 64. */
  readonly maxSignatureChecks: number;
  /** Most partial certification paths one validation may explore (bad_certificate). Default 256. */
  readonly maxPathCandidates: number;
  /**
   * Most work one handshake (or one post-handshake authentication) may spend on the peer's
   * certificates before it has authenticated: parsing (1 unit per KiB), partial paths (0.05
   * each), certificate and CertificateVerify signatures (1 per ECDSA P-256, 3 per P-384, 1 per
   * Ed25519, RSA by modulus size squared and exponent length, 1 for 8192 bits and e = 2^32 - 1),
   * in units of one ECDSA P-256 verification (bad_certificate). Default 64.
   */
  readonly maxVerificationCost: number;
}

/** RFC 8446 §4.2: an extensions<..2^16-1> block of empty extensions (4 bytes each) holds at most this many. */
export const MAX_EXTENSIONS_PER_BLOCK = Math.floor(65535 / 4);

export const DEFAULT_LIMITS: Limits = {
  maxHandshakeMessageSize: 65536,
  maxCertificateChainLength: 10,
  maxExtensions: MAX_EXTENSIONS_PER_BLOCK,
  maxBufferedPlaintext: 16 * 1024 * 1024,
  maxRecordsBeforeHandshake: 2048,
  maxEmptyRecords: 32,
  maxWarningAlerts: 5,
  maxKeyUpdates: 32,
  maxNewSessionTickets: 32,
  bytesPerPostHandshakeMessage: 128 * 1024,
  msPerPostHandshakeMessage: 1000,
  maxCertificateRequests: 4,
  msPerCertificateRequest: 60_000,
  maxSignatureChecks: 64,
  maxPathCandidates: 256,
  maxVerificationCost: DEFAULT_VERIFICATION_COST,
};

function resolveLimits(config: CommonConfig): Limits {
  const given = config.limits ?? {};
  for (const [name, value] of Object.entries(given)) {
    if (!(name in DEFAULT_LIMITS)) throw new TypeError(`unknown limit "${name}"; known: ${Object.keys(DEFAULT_LIMITS).join(", ")}`);
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new TypeError(`limits.${name} must be a positive whole number`);
  }
  return {
    ...DEFAULT_LIMITS,
    ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)),
    maxHandshakeMessageSize: given.maxHandshakeMessageSize ?? config.maxHandshakeMessageSize ?? DEFAULT_LIMITS.maxHandshakeMessageSize,
  };
}
