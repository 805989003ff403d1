/**
 * The per-handshake credential hooks, ServerConfig.selectCertificate and
 * ClientConfig.selectClientCertificate (as Go's GetCertificate / GetClientCertificate and rustls's
 * certificate resolvers): what each learns from the peer's ClientHello or CertificateRequest, and
 * how its answer becomes the Credentials the handshake signs with. A hook may answer with a
 * Promise; the caller then returns that Promise as its step's pending work, and the connection
 * holds input until it settles, as it does for an asynchronous signer.
 *
 * The engine reaches this file only through the `credentialHooks` module (config.credentialHooks),
 * which the `mutls` entry supplies; a `mutls/core` configuration without hooks does not carry it.
 */
import { AlertDescription, TLSError, fail } from "../bytes/index.js";
import type { CryptoProvider } from "../crypto/provider.js";
import { type PrivateKeyReading, distinguishedNameText } from "../x509/index.js";
import { type SignatureSchemeName, signatureSchemeByCode, signatureSchemeByName } from "./codec/constants.js";
import { type Credentials, loadCredentials } from "./config/credentials.js";
import type { CertificateKeyPair, CertificateRequestInfo, ClientHelloInfo } from "./config/types.js";
import type { ClientCertificateChoice } from "./certificate-selection.js";
import type { CertificateRequestExtensions, ClientHelloExtensions } from "./codec/received-messages.js";

/** A hook's answer, now or later. */
type Answer = CertificateKeyPair | null | Promise<CertificateKeyPair | null>;

/**
 * Pairs a hook returned, loaded once per object (parsing, the key-to-certificate check), as
 * configs are: a hook that returns the same object per name costs nothing after the first time.
 */
const loadedPairs = new WeakMap<CertificateKeyPair, { readonly provider: CryptoProvider; readonly credentials: Credentials }>();

function credentialsOfPair(hook: string, pair: CertificateKeyPair, provider: CryptoProvider, reading: PrivateKeyReading | null): Credentials {
  const loaded = loadedPairs.get(pair);
  if (loaded !== undefined && loaded.provider === provider) return loaded.credentials;
  let credentials: Credentials | null;
  try {
    credentials = loadCredentials(pair, provider, reading);
  } catch (e) {
    throw hookFailed(hook, e, "returned an unusable certificate");
  }
  if (credentials === null) throw hookFailed(hook, null, "returned a pair without certificateChain");
  loadedPairs.set(pair, { provider, credentials });
  return credentials;
}

/** A hook that threw (or returned nonsense) is our failure, not the peer's: internal_error. A TLSError it throws keeps its alert. */
function hookFailed(hook: string, e: unknown, what = "failed"): TLSError {
  if (e instanceof TLSError) return e;
  const why = e === null ? "" : `: ${e instanceof Error ? e.message : String(e)}`;
  return new TLSError(AlertDescription.internal_error, `${hook} ${what}${why}`, "local", "credential_unavailable");
}

function isPromise(answer: Answer): answer is Promise<CertificateKeyPair | null> {
  return answer !== null && typeof (answer as { then?: unknown }).then === "function";
}

/** Calls `hook(info)` and hands its answer to `use`, now or when its Promise settles. */
function ask<I, T>(name: string, hook: (info: I) => Answer, info: I, use: (pair: CertificateKeyPair | null) => T): T | Promise<T> {
  let answer: Answer;
  try {
    answer = hook(info);
  } catch (e) {
    throw hookFailed(name, e);
  }
  if (!isPromise(answer)) return use(answer);
  return Promise.resolve(answer).then(use, (e: unknown) => {
    throw hookFailed(name, e);
  });
}

/** The signature_algorithms (§4.2.3) we know, by name, in the peer's order. */
function schemeNames(codes: readonly number[] | undefined): SignatureSchemeName[] {
  return (codes ?? []).flatMap((code) => signatureSchemeByCode(code)?.name ?? []);
}

/**
 * Server, RFC 8446 §4.4.2: the chain to authenticate this handshake with, chosen by
 * ServerConfig.selectCertificate from the ClientHello; its null answer falls back to the
 * configured chain, and without one the handshake fails with handshake_failure.
 */
export function selectServerCredentials(
  hook: (hello: ClientHelloInfo) => Answer,
  helloExtensions: ClientHelloExtensions,
  serverName: string | null,
  configured: Credentials | null,
  provider: CryptoProvider,
  reading: PrivateKeyReading | null,
): Credentials | Promise<Credentials> {
  const hello: ClientHelloInfo = {
    serverName,
    signatureSchemes: schemeNames(helloExtensions.signatureAlgorithms),
    alpnProtocols: helloExtensions.alpnProtocols ?? [],
  };
  return ask("selectCertificate", hook, hello, (pair) => {
    if (pair !== null) return credentialsOfPair("selectCertificate", pair, provider, reading);
    if (configured !== null) return configured;
    const forName = serverName === null ? "a client that sent no server name" : `"${serverName}"`;
    return fail("handshake_failure", `selectCertificate has no certificate for ${forName}, and no certificateChain is configured`, "credential_unavailable");
  });
}

/**
 * Client, RFC 8446 §4.4.2.3: the chain that answers a CertificateRequest, as
 * ClientConfig.selectClientCertificate returns it: it must sign with one of the request's
 * signature_algorithms (else handshake_failure, as Go does); none when it returns null. Without a
 * hook, the client takes the first configured chain that fits (certificate-selection.ts).
 */
export function selectClientCredentials(
  hook: (request: CertificateRequestInfo) => Answer,
  requestExtensions: CertificateRequestExtensions,
  serverName: string | null,
  provider: CryptoProvider,
  reading: PrivateKeyReading | null,
): ClientCertificateChoice | Promise<ClientCertificateChoice> {
  const certificateAuthorities = requestExtensions.certificateAuthorities ?? [];
  const signatureSchemes = schemeNames(requestExtensions.signatureAlgorithms);
  const request: CertificateRequestInfo = {
    certificateAuthorities,
    certificateAuthorityNames: certificateAuthorities.map((der) => distinguishedNameText(der) ?? ""),
    signatureSchemes,
    serverName,
  };
  return ask("selectClientCertificate", hook, request, (pair): ClientCertificateChoice => {
    if (pair === null) return { credentials: null, reason: "no client certificate was sent: selectClientCertificate chose none" };
    const credentials = credentialsOfPair("selectClientCertificate", pair, provider, reading);
    const scheme = credentials.signer.schemes.map((name) => signatureSchemeByName(name)).find((s) => !s.certificateOnly && signatureSchemes.includes(s.name));
    if (scheme === undefined) {
      fail(
        "handshake_failure",
        `selectClientCertificate chose ${credentials.leaf.subject.text}, whose key signs with none of the server's signature_algorithms (${signatureSchemes.join(", ")})`,
      );
    }
    return { credentials, scheme };
  });
}

/**
 * The credential hooks as a module for the engine's `credentialHooks` option: what turns the
 * answers of `selectCertificate` (server) and `selectClientCertificate` (client) into credentials.
 */
export interface CredentialHooks {
  readonly selectServer: typeof selectServerCredentials;
  readonly selectClient: typeof selectClientCredentials;
}

/** The module the `mutls` entry supplies; `mutls/core` users pass it with either hook. */
export const credentialHooks: CredentialHooks = { selectServer: selectServerCredentials, selectClient: selectClientCredentials };
