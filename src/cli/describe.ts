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

/** "TLSv1.3 TLS_AES_128_GCM_SHA256, group x25519 after a HelloRetryRequest, ALPN h2" */
export function describeHandshake(result: HandshakeResult): string {
  const retry = result.helloRetry ? " after a HelloRetryRequest" : "";
  return `${result.version} ${result.cipherSuite}, group ${result.group}${retry}, ALPN ${result.alpnProtocol ?? "none"}`;
}

/** "certificate_required (alert from the peer): ..." */
export function describeError(error: TLSError): string {
  const who = error.origin === "remote" ? "alert from the peer" : "detected locally";
  return `${error.alertName} (${who}): ${error.message}`;
}
