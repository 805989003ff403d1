import { bytesToAscii, UsageError } from "../bytes/index.js";
import type { ClientConfig, PeerVerifier, ServerConfig } from "../handshake/config.js";
import { parseCertificate, pemCertificates, type PeerIdentity } from "../x509/index.js";
import type { ScheduleTimeout } from "./timer.js";

/** PEM text, or bytes holding PEM text or one DER object. */
export type PemOrDer = string | Uint8Array;

/** Options both roles share; the names follow Node's `tls` where they mean the same thing. */
export interface SecureTransportOptions {
  /** CAs the peer's certificate must chain to (PEM, DER, or a list). mutls has no built-in roots. */
  readonly ca?: PemOrDer | readonly PemOrDer[];
  /** Our certificate chain, leaf first (PEM with several blocks, DER, or a list). */
  readonly cert?: PemOrDer | readonly PemOrDer[];
  /** The private key of `cert` (PEM or DER: PKCS#8, SEC1, PKCS#1). */
  readonly key?: PemOrDer;
  /** ALPN protocols in preference order. */
  readonly ALPNProtocols?: readonly string[];
  /**
   * Refuse a peer certificate that does not chain to `ca` (default true). `false` accepts any
   * certificate, still checking that the peer holds its key: only for debugging.
   */
  readonly rejectUnauthorized?: boolean;
  /**
   * Give up a handshake that has not completed after this many milliseconds (default 30000).
   * Uses `scheduleTimeout`, else `globalThis.setTimeout`; in a runtime with neither, no timeout applies.
   */
  readonly handshakeTimeoutMs?: number;
  /** How long `close()` waits for the peer's close_notify (default 5000 ms), with the same timer. */
  readonly closeTimeoutMs?: number;
  /** A timer for runtimes without `setTimeout`, or for tests. */
  readonly scheduleTimeout?: ScheduleTimeout;
}

export interface ConnectOptions extends SecureTransportOptions {
  /**
   * The server's name: sent as SNI and checked against its certificate (Node's `servername`).
   * Required with `ca` (see ClientConfig.serverName); connectTcp defaults it to `host`, as Node does.
   */
  readonly servername?: string;
  /** Engine settings passed through; the options above take precedence where both are given. */
  readonly config?: ClientConfig;
}

export interface AcceptOptions extends SecureTransportOptions {
  /** Ask the client for a certificate (default false, as in Node). With `rejectUnauthorized` it is required. */
  readonly requestCert?: boolean;
  /** Engine settings passed through; the options above take precedence where both are given. */
  readonly config?: ServerConfig;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

function isPemBytes(bytes: Uint8Array): boolean {
  // "-----BEGIN", possibly after whitespace.
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x2d && bytes[i + 1] === 0x2d && bytes[i + 2] === 0x2d;
}

/** Any accepted certificate input as DER certificates, in order. */
function certificateList(input: PemOrDer | readonly PemOrDer[]): Uint8Array[] {
  const items: readonly PemOrDer[] = typeof input === "string" || input instanceof Uint8Array ? [input] : input;
  const out: Uint8Array[] = [];
  for (const item of items) {
    if (typeof item === "string") out.push(...pemCertificates(item));
    else if (isPemBytes(item)) out.push(...pemCertificates(bytesToAscii(item)));
    else out.push(item);
  }
  return out;
}

function privateKeyInput(key: PemOrDer): string | Uint8Array {
  return typeof key !== "string" && isPemBytes(key) ? bytesToAscii(key) : key;
}

/**
 * The identity a certificate claims, without checking it: what `rejectUnauthorized: false` reports.
 * The handshake still proves the peer holds the certificate's key (CertificateVerify).
 */
const acceptUnverified: PeerVerifier = (chain): PeerIdentity => {
  const leaf = parseCertificate(chain[0]);
  const san = leaf.subjectAltName;
  return {
    subject: leaf.subject.text,
    dnsNames: san?.dns ?? [],
    ipAddresses: san?.ip ?? [],
    uris: san?.uri ?? [],
    emails: san?.email ?? [],
  };
};

function commonConfig(options: SecureTransportOptions): ClientConfig & ServerConfig {
  const config: { -readonly [K in keyof (ClientConfig & ServerConfig)]?: (ClientConfig & ServerConfig)[K] } = {};
  if (options.ca !== undefined) config.trustAnchors = certificateList(options.ca);
  if (options.cert !== undefined) config.certificateChain = certificateList(options.cert);
  if (options.key !== undefined) config.privateKey = privateKeyInput(options.key);
  if (options.ALPNProtocols !== undefined) config.alpnProtocols = options.ALPNProtocols;
  if (options.rejectUnauthorized === false) config.verifyPeer = acceptUnverified;
  return config;
}

function requireTrust(config: ClientConfig | ServerConfig, who: string): void {
  const anchors = config.trustAnchors;
  const none = anchors === undefined || (typeof anchors !== "string" && anchors.length === 0);
  if (none && !config.verifyPeer) {
    throw new UsageError(`${who} needs \`ca\` (there is no built-in root store), or rejectUnauthorized: false`);
  }
}

/**
 * Engine configs already derived, by options object: the engine resolves a config object once
 * (PEM parsing, key checks, trust-anchor tables), so handing it the same object for every
 * connection made with the same options keeps that cost out of each handshake. Options objects
 * are therefore read once, on first use, like the engine's own configs.
 */
const derivedConfigs = new WeakMap<object, ClientConfig | ServerConfig>();

function derived<O extends object, C extends ClientConfig | ServerConfig>(options: O, derive: (options: O) => C): C {
  let config = derivedConfigs.get(options) as C | undefined;
  if (config === undefined) {
    config = derive(options);
    derivedConfigs.set(options, config);
  }
  return config;
}

/** ConnectOptions as the engine's ClientConfig. Throws TypeError for options that cannot work. */
export function clientConfigFrom(options: ConnectOptions): ClientConfig {
  return derived(options, deriveClientConfig);
}

/** AcceptOptions as the engine's ServerConfig: requestCert + rejectUnauthorized become clientAuth. */
export function serverConfigFrom(options: AcceptOptions): ServerConfig {
  return derived(options, deriveServerConfig);
}

function deriveClientConfig(options: ConnectOptions): ClientConfig {
  const config: ClientConfig = { ...options.config, ...commonConfig(options) };
  const withName = options.servername !== undefined ? { ...config, serverName: options.servername } : config;
  const anchors = withName.trustAnchors;
  const hasAnchors = anchors !== undefined && (typeof anchors === "string" || anchors.length > 0);
  if (hasAnchors && withName.serverName === undefined && !withName.verifyPeer && !withName.authorizePeer && withName.checkServerIdentity !== false) {
    // As the engine requires (ClientConfig.serverName), said in connect()'s words.
    throw new UsageError(
      "connect() needs `servername` (connectTcp: `host`), the name the server's certificate must carry; or config.authorizePeer, or config.checkServerIdentity: false to accept any certificate `ca` issued",
    );
  }
  // An external PSK authenticates the server by itself (RFC 8446 §4.2.11): no CA is needed then.
  if (withName.externalPsk === undefined) requireTrust(withName, "connect()");
  return withName;
}

function deriveServerConfig(options: AcceptOptions): ServerConfig {
  const config: ServerConfig = { ...options.config, ...commonConfig(options) };
  if (options.requestCert === undefined) {
    if (config.clientAuth !== undefined && config.clientAuth !== "none") requireTrust(config, "accept() with client authentication");
    return config;
  }
  const clientAuth = !options.requestCert ? "none" : options.rejectUnauthorized === false ? "request" : "require";
  if (clientAuth !== "none") requireTrust(config, "accept() with requestCert");
  return { ...config, clientAuth };
}
