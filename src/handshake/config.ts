import type { CryptoProvider, GroupName, PrivateKey } from "../crypto/provider.js";
import { pureProvider } from "../crypto/pure.js";
import {
  type Certificate,
  type CertificateProfile,
  type CertificateRevocationList,
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
  GROUPS,
  SIGNATURE_SCHEMES,
  type SignatureScheme,
  type SignatureSchemeName,
} from "./constants.js";
import type { Extension } from "./extensions.js";
import { type Signer, signerFromPrivateKey } from "./signer.js";

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
}

interface CommonConfig {
  /** Crypto implementation; defaults to the pure provider (noble + in-house RSA). */
  readonly provider?: CryptoProvider;
  /** Cipher suites in preference order (default: all three, AES-128-GCM first). */
  readonly cipherSuites?: readonly CipherSuiteName[];
  /** Key exchange groups in preference order (default: x25519, secp256r1, secp384r1). */
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
  /** Clock for certificate validity (default: the current time). */
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
  readonly testHooks?: TestHooks;
}

export interface ClientConfig extends CommonConfig {
  /** The server's name: sent as SNI (unless an IP literal) and checked against its certificate. */
  readonly serverName?: string;
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
}

export interface ServerConfig extends CommonConfig {
  /** Whether to ask for a client certificate (default "none"). */
  readonly clientAuth?: ClientAuthMode;
  /** Send the trust anchors' names in CertificateRequest.certificate_authorities (default: when at most 16 anchors). */
  readonly advertiseCertificateAuthorities?: boolean;
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
  readonly authorizePeer: PeerAuthorizer | null;
  readonly onClientCertificateNotSent: ((reason: string) => void) | null;
  readonly verifyPeer: PeerVerifier | null;
  readonly now: () => Date;
  readonly keyLog: ((line: string) => void) | null;
  readonly onHandshakeMessage: ((direction: "sent" | "received", message: Uint8Array) => void) | null;
  readonly maxHandshakeMessageSize: number;
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
  const groups = pick(GROUPS, config.groups, "groups").map((g) => g.name);
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
    authorizePeer: config.authorizePeer ?? null,
    onClientCertificateNotSent: (config as ClientConfig).onClientCertificateNotSent ?? null,
    verifyPeer: config.verifyPeer ?? null,
    now: config.now ?? (() => new Date()),
    keyLog: config.keyLog ?? null,
    onHandshakeMessage: config.onHandshakeMessage ?? null,
    maxHandshakeMessageSize: config.maxHandshakeMessageSize ?? 65536,
    testHooks: config.testHooks ?? {},
  };
}
