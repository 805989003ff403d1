import { UsageError, missingModule } from "../bytes/index.js";
import type { CryptoProvider, GroupName } from "../crypto/provider.js";
import { missingProvider } from "../crypto/compose.js";
import { RSA_MAX_MODULUS_BITS, RSA_MIN_MODULUS_BITS } from "../crypto/rsa.js";
import { CertificateCache } from "./config/certificate-cache.js";
import {
  type Certificate,
  type CertificateProfile,
  type CertificateRevocationList,
  type CrlChecking,
  type NameConstraintChecking,
  type PrivateKeyReading,
  type WebPkiProfile,
  MIN_RSA_BITS,
  type TrustAnchor,
  parseCertificateWith,
  type TrustAnchorPrecomputation,
  type AsyncChainVerification,
} from "../x509/index.js";
import { CIPHER_SUITES, type CipherSuite, DEFAULT_GROUPS, GROUPS, SIGNATURE_SCHEMES, type SignatureScheme } from "./codec/constants.js";
import { type Credentials, loadCertificateChoices, loadCertificates } from "./config/credentials.js";
import type { CredentialHooks } from "./credential-hooks.js";
import type { SignAhead } from "./client/certificate.js";
import type { PostHandshakeAuthModule } from "./post-handshake-auth.js";
import { DEFAULT_LIMITS, type Limits, resolveLimits } from "./config/limits.js";
import { type TestHooks, testHooksOf } from "./config/test-hooks.js";
import { decodeSpkiPin, loadCrls } from "./config/trust.js";
import type {
  ClientCertificateSelector,
  ClientConfig,
  CommonConfig,
  MemoryProfile,
  PeerAuthorizer,
  PeerVerifier,
  ServerCertificateSelector,
  ServerConfig,
} from "./config/types.js";

/*
 * A configuration resolved: options checked, PEM parsed, keys matched to certificates, trust
 * anchors prepared. The pieces live in ./config/ (public types, credentials, pins and CRLs,
 * limits, test hooks); the engine imports what it needs from here.
 */

export type {
  ClientAuthMode,
  PeerVerificationContext,
  PeerVerifier,
  PeerAuthorizationContext,
  PeerAuthorizer,
  CertificateKeyPair,
  CommonConfig,
  ClientConfig,
  ServerConfig,
  ClientHelloInfo,
  ServerCertificateSelector,
  CertificateRequestInfo,
  ClientCertificateSelector,
  MemoryProfile,
} from "./config/types.js";
export type { Credentials } from "./config/credentials.js";
export { DEFAULT_LIMITS, MAX_EXTENSIONS_PER_BLOCK, type Limits } from "./config/limits.js";
export type { TestHooks } from "./config/test-hooks.js";

export interface ResolvedConfig {
  readonly provider: CryptoProvider;
  readonly cipherSuites: readonly CipherSuite[];
  readonly groups: readonly GroupName[];
  /** Schemes we accept from the peer, in preference order. */
  readonly acceptedSchemes: readonly SignatureScheme[];
  readonly alpnProtocols: readonly string[];
  readonly credentials: Credentials | null;
  readonly trustAnchors: readonly Certificate[];
  /** The anchors with their precomputed verification tables (config.trustAnchorPrecomputation), or without (verifier null). */
  readonly preparedTrustAnchors: readonly TrustAnchor[];
  /** Every configured certificate/key pair, in preference order (credentials is the first). */
  readonly certificateChoices: readonly Credentials[];
  readonly crls: readonly CertificateRevocationList[];
  /** config.crlChecking; null when the entry point supplied none (mutls/core without CRLs). */
  readonly crlChecking: CrlChecking | null;
  /** config.nameConstraintChecking; null when the entry point supplied none (then paths with name constraints are refused). */
  readonly nameConstraintChecking: NameConstraintChecking | null;
  /** config.privateKeyReading; null when the entry point supplied none (then keys are given parsed, or as signers). */
  readonly privateKeyReading: PrivateKeyReading | null;
  /** config.credentialHooks; never null when selectCertificate or selectClientCertificate is set. */
  readonly credentialHooks: CredentialHooks | null;
  /** config.postHandshakeAuthentication; null when the entry point supplied none (then a client offers no post_handshake_auth). */
  readonly postHandshakeAuthentication: PostHandshakeAuthModule | null;
  readonly spkiPins: readonly Uint8Array[];
  readonly certificateProfile: CertificateProfile;
  /** config.asyncChainVerification; null when the entry point supplied none (then chains are verified synchronously). */
  readonly asyncChainVerification: (AsyncChainVerification & { readonly signAhead?: SignAhead }) | null;
  /** config.webPkiProfile; never null when certificateProfile is "webpki". */
  readonly webPkiProfile: WebPkiProfile | null;
  readonly minRsaModulusBits: number;
  /** Peer certificates parsed for connections made from this configuration (parsing only, never verdicts). */
  readonly peerCertificates: CertificateCache;
  readonly authorizePeer: PeerAuthorizer | null;
  readonly onClientCertificateNotSent: ((reason: string) => void) | null;
  /** ServerConfig.selectCertificate (credential-hooks.ts). */
  readonly selectCertificate: ServerCertificateSelector | null;
  /** ClientConfig.selectClientCertificate (credential-hooks.ts). */
  readonly selectClientCertificate: ClientCertificateSelector | null;
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
  readonly memoryProfile: MemoryProfile;
  readonly testHooks: TestHooks;
}

function pick<T extends { name: string }>(all: readonly T[], names: readonly string[] | undefined, what: string): T[] {
  if (!names) return [...all];
  if (names.length === 0) throw new UsageError(`${what} must not be empty`);
  return names.map((n) => {
    const found = all.find((x) => x.name === n);
    if (!found) throw new UsageError(`unsupported ${what.replace(/s$/, "")} "${n}"; supported: ${all.map((x) => x.name).join(", ")}`);
    return found;
  });
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
  // The default provider is the entry point's choice (src/default-provider.ts), never the engine's.
  const provider = config.provider ?? missingProvider;
  const memoryProfile = checkMemoryProfile(config.memoryProfile);
  const lowMemory = memoryProfile === "low";
  if (lowMemory) provider.dropPrecomputedTables?.();
  const certificateChoices = loadCertificateChoices(config, provider);
  // Anchors and peer certificates are read with the name-constraint module's parser, if any.
  const readNameConstraints = config.nameConstraintChecking?.parse ?? null;
  const trustAnchors = config.trustAnchors ? loadCertificates(config.trustAnchors).map((der) => parseCertificateWith(der, readNameConstraints)) : [];
  const groups = pick(GROUPS, config.groups ?? DEFAULT_GROUPS, "groups").map((g) => g.name);
  for (const p of config.alpnProtocols ?? []) {
    if (p.length === 0 || p.length > 255) throw new UsageError(`ALPN protocol "${p}" must be 1 to 255 bytes`);
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
    preparedTrustAnchors: prepareAnchors(trustAnchors, provider, lowMemory ? null : (config.trustAnchorPrecomputation ?? null)),
    crls: loadCrls(config.crls, config.crlChecking ?? null),
    crlChecking: config.crlChecking ?? null,
    nameConstraintChecking: config.nameConstraintChecking ?? null,
    privateKeyReading: config.privateKeyReading ?? null,
    credentialHooks: checkCredentialHooks(config),
    postHandshakeAuthentication: config.postHandshakeAuthentication ?? null,
    spkiPins: (config.spkiPins ?? []).map(decodeSpkiPin),
    certificateProfile: config.certificateProfile ?? "rfc5280",
    webPkiProfile: checkWebPkiProfile(config),
    asyncChainVerification: config.asyncChainVerification ?? null,
    minRsaModulusBits: checkMinRsaModulusBits(config.minRsaModulusBits),
    peerCertificates: new CertificateCache(lowMemory ? 0 : undefined, readNameConstraints),
    authorizePeer: config.authorizePeer ?? null,
    onClientCertificateNotSent: (config as ClientConfig).onClientCertificateNotSent ?? null,
    selectCertificate: (config as ServerConfig).selectCertificate ?? null,
    selectClientCertificate: checkClientCertificateHook(config as ClientConfig),
    verifyPeer: config.verifyPeer ?? null,
    isPublicSuffix: (config as ClientConfig).isPublicSuffix ?? null,
    now: config.now ?? (() => new Date()),
    keyLog: config.keyLog ?? null,
    onHandshakeMessage: config.onHandshakeMessage ?? null,
    maxHandshakeMessageSize: config.limits?.maxHandshakeMessageSize ?? config.maxHandshakeMessageSize ?? DEFAULT_LIMITS.maxHandshakeMessageSize,
    limits: resolveLimits(config),
    keyUpdateInterval: checkKeyUpdateInterval(config.keyUpdateInterval),
    recordSizeLimit: checkRecordSizeLimit(config.recordSizeLimit),
    memoryProfile,
    testHooks: testHooksOf(config),
  };
}

/** The anchors with precomputed tables when the configuration carries the module (and the low-memory profile is off), else as they are. */
function prepareAnchors(anchors: readonly Certificate[], provider: CryptoProvider, precomputation: TrustAnchorPrecomputation | null): TrustAnchor[] {
  if (precomputation === null) return anchors.map((certificate) => ({ certificate, verifier: null }));
  return precomputation.prepare(anchors, provider);
}

/** The webpki profile's module, required with that profile. */
function checkWebPkiProfile(config: CommonConfig): WebPkiProfile | null {
  const rules = config.webPkiProfile ?? null;
  if (config.certificateProfile === "webpki" && rules === null) {
    throw missingModule('certificateProfile "webpki"', "webPkiProfile");
  }
  return rules;
}

/** The credential hooks' module, required with either hook (a `mutls/core` configuration may leave both out). */
function checkCredentialHooks(config: CommonConfig): CredentialHooks | null {
  const hooks = config.credentialHooks ?? null;
  const hook = (config as ServerConfig).selectCertificate !== undefined ? "selectCertificate" : (config as ClientConfig).selectClientCertificate !== undefined ? "selectClientCertificate" : null;
  if (hook !== null && hooks === null) {
    throw missingModule(hook, "credentialHooks");
  }
  return hooks;
}

/** The client's hook decides alone which certificate answers a request: configured ones beside it would never be used. */
function checkClientCertificateHook(config: ClientConfig): ClientCertificateSelector | null {
  const hook = config.selectClientCertificate ?? null;
  if (hook !== null && (config.certificateChain !== undefined || config.certificates !== undefined)) {
    throw new UsageError("give either selectClientCertificate or certificateChain/certificates, not both");
  }
  return hook;
}

function checkMemoryProfile(profile: MemoryProfile | undefined): MemoryProfile {
  if (profile === undefined) return "default";
  if (profile !== "default" && profile !== "low") throw new UsageError(`memoryProfile must be "default" or "low", not ${JSON.stringify(profile)}`);
  return profile;
}

function checkKeyUpdateInterval(records: number | undefined): number | undefined {
  // At least one application record between KeyUpdates (each KeyUpdate is itself a record).
  if (records !== undefined && (!Number.isInteger(records) || records < 2)) {
    throw new UsageError("keyUpdateInterval must be a whole number of records, at least 2");
  }
  return records;
}

function checkMinRsaModulusBits(bits: number | undefined): number {
  if (bits === undefined) return MIN_RSA_BITS;
  // Below 1024 or above 8192 bits no provider verifies at all (src/crypto/rsa.ts).
  if (!Number.isInteger(bits) || bits < RSA_MIN_MODULUS_BITS || bits > RSA_MAX_MODULUS_BITS) {
    throw new UsageError(`minRsaModulusBits must be a whole number from ${RSA_MIN_MODULUS_BITS} to ${RSA_MAX_MODULUS_BITS}`);
  }
  return bits;
}

/** RFC 8449 §4: a TLS 1.3 endpoint's limit is 64 to 2^14 + 1 (content type included); we count plaintext, 64 to 2^14. */
function checkRecordSizeLimit(limit: number | undefined): number | null {
  if (limit === undefined) return null;
  if (!Number.isInteger(limit) || limit < 64 || limit > 16384) throw new UsageError("recordSizeLimit must be a whole number from 64 to 16384");
  return limit;
}

