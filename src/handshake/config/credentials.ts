import type { CryptoProvider } from "../../crypto/provider.js";
import { UsageError, missingModule } from "../../bytes/index.js";
import type { PrivateKey } from "../../crypto/provider.js";
import { type Certificate, type PrivateKeyReading, parseCertificateWith, pemCertificates, privateKeyFitsCertificate } from "../../x509/index.js";
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
  /**
   * The signer is ours over a key in memory (`signerFromPrivateKey`), not one the configuration
   * gave: calling it has no effect outside, so a signature may be started before it is needed
   * and dropped unused (client/certificate.ts, `signAhead`).
   */
  readonly ownSigner?: boolean;
}

/** Our own chain: its names and key matter here, never its name constraints (those judge a peer's path). */
const parseOwnCertificate = (der: Uint8Array): Certificate => parseCertificateWith(der, null);

function issuerNamesOf(chain: readonly Uint8Array[], leaf: Certificate): Uint8Array[] {
  const rest = chain.slice(1).map(parseOwnCertificate);
  return [leaf.issuer.der, ...rest.flatMap((c) => [c.subject.der, c.issuer.der])];
}

/** Certificates given as PEM text or DER, as a DER list. */
export function loadCertificates(input: string | readonly Uint8Array[]): Uint8Array[] {
  return typeof input === "string" ? pemCertificates(input) : [...input];
}

/**
 * A configured key as a PrivateKey: read from PEM or DER by the `privateKeyReading` module, which a
 * `mutls/core` configuration may leave out when it gives its keys parsed (or signers).
 */
function privateKeyOf(input: string | Uint8Array | PrivateKey, reading: PrivateKeyReading | null): PrivateKey {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) return input;
  if (reading === null) {
    throw missingModule("a PEM or DER privateKey", "privateKeyReading", ', or give the key parsed ({ kind: "ec", curve, d }) or a signer');
  }
  return reading.read(input);
}

/**
 * One chain and its key (or signer) as Credentials, the key checked against the leaf; null when
 * there is no chain. `reading`: the configuration's `privateKeyReading` module, or null.
 */
export function loadCredentials(config: CertificateKeyPair | CommonConfig, provider: CryptoProvider, reading: PrivateKeyReading | null): Credentials | null {
  if (!config.certificateChain) {
    if (config.privateKey || config.signer) throw new UsageError("a private key or signer was given without certificateChain");
    return null;
  }
  const chain = loadCertificates(config.certificateChain);
  if (chain.length === 0) throw new UsageError("certificateChain holds no certificate");
  const leaf = parseOwnCertificate(chain[0]);
  if (config.signer) return { chain, leaf, signer: config.signer, issuerNames: issuerNamesOf(chain, leaf) };
  if (!config.privateKey) throw new UsageError("certificateChain needs privateKey or signer");
  const key = privateKeyOf(config.privateKey, reading);
  // With the connection's provider, so that reading a key pulls no curve into a bundle.
  if (!privateKeyFitsCertificate(key, leaf, provider)) {
    throw new UsageError(`privateKey does not match the certificate of ${leaf.subject.text}`);
  }
  const pssOnly = leaf.publicKey?.kind === "rsa" && leaf.publicKey.pssOnly;
  return { chain, leaf, signer: signerFromPrivateKey(key, provider, pssOnly), issuerNames: issuerNamesOf(chain, leaf), ownSigner: true };
}

/** Every configured chain and key, in preference order: the single certificateChain/privateKey, or `certificates`. */
export function loadCertificateChoices(config: CommonConfig & { certificates?: readonly CertificateKeyPair[] }, provider: CryptoProvider): Credentials[] {
  const reading = config.privateKeyReading ?? null;
  const single = loadCredentials(config, provider, reading);
  if (config.certificates === undefined) return single === null ? [] : [single];
  if (single !== null) throw new UsageError("give either certificateChain/privateKey or certificates, not both");
  return config.certificates.map((pair, i) => {
    const credentials = pair.certificateChain ? loadCredentials(pair, provider, reading) : null;
    if (credentials === null) throw new UsageError(`certificates[${i}] has no certificateChain`);
    return credentials;
  });
}
