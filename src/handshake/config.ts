import type { CryptoProvider, GroupName, PrivateKey } from "../crypto/provider.js";
import { pureProvider } from "../crypto/pure.js";
import {
  type Certificate,
  type PeerIdentity,
  parseCertificate,
  parsePrivateKey,
  pemCertificates,
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
  /** Clock for certificate validity (default: the current time). */
  readonly now?: () => Date;
  /** Receives NSS key-log lines (SSLKEYLOGFILE format). Exposes secrets: debugging only. */
  readonly keyLog?: (line: string) => void;
  /** Largest handshake message accepted, in bytes (default 65536). */
  readonly maxHandshakeMessageSize?: number;
  readonly testHooks?: TestHooks;
}

export interface ClientConfig extends CommonConfig {
  /** The server's name: sent as SNI (unless an IP literal) and checked against its certificate. */
  readonly serverName?: string;
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
  readonly verifyPeer: PeerVerifier | null;
  readonly now: () => Date;
  readonly keyLog: ((line: string) => void) | null;
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

function loadCredentials(config: CommonConfig, provider: CryptoProvider): Credentials | null {
  if (!config.certificateChain) {
    if (config.privateKey || config.signer) throw new TypeError("a private key or signer was given without certificateChain");
    return null;
  }
  const chain = loadCertificates(config.certificateChain);
  if (chain.length === 0) throw new TypeError("certificateChain holds no certificate");
  const leaf = parseCertificate(chain[0]);
  if (config.signer) return { chain, leaf, signer: config.signer };
  if (!config.privateKey) throw new TypeError("certificateChain needs privateKey or signer");
  const key =
    typeof config.privateKey === "string" || config.privateKey instanceof Uint8Array
      ? parsePrivateKey(config.privateKey)
      : config.privateKey;
  if (!privateKeyMatchesCertificate(key, leaf)) {
    throw new TypeError(`privateKey does not match the certificate of ${leaf.subject.text}`);
  }
  const pssOnly = leaf.publicKey?.kind === "rsa" && leaf.publicKey.pssOnly;
  return { chain, leaf, signer: signerFromPrivateKey(key, provider, pssOnly) };
}

export function resolveConfig(config: CommonConfig): ResolvedConfig {
  const provider = config.provider ?? pureProvider;
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
    credentials: loadCredentials(config, provider),
    trustAnchors: config.trustAnchors ? loadCertificates(config.trustAnchors).map((der) => parseCertificate(der)) : [],
    verifyPeer: config.verifyPeer ?? null,
    now: config.now ?? (() => new Date()),
    keyLog: config.keyLog ?? null,
    maxHandshakeMessageSize: config.maxHandshakeMessageSize ?? 65536,
    testHooks: config.testHooks ?? {},
  };
}
