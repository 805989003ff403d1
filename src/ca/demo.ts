/**
 * Freshly minted credentials for a demonstration: a throwaway CA, a server certificate for
 * localhost and a client certificate with a SPIFFE ID. Nothing is written anywhere.
 */
import type { CryptoProvider } from "../crypto/provider.js";
import { createCertificateAuthority, issueCertificate } from "./authority.js";
import type { KeyType } from "./keys.js";

export interface DemoCredentials {
  /** The CA certificate (PEM), the trust anchor for both sides. */
  readonly caPem: string;
  readonly server: { readonly certificateChain: string; readonly privateKey: string };
  readonly client: { readonly certificateChain: string; readonly privateKey: string };
  /** The client's SPIFFE ID. */
  readonly clientId: string;
}

export function mintDemoCredentials(options: { keyType?: KeyType; provider?: CryptoProvider; now?: Date } = {}): DemoCredentials {
  const ca = createCertificateAuthority({ name: "mutls demo CA", days: 1, ...options });
  const server = issueCertificate(ca, { name: "localhost", server: true, dns: ["localhost"], ip: ["127.0.0.1", "::1"], days: 1, ...options });
  const clientId = "spiffe://mutls.demo/client";
  const client = issueCertificate(ca, { name: "demo client", client: true, uri: [clientId], days: 1, ...options });
  return {
    caPem: ca.certificatePem,
    server: { certificateChain: server.certificateChainPem, privateKey: server.privateKeyPem },
    client: { certificateChain: client.certificateChainPem, privateKey: client.privateKeyPem },
    clientId,
  };
}
