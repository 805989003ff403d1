/** How the CLI shows a handshake and an identity to a person (one line each, for stderr logs). */
import type { HandshakeResult, PeerIdentity, TLSError } from "../index.js";

/** "CN=client, O=Example; URI spiffe://...; DNS a, b" */
export function describeIdentity(identity: PeerIdentity | null | undefined): string {
  if (!identity) return "no certificate";
  const parts = [`"${identity.subject}"`];
  const names: [string, readonly string[]][] = [
    ["URI", identity.uris],
    ["DNS", identity.dnsNames],
    ["IP", identity.ipAddresses],
    ["email", identity.emails],
  ];
  for (const [label, values] of names) if (values.length > 0) parts.push(`${label} ${values.join(", ")}`);
  return parts.join("; ");
}

/** "TLSv1.3 TLS_AES_128_GCM_SHA256, group x25519 after a HelloRetryRequest, ALPN h2, native crypto" */
export function describeHandshake(result: HandshakeResult): string {
  const retry = result.helloRetry ? " after a HelloRetryRequest" : "";
  return `${result.version} ${result.cipherSuite}, group ${result.group}${retry}, ALPN ${result.alpnProtocol ?? "none"}, ${result.provider} crypto`;
}

/** "certificate_required (alert from the peer): ..." */
export function describeError(error: TLSError): string {
  // A transport failure carries no alert: naming one would send the reader after a TLS problem.
  if (error.origin === "transport") return `transport failure (no TLS alert): ${error.message}`;
  const who = error.origin === "remote" ? "alert from the peer" : "detected locally";
  return `${error.alertName} (${who}): ${error.message}`;
}

/** The peer's identity as `--json` prints it. */
export function identityJson(identity: PeerIdentity | null | undefined): Record<string, unknown> | null {
  if (!identity) return null;
  return {
    subject: identity.subject,
    spiffeId: identity.spiffeId ?? null,
    uris: identity.uris,
    dnsNames: identity.dnsNames,
    ipAddresses: identity.ipAddresses,
    emails: identity.emails,
  };
}

/** What the handshake negotiated, as `--json` prints it (the peer's identity apart). */
export function handshakeJson(result: HandshakeResult): Record<string, unknown> {
  return {
    version: result.version,
    cipherSuite: result.cipherSuite,
    group: result.group,
    helloRetry: result.helloRetry,
    alpn: result.alpnProtocol,
    serverName: result.serverName,
    peerSignatureScheme: result.peerSignatureScheme,
    resumed: result.resumed,
    pskIdentity: result.pskIdentity,
    earlyData: result.earlyData,
    provider: result.provider,
  };
}

/** A TLSError as `--json` prints it. */
export function errorJson(error: TLSError): Record<string, unknown> {
  return { alert: error.origin === "transport" ? null : error.alertName, origin: error.origin, message: error.message };
}
