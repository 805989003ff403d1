import { concatBytes, asciiBytes } from "../bytes/index.js";
import type { PublicKey } from "../crypto/provider.js";
import type { SignatureScheme } from "./constants.js";

/**
 * What a CertificateVerify signs (ours: client/certificate.ts, server/handshake.ts; the peer's is checked in
 * peer-certificate.ts). RFC 8446 §4.4.3: the signed content is 64 spaces, a context string, a zero byte and the
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
