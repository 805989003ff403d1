/**
 * Bundle-size entry: a client with one signature algorithm (ECDSA P-256), X25519, AES-128-GCM and
 * SHA-256, built on the core entry (no default provider) with a provider composed of those modules
 * alone, so the bundler drops every other algorithm. X25519 is `x25519Compact`, the ladder without
 * noble's Edwards code and tables, as a device that counts bytes would compose it.
 *
 * It passes none of the core's optional modules, as such a device would not: its key is given
 * parsed (`{ kind: "ec", curve: "P-256", d }`, the scalar it keeps in storage) or as a `signer`
 * (a secure element), not as PEM, so it needs no `privateKeyReading`; it answers a
 * CertificateRequest from its one configured chain, without `credentialHooks`.
 */
import { ClientConnection, type ClientConfig, aes128gcm, createProvider, ecdsaP256, sha256, x25519Compact } from "../../src/core.js";

const provider = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519Compact], signatures: [ecdsaP256] });

export function connectMinimal(config: Omit<ClientConfig, "provider" | "cipherSuites" | "groups" | "signatureSchemes">): ClientConnection {
  return new ClientConnection({
    ...config,
    provider,
    cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    groups: ["x25519"],
    signatureSchemes: ["ecdsa_secp256r1_sha256"],
  });
}
