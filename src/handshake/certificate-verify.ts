import { fail, concatBytes, asciiBytes } from "../bytes/index.js";
import type { CryptoProvider, PublicKey } from "../crypto/provider.js";
import type { VerificationBudget } from "../x509/index.js";
import { type SignatureScheme, signatureSchemeByCode } from "./constants.js";
import { decodeCertificateVerify } from "./messages.js";

/**
 * RFC 8446 §4.4.3: the signed content is 64 spaces, a context string, a zero byte and the
 * transcript hash.
 */
export function certificateVerifyContent(role: "server" | "client", transcriptHash: Uint8Array): Uint8Array {
  const pad = new Uint8Array(64).fill(0x20);
  const context = asciiBytes(`TLS 1.3, ${role} CertificateVerify`);
  return concatBytes(pad, context, new Uint8Array([0]), transcriptHash);
}

/** Whether a CertificateVerify scheme fits the leaf's key (§4.2.3 binds curve and key type). */
export function schemeFitsKey(scheme: SignatureScheme, key: PublicKey): boolean {
  switch (scheme.key) {
    case "P-256":
    case "P-384":
      return key.kind === "ec" && key.curve === scheme.key;
    case "ed25519":
      return key.kind === "ed25519";
    case "rsa":
      return key.kind === "rsa" && !key.pssOnly;
    case "rsa-pss":
      return key.kind === "rsa" && key.pssOnly;
  }
}

/**
 * Checks the peer's CertificateVerify message body: the scheme must be one we offered and fit the
 * key (`illegal_parameter`), and the signature must verify (`decrypt_error`, §4.4.3). The
 * verification is charged to the handshake's budget first.
 */
export function verifyCertificateVerify(
  provider: CryptoProvider,
  acceptable: readonly SignatureScheme[],
  peerRole: "server" | "client",
  body: Uint8Array,
  key: PublicKey | null,
  transcriptHash: Uint8Array,
  budget: VerificationBudget,
): SignatureScheme {
  const { algorithm, signature } = decodeCertificateVerify(body);
  const scheme = signatureSchemeByCode(algorithm);
  if (!scheme || scheme.certificateOnly || !acceptable.includes(scheme)) {
    const name = scheme?.name ?? `0x${algorithm.toString(16).padStart(4, "0")}`;
    fail("illegal_parameter", `${peerRole} signed CertificateVerify with ${name}, which we did not offer`);
  }
  if (!key) fail("unsupported_certificate", `the ${peerRole} certificate's public key type is not supported`);
  if (!schemeFitsKey(scheme, key)) {
    fail("illegal_parameter", `${peerRole} used ${scheme.name}, which does not fit its certificate's ${key.kind} key`);
  }
  budget.chargeSignature(scheme.algorithm, key, `the ${peerRole}'s CertificateVerify signature`);
  const content = certificateVerifyContent(peerRole, transcriptHash);
  if (!provider.verify(scheme.algorithm, key, content, signature)) {
    fail("decrypt_error", `the ${peerRole}'s CertificateVerify signature is invalid: it does not hold the certificate's private key, or the handshake was tampered with`);
  }
  return scheme;
}
