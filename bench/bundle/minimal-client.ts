/**
 * Bundle-size entry: a client limited to X25519/P-256 key exchange, AES-128-GCM and ECDSA P-256.
 * The restriction is configuration (names), so what a bundler can drop depends on the provider
 * being composable from per-algorithm modules; bench/README.md explains the result.
 */
import { ClientConnection } from "../../src/index.js";

type ClientConfig = ConstructorParameters<typeof ClientConnection>[0];

export function connectMinimal(config: Omit<ClientConfig, "cipherSuites" | "groups" | "signatureSchemes">): ClientConnection {
  return new ClientConnection({
    ...config,
    cipherSuites: ["TLS_AES_128_GCM_SHA256"],
    groups: ["x25519", "secp256r1"],
    signatureSchemes: ["ecdsa_secp256r1_sha256"],
  });
}
