import type { CryptoProvider, GroupName, PrivateKey } from "../../crypto/provider.js";
import type {
  Certificate,
  CertificateProfile,
  CrlChecking,
  NameConstraintChecking,
  PeerIdentity,
  PrivateKeyReading,
  TrustAnchorPrecomputation,
  WebPkiProfile,
  AsyncChainVerification,
} from "../../x509/index.js";
import type { CipherSuiteName, SignatureSchemeName } from "../codec/constants.js";
import type { ExternalPsk, PskModeName } from "../resumption/external-psk.js";
import type { SessionStore } from "../resumption/session-store.js";
import type { ClientResumption } from "../client/resumption.js";
import type { SignAhead } from "../client/certificate.js";
import type { Signer } from "../signer.js";
import type { CredentialHooks } from "../credential-hooks.js";
import type { PostHandshakeAuthModule } from "../post-handshake-auth.js";
import type { Limits } from "./limits.js";

/*
 * The configuration a program writes: every option of a client and a server, documented where it
 * is declared. resolveConfig (../config.ts) checks and loads it once per config object.
 */

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
 * What a server's certificate hook learns from the ClientHello (RFC 8446 §4.1.2), to choose the
 * chain it answers with, as Go's GetCertificate and rustls's ResolvesServerCert do.
 */
export interface ClientHelloInfo {
  /** The name the client asked for (SNI, RFC 6066 §3), or null when it sent none. */
  readonly serverName: string | null;
  /** The client's signature_algorithms (§4.2.3) that mutls supports, in the client's order. */
  readonly signatureSchemes: readonly SignatureSchemeName[];
  /** The ALPN protocols the client offered (RFC 7301), in its order; empty when it offered none. */
  readonly alpnProtocols: readonly string[];
}

/**
 * Server: chooses the certificate chain and key for one handshake (ServerConfig.selectCertificate).
 * Returns a pair, null to fall back to the configured certificateChain (or to fail with
 * handshake_failure when there is none), or a Promise of either; the handshake waits for it.
 */
export type ServerCertificateSelector = (hello: ClientHelloInfo) => CertificateKeyPair | null | Promise<CertificateKeyPair | null>;

/** What a client's certificate hook learns from the server's CertificateRequest (RFC 8446 §4.3.2). */
export interface CertificateRequestInfo {
  /**
   * certificate_authorities (§4.2.4): the DER distinguished names of the CAs whose certificates the
   * server accepts, in its order; empty when it named none (then any chain may do).
   */
  readonly certificateAuthorities: readonly Uint8Array[];
  /** The same names as text ("CN=mutls test CA, O=mutls"), for logs and simple matching; "" for a name that does not parse. */
  readonly certificateAuthorityNames: readonly string[];
  /** The request's signature_algorithms (§4.2.3) that mutls supports, in the server's order. */
  readonly signatureSchemes: readonly SignatureSchemeName[];
  /** ClientConfig.serverName, the server we are talking to (null when not given). */
  readonly serverName: string | null;
}

/**
 * Client: chooses the certificate chain and key that answer a CertificateRequest, during the
 * handshake or after it (ClientConfig.selectClientCertificate). Returns a pair, null to send no
 * certificate, or a Promise of either; the handshake waits for it.
 */
export type ClientCertificateSelector = (request: CertificateRequestInfo) => CertificateKeyPair | null | Promise<CertificateKeyPair | null>;

export interface CommonConfig {
  /**
   * Crypto implementation. The `mutls` entry defaults it to the pure provider (noble + in-house
   * RSA); `mutls/core` has no default and requires it.
   */
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
  /**
   * The module that reads a `privateKey` given as PEM or DER (`privateKeyReading`), here and in
   * `certificates` and the credential hooks' answers. The `mutls` entry supplies it; with
   * `mutls/core`, pass it when a key is PEM or DER, so that a bundle whose keys are given parsed
   * (`{ kind: "ec", curve: "P-256", d }`) or as a signer does not carry its code. A PEM or DER key
   * without it is a UsageError.
   */
  readonly privateKeyReading?: PrivateKeyReading;
  /**
   * The module behind `selectCertificate` (server) and `selectClientCertificate` (client)
   * (`credentialHooks`). The `mutls` entry supplies it; with `mutls/core`, pass it when you give a
   * hook, so that a bundle without hooks does not carry their code. A hook without it is a UsageError.
   */
  readonly credentialHooks?: CredentialHooks;
  /**
   * The module behind post-handshake authentication (RFC 8446 §4.6.2, `postHandshakeAuthentication`):
   * a client's `postHandshakeAuth`, a server's `requestClientCertificate()`. The `mutls` entry
   * supplies it; with `mutls/core`, pass it to use either, so that a bundle without them does not
   * carry its code. `postHandshakeAuth` without it is a UsageError, and so is the server's call.
   */
  readonly postHandshakeAuthentication?: PostHandshakeAuthModule;
  /** CAs the peer's certificate must chain to: PEM text (several certificates allowed) or DER. */
  readonly trustAnchors?: string | readonly Uint8Array[];
  /**
   * The module that precomputes a table per EC trust anchor for faster chain checks
   * (`trustAnchorPrecomputation`). The `mutls` entry supplies it; with `mutls/core`, pass it for
   * speed: without it the same chains are accepted and refused, verified without the tables.
   */
  readonly trustAnchorPrecomputation?: TrustAnchorPrecomputation;
  /**
   * The module that verifies the peer's chain on an asynchronous provider's `verify`
   * (`asyncChainVerification`: with `webCryptoProvider`, on `crypto.subtle`). The `mutls` entry
   * supplies it; with `mutls/core`, pass it with an asynchronous provider for speed: without it
   * the provider's synchronous `verify` checks the chain, with the same verdicts. The `mutls/core`
   * export of the same name also signs a client's CertificateVerify beside those verifications
   * (`signAhead`).
   */
  readonly asyncChainVerification?: AsyncChainVerification & { readonly signAhead?: SignAhead };
  /** Replaces path validation; see PeerVerifier. */
  readonly verifyPeer?: PeerVerifier;
  /** Authorizes the validated peer (for example `spiffePolicy({ allow: [...] })`); refusal is access_denied. */
  readonly authorizePeer?: PeerAuthorizer;
  /** Certificate revocation lists (PEM "X509 CRL" blocks or DER); a revoked certificate on the peer's path is refused. */
  readonly crls?: string | readonly Uint8Array[];
  /**
   * The module that reads `crls` and checks paths against them (`crlChecking`). The `mutls` entry
   * supplies it; with `mutls/core`, pass it when you give `crls`, so that a bundle without CRLs does
   * not carry their code. `crls` without it is a UsageError.
   */
  readonly crlChecking?: CrlChecking;
  /**
   * The module that checks name constraints (RFC 5280 §4.2.1.10) on the peer's path
   * (`nameConstraintChecking`). The `mutls` entry supplies it; with `mutls/core`, leave it out only
   * if your CAs carry no name constraints: without it a path on which a CA or trust anchor
   * constrains names is refused (unsupported_certificate), never accepted unchecked.
   */
  readonly nameConstraintChecking?: NameConstraintChecking;
  /**
   * SHA-256 digests of SubjectPublicKeyInfo (32 bytes, or 64 hex digits, or base64). With
   * trustAnchors, some certificate of the peer's validated path must match one; without them,
   * the peer's leaf must (pinning without a CA).
   */
  readonly spkiPins?: readonly (string | Uint8Array)[];
  /** "rfc5280" (default) or "webpki" to also apply the CA/Browser Forum rules for public web certificates. */
  readonly certificateProfile?: CertificateProfile;
  /**
   * The module with the "webpki" profile's rules (`webPkiProfile`). The `mutls` entry supplies it;
   * with `mutls/core`, pass it with `certificateProfile: "webpki"`, which without it is a UsageError.
   */
  readonly webPkiProfile?: WebPkiProfile;
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
  /** Resource limits against hostile peers; each has a safe default (see `Limits`, docs/guide.md "Limits"). */
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
  /**
   * "low" for devices (docs/devices.md): no table of curve multiples is kept (process-wide:
   * noble's base-point tables are per curve), trust anchors get no precomputed verification
   * tables, peer certificates are parsed every time instead of cached, and the shared pool keeps
   * few free record buffers. Handshakes are slower; established connections are the same.
   * Default "default".
   */
  readonly memoryProfile?: MemoryProfile;
}

/** How much a configuration trades memory for speed (CommonConfig.memoryProfile). */
export type MemoryProfile = "default" | "low";

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
   * Public Suffix List (see docs/guide.md, "Server identity"); without this hook, wildcards still need
   * two labels after "*." ("*.com" never matches).
   */
  readonly isPublicSuffix?: (domain: string) => boolean;
  /**
   * Several client certificates (instead of certificateChain/privateKey): the first that fits the
   * server's CertificateRequest (signature_algorithms, certificate_authorities) is sent.
   */
  readonly certificates?: readonly CertificateKeyPair[];
  /**
   * Chooses the client certificate per CertificateRequest, from the CAs the server names and the
   * schemes it accepts (see ClientCertificateSelector). Replaces certificateChain and
   * certificates: give one or the other. Return the same pair object for the same chain: each
   * new object is parsed and checked once, the first time it is returned.
   */
  readonly selectClientCertificate?: ClientCertificateSelector;
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
   * it (up to its max_early_data_size) and whose ALPN protocol is among `alpnProtocols` (§4.2.10).
   * It may be replayed by an attacker: send only idempotent requests. `result.earlyData` says
   * whether the server accepted it; if "rejected", send it again if `result.alpnProtocol` is the
   * one it was written for (§4.2.10 forbids resending it under another).
   */
  readonly earlyData?: Uint8Array;
  /**
   * The module behind `sessionStore`, `externalPsk`, `pskKeyExchangeModes` and `earlyData`
   * (`clientResumption`). The `mutls` entry supplies it; with `mutls/core`, pass it when you use
   * any of them, so that a bundle without resumption does not carry its code. Any of them
   * without it is a UsageError.
   */
  readonly clientResumption?: ClientResumption;
  /** Offer post_handshake_auth (RFC 8446 §4.2.6), so the server may ask for our certificate later. */
  readonly postHandshakeAuth?: boolean;
}

export interface ServerConfig extends CommonConfig {
  /**
   * Chooses the certificate per handshake, from the client's SNI and signature schemes (see
   * ServerCertificateSelector); null falls back to certificateChain. It is not called for a
   * handshake a PSK authenticates alone (resumption). Return the same pair object for the same
   * chain: each new object is parsed and checked once, the first time it is returned.
   */
  readonly selectCertificate?: ServerCertificateSelector;
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
