/**
 * Choosing which client certificate answers a CertificateRequest (RFC 8446 §4.3.2, §4.4.2.3):
 * the chain's key must sign with a scheme in the request's signature_algorithms, and when the
 * request lists certificate_authorities (§4.2.4), the chain must hang from one of them.
 */
import { bytesEqual, toHex } from "../bytes/index.js";
import { distinguishedNameKeyOf, distinguishedNameText } from "../x509/index.js";
import { type SignatureScheme, signatureSchemeByName } from "./codec/constants.js";
import type { Credentials } from "./config.js";
import type { CertificateRequestExtensions } from "./codec/received-messages.js";

export type ClientCertificateChoice =
  | { readonly credentials: Credentials; readonly scheme: SignatureScheme }
  | { readonly credentials: null; readonly reason: string };

/** The first configured chain that fits the request, or why none does. */
export function selectClientCertificate(choices: readonly Credentials[], requestExtensions: CertificateRequestExtensions): ClientCertificateChoice {
  if (choices.length === 0) return { credentials: null, reason: "no client certificate is configured" };
  const offered = requestExtensions.signatureAlgorithms;
  const authorities = requestExtensions.certificateAuthorities ?? null;
  // RFC 5280 §7.1 name matching, as path building does: the server's CA may be named with
  // another string type or case than the issuer field of our chain. A name that does not parse
  // is kept as its exact bytes.
  const nameKey = (der: Uint8Array): string => distinguishedNameKeyOf(der) ?? "#" + toHex(der);
  // Identical bytes are the same name (the server usually lists the very bytes of our chain's
  // issuer field): the comparison forms are computed, once, only when none is identical.
  let accepted: Set<string> | undefined;
  const hangsFromAuthority = (issuerNames: readonly Uint8Array[]): boolean =>
    authorities === null ||
    issuerNames.some((n) => authorities.some((a) => bytesEqual(a, n))) ||
    issuerNames.some((n) => (accepted ??= new Set(authorities.map(nameKey))).has(nameKey(n)));
  let keyMisfits = 0;
  for (const credentials of choices) {
    const scheme = credentials.signer.schemes.map((name) => signatureSchemeByName(name)).find((s) => !s.certificateOnly && offered.includes(s.code));
    if (scheme === undefined) {
      keyMisfits++;
      continue;
    }
    if (!hangsFromAuthority(credentials.issuerNames)) continue;
    return { credentials, scheme };
  }
  const none = `none of the ${choices.length} configured client certificate(s)`;
  if (keyMisfits === choices.length) {
    return { credentials: null, reason: `no client certificate was sent: ${none} has a key that signs with one of the server's signature_algorithms` };
  }
  const names = (authorities ?? []).map((a) => distinguishedNameText(a) ?? "(unreadable name)").join("; ");
  return { credentials: null, reason: `no client certificate was sent: ${none} is issued by a CA the server accepts (certificate_authorities: ${names})` };
}
