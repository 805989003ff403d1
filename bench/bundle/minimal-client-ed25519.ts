/**
 * Bundle-size entry: the minimal client with Ed25519 as its one signature algorithm instead of
 * ECDSA P-256. X25519 and Ed25519 share curve25519's field code, so this is the smallest client.
 */
import { ClientConnection, type ClientConfig, aes128gcm, createProvider, ed25519, sha256, x25519 } from "../../src/core.js";

// Ed25519 hashes with SHA-512 inside the signature (RFC 8032 §5.1), not through the provider.
const provider = createProvider({ hashes: [sha256], aeads: [aes128gcm], keyShares: [x25519], signatures: [ed25519] });

export function connectMinimal(config: Omit<ClientConfig, "provider" | "cipherSuites" | "groups" | "signatureSchemes">): ClientConnection {
  return new ClientConnection({
    ...config,
    provider,
    cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    groups: ["x25519"],
    signatureSchemes: ["ed25519"],
  });
}
