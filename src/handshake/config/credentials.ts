import type { CryptoProvider } from "../../crypto/provider.js";
import { UsageError } from "../../bytes/index.js";
import { type Certificate, parseCertificate, parsePrivateKey, pemCertificates, privateKeyMatchesCertificate } from "../../x509/index.js";
import { type Signer, signerFromPrivateKey } from "../signer.js";
import type { CertificateKeyPair, CommonConfig } from "./types.js";

export interface Credentials {
  readonly chain: readonly Uint8Array[];
  readonly leaf: Certificate;
  readonly signer: Signer;
  /**
   * DER names of the CAs this chain hangs from (each certificate's issuer, and the subjects of
   * the CA certificates in it), matched against a CertificateRequest's certificate_authorities.
   */
  readonly issuerNames: readonly Uint8Array[];
}

function issuerNamesOf(chain: readonly Uint8Array[], leaf: Certificate): Uint8Array[] {
  const rest = chain.slice(1).map((der) => parseCertificate(der));
  return [leaf.issuer.der, ...rest.flatMap((c) => [c.subject.der, c.issuer.der])];
}

/** Certificates given as PEM text or DER, as a DER list. */
export function loadCertificates(input: string | readonly Uint8Array[]): Uint8Array[] {
  return typeof input === "string" ? pemCertificates(input) : [...input];
}

/** One chain and its key (or signer) as Credentials, the key checked against the leaf; null when there is no chain. */
export function loadCredentials(config: CertificateKeyPair | CommonConfig, provider: CryptoProvider): Credentials | null {
  if (!config.certificateChain) {
    if (config.privateKey || config.signer) throw new UsageError("a private key or signer was given without certificateChain");
    return null;
  }
  const chain = loadCertificates(config.certificateChain);
  if (chain.length === 0) throw new UsageError("certificateChain holds no certificate");
  const leaf = parseCertificate(chain[0]);
  if (config.signer) return { chain, leaf, signer: config.signer, issuerNames: issuerNamesOf(chain, leaf) };
  if (!config.privateKey) throw new UsageError("certificateChain needs privateKey or signer");
  const key = typeof config.privateKey === "string" || config.privateKey instanceof Uint8Array ? parsePrivateKey(config.privateKey) : config.privateKey;
  if (!privateKeyMatchesCertificate(key, leaf)) {
    throw new UsageError(`privateKey does not match the certificate of ${leaf.subject.text}`);
  }
  const pssOnly = leaf.publicKey?.kind === "rsa" && leaf.publicKey.pssOnly;
  return { chain, leaf, signer: signerFromPrivateKey(key, provider, pssOnly), issuerNames: issuerNamesOf(chain, leaf) };
}

/** Every configured chain and key, in preference order: the single certificateChain/privateKey, or `certificates`. */
export function loadCertificateChoices(config: CommonConfig & { certificates?: readonly CertificateKeyPair[] }, provider: CryptoProvider): Credentials[] {
  const single = loadCredentials(config, provider);
  if (config.certificates === undefined) return single === null ? [] : [single];
  if (single !== null) throw new UsageError("give either certificateChain/privateKey or certificates, not both");
  return config.certificates.map((pair, i) => {
    const credentials = pair.certificateChain ? loadCredentials(pair, provider) : null;
    if (credentials === null) throw new UsageError(`certificates[${i}] has no certificateChain`);
    return credentials;
  });
}
